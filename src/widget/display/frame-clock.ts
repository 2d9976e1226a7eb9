/**
 * The display's frame clock: work that draws on the canvas runs in one requestAnimationFrame
 * callback, tasks in priority order (the presenter's new frame before the prediction's redraw, so
 * a frame and an input of the same display frame cost one draw). A fallback timer runs the tasks
 * when animation frames do not come (a hidden tab), so acks keep flowing.
 */

/** Runs `cb` at the next tick; returns a function that cancels it. */
export type Scheduler = (cb: () => void) => () => void;

/** Fallback delay when no animation frame comes (ms). */
export const FALLBACK_MS = 250;

function animationFrame(cb: () => void): () => void {
  if (typeof requestAnimationFrame !== "function") return timeout(cb, 16);
  const h = requestAnimationFrame(() => cb());
  return () => cancelAnimationFrame(h);
}

function timeout(cb: () => void, ms: number): () => void {
  const t = setTimeout(cb, ms);
  return () => clearTimeout(t);
}

/** A task on the clock: request() runs it once at the next tick. */
export interface ClockTask {
  request(): void;
  /** Stop running it (a disposed presenter); never throws. */
  remove(): void;
}

interface Entry {
  priority: number;
  run: () => void;
  wanted: boolean;
}

export class FrameClock {
  private readonly entries: Entry[] = [];
  private cancels: Array<() => void> = [];
  private disposed = false;

  /**
   * `frame` schedules the display tick (requestAnimationFrame); `fallback` a timer that fires
   * instead when no animation frame comes within FALLBACK_MS. Tests pass manual schedulers.
   */
  constructor(
    private readonly frame: Scheduler = animationFrame,
    private readonly fallback: Scheduler = (cb) => timeout(cb, FALLBACK_MS),
  ) {}

  /** Add a task; lower `priority` runs first within one tick. */
  task(priority: number, run: () => void): ClockTask {
    const entry: Entry = { priority, run, wanted: false };
    this.entries.push(entry);
    this.entries.sort((a, b) => a.priority - b.priority);
    return {
      request: () => {
        entry.wanted = true;
        this.schedule();
      },
      remove: () => {
        entry.wanted = false;
        const i = this.entries.indexOf(entry);
        if (i >= 0) this.entries.splice(i, 1);
      },
    };
  }

  /** Cancel the pending tick; safe to call twice. */
  dispose(): void {
    this.disposed = true;
    this.cancel();
  }

  private schedule(): void {
    if (this.disposed || this.cancels.length > 0) return;
    this.cancels = [this.frame(() => this.tick()), this.fallback(() => this.tick())];
  }

  private cancel(): void {
    const cancels = this.cancels;
    this.cancels = [];
    for (const c of cancels) c();
  }

  private tick(): void {
    this.cancel();
    if (this.disposed) return;
    for (const e of [...this.entries]) {
      if (!e.wanted) continue;
      e.wanted = false;
      try {
        e.run();
      } catch (err) {
        console.warn("napari-cuda: a display task failed", err);
      }
    }
  }
}
