/**
 * Throttled picks for the status bar: at most one pick in flight, the newest cursor position
 * wins, at most one sent per PICK_MIN_INTERVAL_MS (so a still round trip of a few ms gives ~30
 * picks/s, within the daemon's 120/s). A `loading` or `busy` answer, or none at all (no stream,
 * dropped connection), is asked again after a pause while nothing newer is wanted.
 */
import type { StreamValue } from "../../protocol/stream.js";
import { realTimers, type Timers } from "../util/timers.js";

export const PICK_MIN_INTERVAL_MS = 33;
/** Pause before asking again after `loading` / `busy`. */
export const PICK_RETRY_MS = 100;
/** Pause before asking again when there was no answer (not connected). */
export const PICK_NO_STREAM_RETRY_MS = 500;
/** Round-trip samples kept (for the p50 the status bar exposes). */
const RTT_SAMPLES = 256;

export interface PickQuery {
  position: number[];
  layerId: string;
}

export interface PickSchedulerDeps {
  /** Send a pick; null when there is no stream to send it on. */
  send(q: PickQuery): Promise<StreamValue | null> | null;
  /** An answer arrived while a query is wanted (`q` is the query it answers). */
  result(q: PickQuery, reply: StreamValue, rttMs: number): void;
  /** A pick got no answer (no stream, or it dropped): earlier answers may no longer hold. */
  none?(): void;
  /** Least time between two sends (ms); PICK_MIN_INTERVAL_MS unless given (the kernel's hover: slower). */
  minIntervalMs?: number;
}

export class PickScheduler {
  private wanted: PickQuery | null = null;
  /** A wanted query not sent yet. */
  private dirty = false;
  private inflight = false;
  private timer: unknown = null;
  private lastSentAt = -Infinity;
  private readonly rtts: number[] = [];
  private disposed = false;
  /** Picks answered so far (the last RTT_SAMPLES round trips are kept for p50). */
  answered = 0;

  constructor(
    private readonly deps: PickSchedulerDeps,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Want the value for `q` (it replaces any earlier wish); null: want nothing (the cursor left). */
  request(q: PickQuery | null): void {
    if (this.disposed) return;
    this.wanted = q;
    this.dirty = q !== null;
    // A pending retry is for an older wish: the new one goes as soon as the interval allows.
    this.clearTimer();
    this.pump();
  }

  /** Median round trip of the answered picks (ms), null before the first. */
  get p50(): number | null {
    if (this.rtts.length === 0) return null;
    const s = [...this.rtts].sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 2)]!;
  }

  dispose(): void {
    this.disposed = true;
    this.wanted = null;
    this.clearTimer();
  }

  private pump(): void {
    if (this.disposed || this.inflight || this.timer !== null || !this.dirty || this.wanted === null) return;
    const wait = this.lastSentAt + (this.deps.minIntervalMs ?? PICK_MIN_INTERVAL_MS) - this.timers.now();
    if (wait > 0) this.retryIn(wait);
    else this.sendNow(this.wanted);
  }

  private sendNow(q: PickQuery): void {
    this.dirty = false;
    const sentAt = this.timers.now();
    this.lastSentAt = sentAt;
    const pending = this.deps.send(q);
    if (pending === null) {
      this.deps.none?.();
      this.again(PICK_NO_STREAM_RETRY_MS);
      return;
    }
    this.inflight = true;
    pending.then(
      (reply) => this.onReply(q, reply, this.timers.now() - sentAt),
      () => this.onReply(q, null, 0),
    );
  }

  private onReply(q: PickQuery, reply: StreamValue | null, rttMs: number): void {
    this.inflight = false;
    if (this.disposed) return;
    if (reply === null) {
      if (this.wanted !== null) this.deps.none?.();
      this.again(PICK_NO_STREAM_RETRY_MS);
      return;
    }
    this.answered++;
    this.rtts.push(rttMs);
    if (this.rtts.length > RTT_SAMPLES) this.rtts.shift();
    if (this.wanted !== null) this.deps.result(q, reply, rttMs);
    if (reply.status === "loading" || reply.status === "busy") this.again(PICK_RETRY_MS);
    else this.pump();
  }

  /** Ask for the wanted query again after `ms`, unless something newer is wanted by then. */
  private again(ms: number): void {
    if (this.wanted === null) return;
    if (!this.dirty) {
      this.dirty = true;
      this.retryIn(ms);
    } else this.pump();
  }

  private retryIn(ms: number): void {
    this.clearTimer();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.pump();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
