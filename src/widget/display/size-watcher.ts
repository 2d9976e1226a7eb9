/**
 * Follows the canvas's CSS box and the devicePixelRatio: ResizeObserver, lumino resize/show
 * messages (via schedule()) and resolution media queries, debounced.
 */
import { Debounce } from "../util/throttle.js";

export const RESIZE_DEBOUNCE_MS = 100;

/** Calls `onChange` (debounced) whenever the observed element's size or the pixel ratio may have changed. */
export class SizeWatcher {
  private readonly debounce: Debounce;
  private readonly observer: ResizeObserver | null;
  private dprQuery: MediaQueryList | null = null;
  private readonly onDpr = () => {
    this.watchDpr();
    this.schedule();
  };
  private disposed = false;

  constructor(
    private readonly el: Element,
    onChange: () => void,
  ) {
    this.debounce = new Debounce(onChange, RESIZE_DEBOUNCE_MS);
    this.observer = typeof ResizeObserver === "function" ? new ResizeObserver(() => this.schedule()) : null;
    this.observer?.observe(el);
    this.watchDpr();
  }

  /** Something may have changed the size: re-measure after the debounce. */
  schedule(): void {
    if (!this.disposed) this.debounce.trigger();
  }

  dispose(): void {
    this.disposed = true;
    this.debounce.cancel();
    try {
      this.observer?.disconnect();
      this.dprQuery?.removeEventListener("change", this.onDpr);
    } catch {
      // Cleanup never throws.
    }
    this.dprQuery = null;
  }

  private watchDpr(): void {
    this.dprQuery?.removeEventListener("change", this.onDpr);
    this.dprQuery = null;
    const win = this.el.ownerDocument.defaultView;
    if (this.disposed || win === null || typeof win.matchMedia !== "function") return;
    this.dprQuery = win.matchMedia(`(resolution: ${win.devicePixelRatio}dppx)`);
    this.dprQuery.addEventListener("change", this.onDpr);
  }
}
