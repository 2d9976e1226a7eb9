/**
 * Which camera each sent seq carried, so a frame (whose header names the seq it was rendered
 * for) can be warped from the view it shows to the view the user has now (warp.ts).
 */
import type { Camera } from "../../protocol/state.js";

/** What a frame was rendered with, as far as prediction cares: the camera and 2D/3D. */
export interface PredictView {
  camera: Camera;
  ndisplay: 2 | 3;
}

/**
 * Bounded log of (seq, view), seqs increasing. A ring buffer: once full, recording drops the
 * oldest entry, so the log stays small however long the session runs.
 */
export class CameraLog {
  private readonly seqs: number[] = [];
  private readonly views: PredictView[] = [];
  /** Ring index of the oldest entry. */
  private head = 0;
  private size = 0;

  constructor(private readonly capacity = 512) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be an integer >= 1, got ${capacity}`);
  }

  /**
   * Record that `seq` was sent with `view`. Re-recording the newest seq replaces it; a seq below
   * the newest means the seq counter restarted (a reconnect), so the old entries are dropped.
   */
  record(seq: number, view: PredictView): void {
    if (this.size > 0) {
      const last = this.ring(this.size - 1);
      if (seq === this.seqs[last]) {
        this.views[last] = view;
        return;
      }
      if (seq < this.seqs[last]!) this.clear();
    }
    if (this.size < this.capacity) {
      const i = this.ring(this.size);
      this.seqs[i] = seq;
      this.views[i] = view;
      this.size++;
    } else {
      // Full: overwrite the oldest and advance the head.
      this.seqs[this.head] = seq;
      this.views[this.head] = view;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /**
   * The view recorded with the largest seq <= `seq`: what a frame whose header says `seq` was
   * rendered with (later inputs had not reached the daemon). Undefined when `seq` is older than
   * every entry kept (never recorded, or evicted).
   */
  at(seq: number): PredictView | undefined {
    // Binary search over the logical (oldest-first) order.
    let lo = 0;
    let hi = this.size - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[this.ring(mid)]! <= seq) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? undefined : this.views[this.ring(found)];
  }

  /** Number of entries kept. */
  get length(): number {
    return this.size;
  }

  /** Forget everything (new session, ndisplay or layer change that invalidates old frames). */
  clear(): void {
    this.seqs.length = 0;
    this.views.length = 0;
    this.head = 0;
    this.size = 0;
  }

  /** Ring index of the `i`-th oldest entry. */
  private ring(i: number): number {
    return (this.head + i) % this.capacity;
  }
}
