/**
 * The status bar under the canvas, as napari's: "<layer> [<world coords>]: <value>" for the
 * top visible layer (the layer panel's selection can take its place later), plus the pyramid
 * level the value was read at. The value is the data's true value at the level shown, asked of
 * the daemon (`pick`, throttled by PickScheduler). An empty viewer shows how to add a layer.
 * Over a labels layer the value is the label (an exact integer) followed by a swatch of its colour
 * (none for the background 0). Over a points layer the value is the index of the point under the
 * cursor (napari's `Points [y x]: 3`), asked of the kernel (point-hover.ts), or nothing.
 * Stable hooks for tests: `.napari-cuda-statusbar` with data-layer, data-coords, data-value,
 * data-swatch (the label's CSS colour, else ""), data-level, and data-pick-p50 / data-picks (pick round trips in ms, answers so far).
 */
import type { Vec2 } from "../../protocol/camera.js";
import type { StreamValue } from "../../protocol/stream.js";
import type { ViewContext, ViewPart } from "../parts/part.js";
import { cursorWorld, describedLayer } from "./cursor.js";
import { statusLine, type Answer } from "./line.js";
import { PickScheduler, type PickQuery } from "./pick-scheduler.js";
import { HOVER_MIN_INTERVAL_MS, PointHover } from "./point-hover.js";

/** How long the view must stay still before the readout asks for the value again (ms). */
const SETTLE_MS = 100;

function span(doc: Document, className: string, style: Partial<CSSStyleDeclaration> = {}): HTMLSpanElement {
  const el = doc.createElement("span");
  el.className = className;
  Object.assign(el.style, style);
  return el;
}

function build(doc: Document): {
  el: HTMLDivElement;
  name: HTMLSpanElement;
  text: HTMLSpanElement;
  swatch: HTMLSpanElement;
  level: HTMLSpanElement;
} {
  const el = doc.createElement("div");
  el.className = "napari-cuda-statusbar";
  Object.assign(el.style, {
    display: "flex",
    alignItems: "baseline",
    gap: "0.6em",
    minHeight: "1.5em",
    padding: "2px 4px",
    overflow: "hidden",
    whiteSpace: "nowrap",
    font: "var(--jp-ui-font-size1, 12px) var(--jp-ui-font-family, system-ui, sans-serif)",
    color: "var(--jp-ui-font-color1, inherit)",
    fontVariantNumeric: "tabular-nums",
    lineHeight: "1.5",
  } satisfies Partial<CSSStyleDeclaration>);
  const clip = { overflow: "hidden", textOverflow: "ellipsis" };
  const name = span(doc, "napari-cuda-status-layer", { fontWeight: "600", ...clip });
  const text = span(doc, "napari-cuda-status-text", clip);
  // A square as tall as a digit, outlined so that dark and light label colours show on any theme.
  const swatch = span(doc, "napari-cuda-status-swatch", {
    display: "none",
    flex: "0 0 auto",
    alignSelf: "center",
    width: "0.9em",
    height: "0.9em",
    borderRadius: "2px",
    boxShadow: "0 0 0 1px var(--jp-border-color1, #888)",
    marginLeft: "-0.25em",
  });
  swatch.setAttribute("aria-hidden", "true");
  const level = span(doc, "napari-cuda-status-level", { color: "var(--jp-ui-font-color2, #777)" });
  el.append(name, text, swatch, level);
  return { el, name, text, swatch, level };
}

/** Set a span's text; an empty span takes no room (no flex gap for it). */
function show(el: HTMLSpanElement, text: string): void {
  el.textContent = text;
  el.style.display = text === "" ? "none" : "";
}

