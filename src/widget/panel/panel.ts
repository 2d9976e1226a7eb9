/**
 * The layer panel part (napari's layer list + layer controls) in the view's side slot, left of
 * the canvas and never over it. Collapsible; the list and the selected layer's controls follow
 * the local state (ctx "state" events) and change it through ctx.setLayer / ctx.moveLayers.
 * Stable hooks for tests: `.napari-cuda-panel` (data-collapsed, data-selected-layer),
 * `.napari-cuda-layer[data-id]`, and one class per control (controls.ts).
 */
import { sendEdit } from "../annotate/send.js";
import type { ViewContext, ViewPart } from "../parts/part.js";
import type { LayerTrait } from "../state/traits.js";
import { autoContrast, autoContrastAvailable } from "./auto-contrast.js";
import { collapsedFor } from "./collapse.js";
import { LayerControls } from "./controls.js";
import { el, ensureStyles, keepKeys } from "./dom.js";
import { LayerListView } from "./layer-list.js";
import { bottomFirst, nextSelection, topFirst } from "./order.js";
import { pointStyleOp } from "./point-style.js";
import { LayerSelection } from "./selection.js";

/** Build the layer panel into `ctx.slots.side`. */
export function layerPanel(ctx: ViewContext): ViewPart {
  const doc = ctx.doc;
  ensureStyles(doc);
  const panel = el(doc, "div", "napari-cuda-panel");
  panel.setAttribute("role", "region");
  panel.setAttribute("aria-label", "layers");
  keepKeys(panel);
  const scroll = el(doc, "div", "napari-cuda-panel-scroll");
  const head = el(doc, "div", "napari-cuda-panel-head");
  const toggle = el(doc, "button", "napari-cuda-panel-toggle");
  toggle.type = "button";
  const title = el(doc, "span", "napari-cuda-panel-title", "layers");
  head.append(toggle, title);
  const body = el(doc, "div", "napari-cuda-panel-body");
  body.id = `napari-cuda-panel-${Math.random().toString(36).slice(2)}`;
  toggle.setAttribute("aria-controls", body.id);
  const empty = el(doc, "div", "napari-cuda-panel-empty", "no layers");

  let known = new Set<string>();
  let shownLayers: LayerTrait[] | null = null;
  let shownNdisplay = 0;
  let shownSelection: string | null = null;
  let choice: boolean | null = null;

  const selected = (): LayerTrait | null => ctx.layers().find((l) => l.id === selection.get()) ?? null;
  const selection = new LayerSelection(ctx, () => refresh(true));
  const list = new LayerListView(doc, {
    select: (id) => {
      selection.set(id);
      refresh(true);
    },
    setVisible: (id, visible) => ctx.setLayer(id, { visible }),
    reorder: (topIds) => ctx.moveLayers(bottomFirst(topIds)),
  });
  const controls = new LayerControls(doc, {
    layer: selected,
    ndisplay: () => ctx.dims().ndisplay,
    setLayer: (patch) => {
      const id = selection.get();
      if (id !== null) ctx.setLayer(id, patch);
    },
    // An edit (the annotation part shows a refusal): the kernel restyles the selected points.
    setPointStyle: (style) => {
      const id = selection.get();
      if (id !== null) sendEdit(ctx, id, pointStyleOp(style));
    },
    canAutoContrast: () => autoContrastAvailable(ctx),
    autoContrast: async () => {
      const id = selection.get();
      return id === null ? null : autoContrast(ctx, id);
    },
  });
  body.append(list.el, empty, controls.el);
  scroll.append(head, body);
  panel.append(scroll);
  ctx.slots.side.append(panel);

  /** Show the state; cheap when nothing the panel shows changed (state fires on every camera move). */
  function refresh(force = false): void {
    const layers = ctx.layers();
    const nd = ctx.dims().ndisplay;
    if (!force && layers === shownLayers && nd === shownNdisplay && selection.get() === shownSelection) return;
    const ids = topFirst(layers);
    const next = nextSelection(selection.get(), known, ids);
    known = new Set(ids); // before set(): a shared selection's event re-enters refresh()
    selection.set(next);
    shownLayers = layers;
    shownNdisplay = nd;
    shownSelection = selection.get();
    const byId = new Map(layers.map((l) => [l.id, l]));
    list.update(
      ids.map((id) => {
        const l = byId.get(id)!;
        return { id, name: l.name, visible: l.visible, kind: l.kind };
      }),
      shownSelection,
    );
    list.el.hidden = ids.length === 0;
    empty.hidden = ids.length > 0;
    panel.dataset["selectedLayer"] = shownSelection ?? "";
    controls.refresh();
  }

  function applyCollapse(): void {
    const collapsed = collapsedFor(choice, ctx.slots.root.getBoundingClientRect().width);
    panel.classList.toggle("napari-cuda-panel-collapsed", collapsed);
    panel.dataset["collapsed"] = String(collapsed);
    body.hidden = collapsed;
    toggle.textContent = collapsed ? "\u203a" : "\u2039";
    toggle.setAttribute("aria-expanded", String(!collapsed));
    const what = collapsed ? "show the layer list and controls" : "hide the layer list and controls";
    toggle.setAttribute("aria-label", what);
    toggle.title = what;
  }

  toggle.addEventListener("click", () => {
    choice = panel.dataset["collapsed"] !== "true";
    applyCollapse();
  });
  const Observer = doc.defaultView?.ResizeObserver;
  const resize = Observer === undefined ? null : new Observer(() => choice === null && applyCollapse());
  resize?.observe(ctx.slots.root);
  const offs = [
    ctx.on("state", () => refresh()),
    ctx.on("config", () => controls.refreshAuto()),
    ctx.on("status", () => controls.refreshAuto()),
  ];
  applyCollapse();
  refresh(true);

  return {
    dispose() {
      for (const step of [
        ...offs,
        () => resize?.disconnect(),
        () => selection.dispose(),
        () => controls.dispose(),
        () => panel.remove(),
      ]) {
        try {
          step();
        } catch {
          // dispose never throws: the remaining steps still run.
        }
      }
    },
  };
}
