/**
 * The annotation part: pointer edits on the canvas for the selected layer in its mode (gesture.ts),
 * sent to the kernel as `annotate` messages (messages.ts), drawn at once on the overlay and kept there
 * until the daemon's frame includes them (pending.ts). While the layer edits, drags do not pan
 * (interaction/gate.ts); the wheel still zooms. 2D views only: in 3D every mode pans and orbits.
 * Stable hooks for tests: `.napari-cuda-annotate-overlay` with data-pending (edits drawn) and
 * data-mode (the selected layer's mode).
 */
import type { Vec2 } from "../../protocol/camera.js";
import { screenToWorld } from "../../protocol/camera.js";
import { setPanGate } from "../interaction/gate.js";
import type { ViewContext, ViewPart } from "../parts/part.js";
import { CanvasNote } from "../util/canvas-note.js";
import { labelCss } from "../util/label-swatch.js";
import { Gesture, selectedInSlice } from "./gesture.js";
import { parseDone } from "./messages.js";
import { brushSize, dataVersion, dragsPanFor, layerMode, type AnnotatedLayer } from "./modes.js";
import { Overlay, type Shape } from "./overlay.js";
import { PendingEdits } from "./pending.js";
import { ownEdit, sendEdit } from "./send.js";

/** How long a refused edit's message stays (ms). */
const NOTE_MS = 5000;

class Annotate implements ViewPart {
  private readonly overlay: Overlay;
  private readonly note: CanvasNote;
  private readonly pending = new PendingEdits<Shape[]>();
  private gesture: { g: Gesture; pointerId: number; screen: Vec2 } | null = null;
  private cursor: Vec2 | null = null;
  private frameRequest = 0;
  private readonly off: Array<() => void> = [];

  constructor(private readonly ctx: ViewContext) {
    const doc = ctx.doc;
    this.overlay = new Overlay(doc);
    this.note = new CanvasNote(doc, {
      className: "napari-cuda-annotate-note",
      edge: "top",
      background: "rgba(120, 20, 20, 0.85)",
      color: "#fff",
      ms: NOTE_MS,
    });
    ctx.slots.overlay.append(this.overlay.el, this.note.el);
    const canvas = ctx.slots.canvas;
    this.off.push(setPanGate(canvas, () => dragsPanFor(this.layer(), ctx.dims().ndisplay)));
    this.listen(canvas, "pointerdown", (e) => this.onDown(e as PointerEvent));
    this.listen(canvas, "pointermove", (e) => this.onMove(e as PointerEvent));
    this.listen(canvas, "pointerup", (e) => this.onUp(e as PointerEvent));
    this.listen(canvas, "pointercancel", (e) => this.onUp(e as PointerEvent));
    this.listen(canvas, "pointerleave", () => {
      this.cursor = null;
      this.request();
    });
    this.off.push(
      ctx.on("state", () => this.onState()),
      ctx.on("selection", () => this.onState()),
      ctx.on("canvas", () => this.request()),
      ctx.on("frame", () => {
        const seq = ctx.stats.lastHeader?.seq;
        if (seq !== undefined && this.pending.frame(seq)) this.request();
      }),
      ctx.on("kernel", ({ content }) => this.onKernel(content)),
    );
    this.onState();
  }

  dispose(): void {
    for (const off of this.off.splice(0)) {
      try {
        off();
      } catch {
        // dispose() never throws.
      }
    }
    const win = this.ctx.doc.defaultView;
    if (this.frameRequest !== 0) win?.cancelAnimationFrame(this.frameRequest);
    this.overlay.el.remove();
    this.note.dispose();
  }

  private listen(el: HTMLElement, type: string, fn: (e: Event) => void): void {
    el.addEventListener(type, fn);
    this.off.push(() => el.removeEventListener(type, fn));
  }

  /** The selected layer (napari's active layer). */
  private layer(): AnnotatedLayer | null {
    const id = this.ctx.selectedLayer();
    return (this.ctx.layers().find((l) => l.id === id) as AnnotatedLayer | undefined) ?? null;
  }

  /** The selected layer when it edits now (2D view, a mode other than pan_zoom). */
  private editing(): AnnotatedLayer | null {
    const layer = this.layer();
    return layer !== null && !dragsPanFor(layer, this.ctx.dims().ndisplay) ? layer : null;
  }

  private world(e: MouseEvent): { world: Vec2; screen: Vec2 } | null {
    const canvas = this.ctx.canvas();
    if (canvas === null) return null;
    const r = this.ctx.slots.canvas.getBoundingClientRect();
    const screen: Vec2 = [e.clientX - r.left, e.clientY - r.top];
    return { world: screenToWorld(this.ctx.camera(), canvas, screen), screen };
  }