/** The status bar part (ctx.slots.below). */
export function statusBarPart(ctx: ViewContext): ViewPart {
  const { el, name, text, swatch, level } = build(ctx.doc);
  ctx.slots.below.append(el);

  let screen: Vec2 | null = null;
  let world: number[] | null = null;
  let answer: Answer | null = null;
  const result = (q: PickQuery, reply: StreamValue): void => {
    // Over the daemon's pick rate: keep the last answer; the scheduler asks again.
    if (reply.status !== "busy" || answer === null) answer = { position: q.position, reply };
    el.dataset.pickP50 = picks.p50?.toFixed(1) ?? "";
    el.dataset.picks = String(picks.answered + hovers.answered);
    render();
  };
  const none = (): void => {
    answer = null;
    render();
  };
  const picks = new PickScheduler({ send: (q) => ctx.stream()?.pick(q.position, q.layerId) ?? null, result, none });
  const hover = new PointHover({
    send: (msg) => ctx.sendToKernel(msg),
    step: () => ctx.dims().current_step,
    onKernel: (fn) => ctx.on("kernel", (m) => fn(m.content)),
  });
  const hovers = new PickScheduler({ send: (q) => hover.ask(q), result, none, minIntervalMs: HOVER_MIN_INTERVAL_MS });

  const render = (): void => {
    const layers = ctx.layers();
    const layer = describedLayer(layers, ctx.selectedLayer());
    const line = statusLine({
      layers,
      layer,
      axisLabels: ctx.dims().axis_labels,
      hovering: screen !== null,
      world,
      answer,
      meta: ctx.meta()?.layers.find((l) => l.id === layer?.id),
    });
    // Leading spaces: flex drops them on screen, and the element's text reads as one line.
    show(name, line.name);
    show(text, line.text === "" || line.name === "" ? line.text : ` ${line.text}`);
    show(level, line.level === "" ? "" : ` ${line.level}`);
    swatch.style.display = line.swatch === null ? "none" : "";
    swatch.style.background = line.swatch ?? "";
    swatch.title = line.swatch === null ? "" : `label ${line.value}: ${line.swatch}`;
    const data = { layer: line.name, coords: line.coords, value: line.value, swatch: line.swatch ?? "" };
    Object.assign(el.dataset, { ...data, level: line.level });
  };

  /** The cursor, camera, dims, layers or levels changed: recompute and ask for the value again. */
  const update = (): void => {
    const layer = describedLayer(ctx.layers(), ctx.selectedLayer());
    world = screen === null || !layer ? null : cursorWorld(ctx.camera(), ctx.canvas(), ctx.dims(), layer, screen);
    // A points layer's daemon data is its table, not an image: the kernel says which point is there.
    const q: PickQuery | null = world === null || !layer ? null : { position: world, layerId: layer.id };
    if (q === null) answer = null;
    const points = layer?.kind === "points";
    picks.request(points ? null : q);
    hovers.request(points ? q : null);
    render();
  };

  // While the view moves (a drag, a wheel zoom, an animation) the readout waits until it settles:
  // a pick per frame would compete with rendering for the daemon's cores (720p pan on 2 cores:
  // 45 fps / m2p 50 ms with per-frame picks, 55 fps / 19 ms without), and under a drag the cursor
  // stays on the same data point anyway.
  let dragging = false;
  let settle: ReturnType<typeof setTimeout> | null = null;
  const later = (): void => {
    if (settle !== null) clearTimeout(settle);
    settle = setTimeout(() => {
      settle = null;
      if (!dragging) update();
    }, SETTLE_MS);
  };
  const canvas = ctx.slots.canvas;
  const onMove = (e: PointerEvent): void => {
    const r = canvas.getBoundingClientRect();
    screen = [e.clientX - r.left, e.clientY - r.top];
    if (e.buttons === 0) update();
  };
  const onDown = (): void => {
    dragging = true;
  };
  const onUp = (): void => {
    dragging = false;
    later();
  };
  const onLeave = (): void => {
    screen = null;
    update();
  };
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerleave", onLeave);
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointercancel", onUp);
  const offs = [
    ctx.on("state", later),
    ctx.on("selection", update),
    // A level switch or a finished load can change the value under a still cursor.
    ctx.on("meta", () => (screen === null ? render() : update())),
    ctx.on("canvas", update),
  ];
  render();

  return {
    dispose(): void {
      picks.dispose();
      hovers.dispose();
      hover.dispose();
      canvas.removeEventListener("pointermove", onMove);
      canvas.removeEventListener("pointerleave", onLeave);
      canvas.removeEventListener("pointerdown", onDown);
      canvas.removeEventListener("pointerup", onUp);
      canvas.removeEventListener("pointercancel", onUp);
      if (settle !== null) clearTimeout(settle);
      for (const off of offs) off();
      el.remove();
    },
  };
}
