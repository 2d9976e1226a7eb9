/**
 * Rate limit for a view's keyframe requests: each honoured one swaps in a standby ffmpeg and starts
 * another, so a client in a decode-error loop must not make one per message. The first request is
 * honoured at once; those within the interval after it wait and are honoured together when it ends.
 */
import type { KeyframeTarget } from "../../protocol/index.js";

/** Keyframe requests honoured per view at most once per this long (ms). */
export const KEYFRAME_INTERVAL_MS = 250;

/** Requests honoured together: every encoder's keyframe, or those of these targets. */
export interface KeyframeRequests {
  all: boolean;
  targets: KeyframeTarget[];
}

/** More distinct targets than this waiting at once: key every encoder instead. */
const MAX_TARGETS = 8;

export class KeyframeGate {
  private last = -Infinity;
  private pending: KeyframeRequests | null = null;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  /** `honour` runs with the requests let through (never after dispose). */
  constructor(
    private readonly intervalMs: number,
    private readonly honour: (requests: KeyframeRequests) => void,
  ) {}

  /** A keyframe for `target`'s encoder, or without a target for every encoder. */
  request(target?: KeyframeTarget): void {
    if (this.disposed) return;
    const keys = (this.pending ??= { all: false, targets: [] });
    if (target === undefined || keys.targets.length >= MAX_TARGETS) keys.all = true;
    else if (!keys.all) keys.targets.push(target);
    const wait = this.last + this.intervalMs - performance.now();
    if (wait <= 0) this.flush();
    else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
    }
  }

  /** Drop waiting requests; nothing is honoured from now on. Never throws. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.pending = null;
  }

  private flush(): void {
    const keys = this.pending;
    if (keys === null || this.disposed) return;
    this.pending = null;
    this.last = performance.now();
    this.honour(keys);
  }
}