  private onDown(e: PointerEvent): void {
    const layer = this.editing();
    if (layer === null || e.button !== 0 || this.gesture !== null) return;
    const at = this.world(e);
    if (at === null) return;
    e.preventDefault();
    try {
      this.ctx.slots.canvas.setPointerCapture(e.pointerId);
    } catch {
      // A pointer that is already gone: the gesture still works inside the canvas.
    }
    const mode = layerMode(layer);
    const label = mode === "erase" ? 0 : layer.selected_label;
    const input = { layer, mode, step: [...this.ctx.dims().current_step], label, color: labelCss(layer, label) };
    const g = new Gesture(input, at.world, e.shiftKey);
    this.gesture = { g, pointerId: e.pointerId, screen: at.screen };
    this.commit(layer.id, g.press());
    this.request();
  }

  private onMove(e: PointerEvent): void {
    const at = this.world(e);
    this.cursor = at?.world ?? null;
    const active = this.gesture;
    if (active !== null && active.pointerId === e.pointerId && at !== null) {
      active.g.move(at.world, Math.hypot(at.screen[0] - active.screen[0], at.screen[1] - active.screen[1]));
    }
    if (active !== null || this.editing() !== null) this.request();
  }

  private onUp(e: PointerEvent): void {
    const active = this.gesture;
    if (active === null || active.pointerId !== e.pointerId) return;
    this.gesture = null;
    const canvas = this.ctx.slots.canvas;
    if (canvas.hasPointerCapture?.(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    const layer = this.layer();
    if (layer !== null) this.commit(layer.id, active.g.release());
    this.request();
  }

  /** Send an edit and keep its shapes on the overlay until its frame arrives. */
  private commit(layerId: string, out: ReturnType<Gesture["release"]>): void {
    if (out.send === null) return;
    const id = sendEdit(this.ctx, layerId, out.send);
    if (out.pending !== null) this.pending.add(id, layerId, out.pending, performance.now());
  }

  private onKernel(content: Record<string, unknown>): void {
    const done = parseDone(content);
    if (done === null || !this.pending.has(done.id)) {
      // Another view's edit, or one without shapes (select, undo): only a refusal of ours is shown.
      if (done !== null && !done.ok && done.error !== null && ownEdit(this.ctx, done.id)) this.note.show(done.error);
      return;
    }
    this.pending.done(done.id, done.ok, done.version);
    if (!done.ok && done.error !== null) this.note.show(done.error);
    this.onState();
  }

  private onState(): void {
    const layers = this.ctx.layers() as AnnotatedLayer[];
    this.pending.prune(new Set(layers.map((l) => l.id)), performance.now());
    this.pending.state(new Map(layers.map((l) => [l.id, dataVersion(l)])), this.ctx.seq());
    const layer = this.layer();
    this.overlay.el.dataset["mode"] = layer === null ? "" : layerMode(layer);
    const editing = this.editing();
    const mode = editing === null ? null : layerMode(editing);
    this.ctx.slots.canvas.style.cursor =
      mode === null
        ? "grab"
        : mode === "paint" || mode === "erase"
          ? "none"
          : mode === "select"
            ? "default"
            : "crosshair";
    this.request();
  }

  /** Redraw at the next display frame (camera moves, pointer moves and frames come often). */
  private request(): void {
    const win = this.ctx.doc.defaultView;
    if (win === null || this.frameRequest !== 0) return;
    this.frameRequest = win.requestAnimationFrame(() => {
      this.frameRequest = 0;
      this.overlay.draw(this.shapes(), this.ctx.camera(), this.ctx.canvas());
      this.overlay.el.dataset["pending"] = String(this.pending.size);
    });
  }

  private shapes(): Shape[] {
    const shapes = this.pending.list().flatMap((p) => p.shapes);
    const editing = this.editing();
    if (editing === null) return shapes;
    const mode = layerMode(editing);
    if (mode === "select" && this.gesture === null) {
      for (const p of selectedInSlice(editing, this.ctx.dims().current_step)) {
        shapes.push({ kind: "highlight", world: p.world, diameter: p.diameter });
      }
    }
    if (this.gesture !== null) shapes.push(...this.gesture.g.live());
    if ((mode === "paint" || mode === "erase") && this.cursor !== null) {
      const n = editing.scale.length;
      const perData = (Math.abs(editing.scale[n - 2] ?? 1) + Math.abs(editing.scale[n - 1] ?? 1)) / 2;
      shapes.push({ kind: "brush", world: this.cursor, radius: (brushSize(editing) / 2) * perData });
    }
    return shapes;
  }
}

/** The annotation part (see the module comment). */
export function annotatePart(ctx: ViewContext): ViewPart {
  return new Annotate(ctx);
}
