/**
 * The render pump's book of sent frames: what each cost (for interactive quality, completed by the
 * client's decode time on its ack), what the link made of them (link-control.ts), and the stats.
 *
 * A frame's cost includes its time on the link, bytes / the delivery rate: on the bench's 10 Mbit/s
 * link a full 1280x720 frame (28 kB with its margins) takes ~22 ms to cross, more than its render and
 * encode, and halving it answers a wheel notch sooner (docs/latency.md); on loopback it adds ~2 ms.
 * The delivery rate is measured from acks, so it is a lower bound of the link's (its intervals hold
 * the browser's decode too): the cost errs toward halving.
 */
import type { EncodedFrame } from "../encode/types.js";
import type { FrameCost } from "../scene/interactive.js";
import { LinkControl, type LinkStats } from "./link-control.js";
import type { PumpDeps, PumpFrame, PumpStats } from "./pump-types.js";

/** How often the link estimates are logged (debug level) while acks come. */
const LINK_LOG_MS = 1000;

/** One frame handed to the socket. */
export interface SentFrame {
  frameId: number;
  rendered: PumpFrame;
  ndisplay: number;
  /** Coded size (the encoder's). */
  width: number;
  height: number;
  out: EncodedFrame;
  /** The whole message: header + access unit. */
  bytes: number;
}

export class FrameLedger {
  readonly link: LinkControl;
  /** Sent frames' costs so far (and their bytes), until their ack brings the client's decode time. */
  private readonly costs = new Map<number, { cost: FrameCost; bytes: number }>();
  private loggedAt = -Infinity;
  readonly stats: PumpStats = {
    framesSent: 0,
    keyframesSent: 0,
    stillsSent: 0,
    bytesSent: 0,
    lastRenderMs: 0,
    lastEncodeMs: 0,
    lastScale: 1,
    rttMs: NaN,
    minRttMs: NaN,
    rateBytesPerSec: NaN,
    windowFrames: 0,
    linkScale: 1,
  };

  constructor(
    private readonly deps: Pick<PumpDeps, "observeCost" | "observeLink" | "log">,
    maxFrames: number,
    startFrames: number,
  ) {
    this.link = new LinkControl(maxFrames, startFrames);
    this.stats.windowFrames = this.link.windowFrames();
  }

  sent(f: SentFrame, now: number): void {
    const { rendered, out } = f;
    const { frame } = rendered;
    const scale = rendered.scale ?? 1;
    const still = rendered.still === true;
    const moving = rendered.moving === true;
    this.link.onSend(f.frameId, { bytes: f.bytes, scale, keyframe: out.keyframe, moving, still }, now);
    const pixels = f.width * f.height;
    // A still's cost (4:4:4, low CRF) says nothing about what moving frames cost.
    if (!still) {
      const cost: FrameCost = {
        ndisplay: f.ndisplay,
        pixels,
        fullPixels: rendered.fullPixels ?? pixels,
        ms: frame.renderMs + (frame.gpu?.captureMs ?? 0) + out.encodeMs,
        keyframe: out.keyframe,
      };
      this.costs.set(f.frameId, { cost, bytes: f.bytes });
    }
    const s = this.stats;
    s.framesSent++;
    if (out.keyframe) s.keyframesSent++;
    if (still) s.stillsSent++;
    s.bytesSent += f.bytes;
    s.lastScale = scale;
    s.lastRenderMs = frame.renderMs;
    s.lastEncodeMs = out.encodeMs;
  }

  /** The client displayed `frameId` and every earlier frame. True when frames in flight went down. */
  ack(frameId: number, now: number, decodeMs?: number, queue?: number): boolean {
    const sent = this.costs.get(frameId);
    if (sent && decodeMs !== undefined) {
      const rate = this.link.est.rate;
      const onLink = rate > 0 && Number.isFinite(rate) ? (sent.bytes * 1000) / rate : 0;
      this.deps.observeCost?.({ ...sent.cost, ms: sent.cost.ms + decodeMs + onLink });
    }
    for (const id of this.costs.keys()) if (id <= frameId) this.costs.delete(id);
    if (this.link.est.framesInFlight === 0) return false;
    this.link.onAck(frameId, now, queue);
    const l: LinkStats = this.link.stats();
    Object.assign(this.stats, {
      rttMs: l.rttMs,
      minRttMs: l.minRttMs,
      rateBytesPerSec: l.rateBytesPerSec,
      windowFrames: l.windowFrames,
      linkScale: l.scale,
    });
    this.deps.observeLink?.(l);
    if (now - this.loggedAt >= LINK_LOG_MS) {
      this.loggedAt = now;
      this.deps.log.debug({ link: l }, "link");
    }
    return true;
  }
}
