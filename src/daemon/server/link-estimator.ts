/**
 * What one view's link is doing, measured from its own frames and the client's acks (cumulative: an
 * ack covers every earlier frame): the ack round trip (frame handed to the socket -> displayed -> ack
 * back), its recent minimum, the delivery rate, bytes in flight and the browser's decode queue.
 * Times are passed in (ms, monotonic), so a simulated link with a fake clock drives it in tests.
 *
 * The delivery rate follows BBR's delivery-rate sample (Cardwell et al., "BBR", ACM Queue 2016): for
 * the newest frame an ack covers, bytes acked since that frame was sent over the longer of the send
 * and ack intervals, with the clocks restarted when nothing was in flight (idle time is not link time).
 * A frame sent while the app had no more to send (app-limited: no frame waited on the window) measures
 * the app, not the link: its sample counts only when it is higher than the estimate. The estimate is
 * the maximum of the counted samples within RATE_WINDOW_MS of the newest counted one, so an app-limited
 * stretch (small frames, pauses) keeps the last link measurement instead of forgetting it.
 */

/** The delivery rate is the highest sample within this long (ms) of the newest sample. */
export const RATE_WINDOW_MS = 1000;
/** The minimum RTT is the lowest sample within this long (ms) of the newest one. */
export const MIN_RTT_WINDOW_MS = 10_000;
/** Round trips compared for a standing queue: all of them above the minimum means one. */
export const RECENT_RTTS = 3;

interface SentFrame {
  id: number;
  bytes: number;
  sentAt: number;
  /** Bytes acked, the last ack's time and the send time of the last acked frame, when this one was sent. */
  delivered: number;
  deliveredAt: number;
  firstSentAt: number;
  appLimited: boolean;
}

interface Sample {
  t: number;
  v: number;
}

export class LinkEstimator {
  private sent: SentFrame[] = [];
  private delivered = 0;
  private deliveredAt = 0;
  private firstSentAt = 0;
  private rates: Sample[] = [];
  private rtts: Sample[] = [];
  private recent: number[] = [];
  /** The last ack's round trip (ms), NaN before the first. */
  lastRtt = NaN;
  /** The browser's decode queue at its last ack. */
  queue = 0;

  /** A frame of `bytes` went to the socket at `now`; `appLimited`: no frame had to wait for the window. */
  onSend(id: number, bytes: number, now: number, appLimited = false): void {
    if (this.sent.length === 0) {
      this.deliveredAt = now;
      this.firstSentAt = now;
    }
    const { delivered, deliveredAt, firstSentAt } = this;
    this.sent.push({ id, bytes, sentAt: now, delivered, deliveredAt, firstSentAt, appLimited });
  }

  /** The client displayed `id` (and every earlier frame). Returns false for a stale or unknown ack. */
  onAck(id: number, now: number, queue?: number): boolean {
    if (queue !== undefined) this.queue = queue;
    let last: SentFrame | undefined;
    while (this.sent.length > 0 && this.sent[0]!.id <= id) {
      last = this.sent.shift()!;
      this.delivered += last.bytes;
    }
    if (!last) return false;
    this.deliveredAt = now;
    this.firstSentAt = last.sentAt;
    const rtt = now - last.sentAt;
    this.lastRtt = rtt;
    push(this.rtts, { t: now, v: rtt }, MIN_RTT_WINDOW_MS);
    this.recent.push(rtt);
    if (this.recent.length > RECENT_RTTS) this.recent.shift();
    const interval = Math.max(last.sentAt - last.firstSentAt, now - last.deliveredAt);
    if (interval > 0) {
      const rate = ((this.delivered - last.delivered) * 1000) / interval;
      if (!last.appLimited || !(rate <= this.rate)) push(this.rates, { t: now, v: rate }, RATE_WINDOW_MS);
    }
    return true;
  }

  /** Keep only the newest rate sample: it was taken with a queue at the bottleneck, so it is the link's rate. */
  resetRate(): void {
    this.rates = this.rates.slice(-1);
  }

  /** Lowest round trip lately (ms); NaN before the first ack. */
  get minRtt(): number {
    return this.rtts.length === 0 ? NaN : Math.min(...this.rtts.map((s) => s.v));
  }

  /** Lowest of the last RECENT_RTTS round trips: above minRtt only while a queue stands somewhere. */
  get recentRtt(): number {
    return this.recent.length === 0 ? NaN : Math.min(...this.recent);
  }

  /** Delivery rate estimate, bytes/s; NaN before the first sample. */
  get rate(): number {
    return this.rates.length === 0 ? NaN : Math.max(...this.rates.map((s) => s.v));
  }

  get framesInFlight(): number {
    return this.sent.length;
  }

  get bytesInFlight(): number {
    return this.sent.reduce((n, f) => n + f.bytes, 0);
  }
}

/** Append a sample and drop those older than `windowMs` before it (the newest always stays). */
function push(samples: Sample[], s: Sample, windowMs: number): void {
  samples.push(s);
  while (samples.length > 1 && samples[0]!.t < s.t - windowMs) samples.shift();
}
