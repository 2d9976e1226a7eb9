/**
 * State message sending with coalescing: sent at once while the socket keeps up; when a lot is
 * buffered, held until the next scheduled tick (animation frame), the latest state winning.
 */

/** Bytes buffered on the socket above which state messages are coalesced. */
export const COALESCE_BUFFERED_BYTES = 32 * 1024;
/**
 * Minimum time between two state messages (ms). Mice can report at 1000 Hz; the daemon rate-limits
 * a view at 500 messages/s, and nothing is displayed faster than the screen refreshes anyway.
 */
export const MIN_STATE_INTERVAL_MS = 4;

export interface SenderIo {
  send(text: string): void;
  bufferedAmount(): number;
  /** Run `cb` on the next tick (requestAnimationFrame in the browser); returns a cancel function. */
  schedule(cb: () => void): () => void;
  /** Clock in ms (performance.now() in the browser). */
  now?(): number;
}

/** Latest-wins sender for seq-bearing messages; `ordered()` keeps seq order for other messages. */
export class StateSender {
  private pending: string | null = null;
  private cancelTick: (() => void) | null = null;
  private lastSentAt = -Infinity;
  /** Messages that were replaced by a newer one before they could be sent. */
  coalesced = 0;

  constructor(
    private readonly io: SenderIo,
    private readonly threshold = COALESCE_BUFFERED_BYTES,
  ) {}

  /** Send a state message now, or hold it (replacing any held one) while the socket is backed up. */
  submit(message: object): void {
    const text = JSON.stringify(message);
    if (this.pending !== null) {
      this.pending = text;
      this.coalesced++;
      return;
    }
    if (this.io.bufferedAmount() <= this.threshold && !this.tooSoon()) {
      this.sendNow(text);
      return;
    }
    this.pending = text;
    this.tick();
  }

  /** Send a message that must follow any held state (e.g. resize, which also carries a seq). */
  ordered(message: object): void {
    this.flushNow();
    this.io.send(JSON.stringify(message));
  }

  /** True while a state message is held back. */
  get holding(): boolean {
    return this.pending !== null;
  }

  /** Drop whatever is held (the socket closed; the next hello carries the latest state). */
  cancel(): void {
    this.pending = null;
    this.cancelTick?.();
    this.cancelTick = null;
  }

  private tick(): void {
    this.cancelTick = this.io.schedule(() => {
      this.cancelTick = null;
      if (this.pending === null) return;
      if (this.io.bufferedAmount() > this.threshold || this.tooSoon()) this.tick();
      else this.flushNow();
    });
  }

  private flushNow(): void {
    const text = this.pending;
    this.cancel();
    if (text !== null) this.sendNow(text);
  }

  private sendNow(text: string): void {
    this.lastSentAt = this.io.now?.() ?? -Infinity;
    this.io.send(text);
  }

  private tooSoon(): boolean {
    const now = this.io.now?.();
    return now !== undefined && now - this.lastSentAt < MIN_STATE_INTERVAL_MS;
  }
}
