/**
 * "Never fight the user": while a pointer is pressed on a control (a slider being dragged), state
 * from the kernel must not move it. The control asks `active` before taking a value, and gets
 * `onEnd` when the pointer is released anywhere, to catch up with the latest state.
 */
import { onRelease } from "./dom.js";

export class DragHold {
  private dragging = false;
  private stopWatching: (() => void) | null = null;
  private readonly onDown = (): void => this.begin();

  constructor(
    private readonly target: HTMLElement,
    private readonly onEnd: () => void,
  ) {
    target.addEventListener("pointerdown", this.onDown);
  }

  /** Whether the user is dragging the control now. */
  get active(): boolean {
    return this.dragging;
  }

  dispose(): void {
    this.target.removeEventListener("pointerdown", this.onDown);
    this.stopWatching?.();
    this.stopWatching = null;
    this.dragging = false;
  }

  private begin(): void {
    this.dragging = true;
    this.stopWatching?.();
    this.stopWatching = onRelease(this.target.ownerDocument, () => this.end());
  }

  private end(): void {
    this.stopWatching?.();
    this.stopWatching = null;
    if (!this.dragging) return;
    this.dragging = false;
    this.onEnd();
  }
}
