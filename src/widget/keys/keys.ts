/**
 * Keyboard shortcuts (shortcuts.ts) while the viewer has focus: the view's root becomes focusable
 * (tabindex 0; a click anywhere in it focuses it) and listens there, never on the window, so the
 * notebook's own shortcuts work everywhere else. JupyterLab handles keys when they bubble to the
 * document: a handled key stops there (and Ctrl+R does not reload the page).
 */
import { brushSize, type AnnotatedLayer } from "../annotate/modes.js";
import { sendEdit } from "../annotate/send.js";
import type { ViewContext, ViewPart } from "../parts/part.js";
import type { DimsTrait } from "../state/traits.js";
import { CanvasNote } from "../util/canvas-note.js";
import { resetView, toggleNdisplay, toggleSelectedLayer } from "../toolbar/actions.js";
import { currentAxis, focusAxis, movedAxis, stepDims } from "./dims-keys.js";
import { layerKeyAction, type LayerKeyAction } from "./layer-keys.js";
import { shortcutAction, type ShortcutAction } from "./shortcuts.js";

/** How long the "arrows step <axis>" note stays after Alt+Up/Down (ms). */
const NOTE_MS = 1500;

/** Targets that keep their plain keys: text fields, sliders, lists, editable content. */
function isField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (el === null || typeof el.tagName !== "string") return false;
  return el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable;
}

class Keys implements ViewPart {
  private readonly root: HTMLElement;
  private readonly hadTabIndex: boolean;
  /** napari's `last_used`: the axis the arrows step. */
  private axis: number | null = null;
  private lastDims: DimsTrait;
  private readonly note: CanvasNote;
  private readonly off: Array<() => void> = [];

  constructor(private readonly ctx: ViewContext) {
    this.root = ctx.slots.root;
    this.hadTabIndex = this.root.hasAttribute("tabindex");
    if (!this.hadTabIndex) this.root.tabIndex = 0;
    this.lastDims = ctx.dims();
    this.note = new CanvasNote(ctx.doc, {
      className: "napari-cuda-key-note",
      edge: "bottom",
      background: "rgba(0, 0, 0, 0.6)",
      color: "#f0f0f0",
      ms: NOTE_MS,
    });
    ctx.slots.overlay.append(this.note.el);
    const onKey = (e: KeyboardEvent) => this.onKey(e);
    // Capture: the canvas cancels pointerdown (drags), which would otherwise keep the focus elsewhere.
    const onDown = () => {
      const active = ctx.doc.activeElement;
      if (active === null || !this.root.contains(active)) this.root.focus({ preventScroll: true });
    };
    this.root.addEventListener("keydown", onKey);
    this.root.addEventListener("pointerdown", onDown, true);
    this.off.push(
      () => this.root.removeEventListener("keydown", onKey),
      () => this.root.removeEventListener("pointerdown", onDown, true),
      ctx.on("state", () => {
        const dims = ctx.dims();
        const moved = movedAxis(this.lastDims, dims);
        if (moved !== null) this.axis = moved;
        this.lastDims = dims;
      }),
    );
  }

  dispose(): void {
    for (const off of this.off.splice(0)) {
      try {
        off();
      } catch {
        // dispose() never throws.
      }
    }
    this.note.dispose();
    if (!this.hadTabIndex) this.root.removeAttribute("tabindex");
  }

  private onKey(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.isComposing) return;
    const inField = isField(e.target);
    const layer = this.selectedLayer();
    const layerAction = layer === null ? null : layerKeyAction(e, inField, layer.kind);
    if (layer !== null && layerAction !== null) this.runLayer(layer, layerAction);
    else {
      const action = shortcutAction(e, inField);
      if (action === null || !this.run(action)) return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  private selectedLayer(): AnnotatedLayer | null {
    const id = this.ctx.selectedLayer();
    return this.ctx.layers().find((l) => l.id === id) ?? null;
  }

  /** A key of the selected layer (layer-keys.ts): its mode, brush, label, or an edit for the kernel. */
  private runLayer(layer: AnnotatedLayer, action: LayerKeyAction): void {
    const ctx = this.ctx;
    switch (action.kind) {
      case "mode":
        ctx.setLayer(layer.id, { mode: action.mode } as Partial<AnnotatedLayer>);
        this.note.show(`${layer.name}: ${action.mode.replace("_", "/")} mode`);
        return;
      case "brush": {
        const size = Math.min(1000, Math.max(1, Math.round(brushSize(layer)) + action.by));
        ctx.setLayer(layer.id, { brush_size: size } as Partial<AnnotatedLayer>);
        this.note.show(`brush size ${size}`);
        return;
      }
      case "label":
        ctx.setLayer(layer.id, { selected_label: Math.max(0, layer.selected_label + action.by) });
        return;
      case "delete":
        sendEdit(ctx, layer.id, { op: "delete_selected" });
        return;
      case "undo":
      case "redo":
        sendEdit(ctx, layer.id, { op: action.kind });
        return;
    }
  }

  /** Do `action`; false when it does not apply here (the key then goes on to the notebook). */
  private run(action: ShortcutAction): boolean {
    const ctx = this.ctx;
    switch (action) {
      case "step-left":
      case "step-right": {
        const dims = ctx.dims();
        const axis = currentAxis(dims, this.axis);
        if (axis === null) return false;
        const next = stepDims(dims, axis, action === "step-left" ? -1 : 1);
        if (next !== null) ctx.setDims(next);
        return true; // at either end: still the viewer's key, nothing to do
      }
      case "axis-up":
      case "axis-down": {
        const dims = ctx.dims();
        const axis = focusAxis(dims, this.axis, action === "axis-up" ? 1 : -1);
        if (axis === null) return false;
        this.axis = axis;
        const label = dims.axis_labels[axis] || String(axis);
        this.note.show(`← → step axis ${label}`);
        return true;
      }
      case "reset-view":
        resetView(ctx);
        return true;
      case "toggle-ndisplay":
        toggleNdisplay(ctx);
        return true;
      case "toggle-visibility":
        return toggleSelectedLayer(ctx);
    }
  }
}

/** The shortcuts part (see the module comment). */
export function keysPart(ctx: ViewContext): ViewPart {
  return new Keys(ctx);
}
