/**
 * DOM binding for mouse interaction: drag pans (2D) or orbits (3D, where shift/right/middle drag
 * pans), the wheel zooms, double-click resets the view. While the selected layer is in an editing
 * mode (gate.ts) drags and double-clicks are the layer's: only the wheel moves the camera.
 */
import type { Vec2 } from "../../protocol/camera.js";
import type { Camera, Canvas } from "../../protocol/state.js";
import { DragState, wheelZoom, wheelZoomFactor } from "./interaction.js";
import { dragsPan } from "./gate.js";
import { dragMode, wheelZoom3d } from "./interaction3d.js";
import { Debounce } from "../util/throttle.js";

/** A wheel gesture ends this long after its last event (ms). */
export const WHEEL_END_MS = 150;

export interface InputTarget {
  camera(): Camera;
  /** The current canvas (device px), or null before it was measured. */
  canvas(): Canvas | null;
  ndisplay(): number;
  /** The user moved the camera; `inputTime` is the event's time on the performance.now() clock. */
  apply(camera: Camera, inputTime: number): void;
  /** A drag or wheel gesture ended. */
  gestureEnd(): void;
  /** Double-click: fit the layers into view. */
  reset(inputTime: number): void;
}

/** Event time on the performance.now() clock (event.timeStamp when it is plausible). */
function inputTime(ev: Event): number {
  const now = performance.now();
  const t = ev.timeStamp;
  return Number.isFinite(t) && t <= now && t > now - 1000 ? t : now;
}

/** Listens on `el` (the canvas); dispose() removes every listener. */
export class InputBinding {
  private readonly drag = new DragState();
  private readonly wheelEnd: Debounce;
  private readonly off: Array<() => void> = [];

  constructor(
    private readonly el: HTMLElement,
    private readonly target: InputTarget,
  ) {
    this.wheelEnd = new Debounce(() => target.gestureEnd(), WHEEL_END_MS);
    this.listen("pointerdown", (e) => this.onDown(e as PointerEvent));
    this.listen("pointermove", (e) => this.onMove(e as PointerEvent));
    this.listen("pointerup", (e) => this.onUp(e as PointerEvent));
    this.listen("pointercancel", (e) => this.onUp(e as PointerEvent));
    this.listen("lostpointercapture", (e) => this.onUp(e as PointerEvent));
    this.listen("wheel", (e) => this.onWheel(e as WheelEvent), { passive: false });
    this.listen("dblclick", (e) => this.onDblClick(e as MouseEvent));
    // A right-drag pans in 3D: no context menu over the canvas then.
    this.listen("contextmenu", (e) => {
      if (this.target.ndisplay() === 3) e.preventDefault();
    });
    el.style.cursor = "grab";
    el.style.touchAction = "none";
  }

  dispose(): void {
    this.wheelEnd.cancel();
    for (const off of this.off.splice(0)) {
      try {
        off();
      } catch {
        // Removing a listener cannot meaningfully fail; cleanup must not throw.
      }
    }
  }

  private listen(type: string, fn: (e: Event) => void, opts?: AddEventListenerOptions): void {
    this.el.addEventListener(type, fn, opts);
    this.off.push(() => this.el.removeEventListener(type, fn, opts));
  }

  private screen(e: MouseEvent): Vec2 {
    const r = this.el.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private onDown(e: PointerEvent): void {
    const ndisplay = this.target.ndisplay();
    const mode = dragMode(ndisplay, e.button, e.shiftKey);
    if (mode === null || this.drag.active || !dragsPan(this.el)) return;
    e.preventDefault();
    try {
      this.el.setPointerCapture(e.pointerId);
    } catch {
      // Capture can fail for a pointer that is already gone; the drag still works inside the canvas.
    }
    this.drag.start(e.pointerId, this.screen(e), mode, ndisplay);
    this.el.style.cursor = "grabbing";
  }

  private onMove(e: PointerEvent): void {
    if (!this.drag.active) return;
    const cam = this.drag.move(this.target.camera(), e.pointerId, this.screen(e));
    if (cam !== null) this.target.apply(cam, inputTime(e));
  }

  private onUp(e: PointerEvent): void {
    const moved = this.drag.didMove;
    if (!this.drag.end(e.pointerId)) return;
    this.el.style.cursor = "grab";
    if (this.el.hasPointerCapture?.(e.pointerId)) this.el.releasePointerCapture(e.pointerId);
    if (moved) this.target.gestureEnd();
  }

  private onWheel(e: WheelEvent): void {
    const canvas = this.target.canvas();
    if (canvas === null) return;
    e.preventDefault();
    const rect = this.el.getBoundingClientRect();
    const factor = wheelZoomFactor(e.deltaY, e.deltaMode, rect.height, e.ctrlKey);
    if (factor === 1) return;
    const cam = this.target.camera();
    const next =
      this.target.ndisplay() === 3 ? wheelZoom3d(cam, factor) : wheelZoom(cam, canvas, this.screen(e), factor);
    this.target.apply(next, inputTime(e));
    this.wheelEnd.trigger();
  }

  private onDblClick(e: MouseEvent): void {
    if (!dragsPan(this.el)) return;
    e.preventDefault();
    this.target.reset(inputTime(e));
  }
}
