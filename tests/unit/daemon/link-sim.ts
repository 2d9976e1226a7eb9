/**
 * A deterministic simulated link for LinkControl (fake clock, discrete events): a user dragging
 * (a new state every 16.7 ms), a pump that renders 5 ms then encodes 8 ms (the next render overlaps
 * the encode, as in render-pump.ts), a bottleneck (rate cap + FIFO queue) with a one-way propagation
 * delay each way, and a browser that decodes in order (5 ms each), displays on a 60 Hz clock and acks
 * cumulatively with its decode queue. Frame bytes depend on the scale LinkControl asks for; a frame
 * after a scale change is a keyframe (3x the bytes).
 */
import { LinkControl } from "../../../src/daemon/server/link-control.js";
import type { FrameScale } from "../../../src/daemon/scene/interactive.js";

export interface LinkPhase {
  /** Phase starts at this time (ms). */
  at: number;
  /** Bottleneck rate, bytes per ms (1250 = 10 Mbit/s). */
  bytesPerMs: number;
}

export interface SimOptions {
  phases: LinkPhase[];
  /** One-way propagation delay (ms); the round trip is twice this. */
  oneWayMs: number;
  /** Delta frame bytes at each scale. */
  bytes: Record<FrameScale, number>;
  endMs: number;
  maxFrames?: number;
}

/** One frame's life, for the assertions. */
export interface SimFrame {
  id: number;
  scale: FrameScale;
  bytes: number;
  /** State (input) time the frame shows, send time, bottleneck entry -> exit, display time. */
  inputAt: number;
  sentAt: number;
  queuedMs: number;
  displayedAt: number;
}

/** A sample of the controller taken at each ack. */
export interface SimSample {
  t: number;
  rtt: number;
  minRtt: number;
  rate: number;
  windowFrames: number;
  inFlightBytes: number;
  scale: FrameScale;
}

const INPUT_MS = 1000 / 60;
const RENDER_MS = 5;
const ENCODE_MS = 8;
const DECODE_MS = 5;
const VSYNC_MS = 1000 / 60;

export function simulate(o: SimOptions): { frames: SimFrame[]; samples: SimSample[] } {
  const ctl = new LinkControl(o.maxFrames ?? 6, 2);
  const events: Array<{ t: number; n: number; run: () => void }> = [];
  let now = 0;
  let order = 0;
  const at = (t: number, run: () => void): void => {
    events.push({ t, n: order++, run });
  };
  const frames: SimFrame[] = [];
  const samples: SimSample[] = [];
  let dirtyAt: number | null = null; // input time of the newest state not yet rendered
  let rendering = false;
  let encoding = 0;
  let nextId = 1;
  let lastScale: FrameScale = 1;
  let linkFree = 0;
  let decoderFree = 0;
  const arrived: number[] = []; // arrival times of frames not yet decoded
  const rateAt = (t: number): number => [...o.phases].reverse().find((p) => p.at <= t)!.bytesPerMs;

  const kick = (): void => {
    if (rendering || dirtyAt === null || !ctl.allows(encoding, now)) return;
    const inputAt = dirtyAt;
    dirtyAt = null;
    rendering = true;
    const scale = ctl.scale;
    at(now + RENDER_MS, () => {
      rendering = false;
      encoding++;
      at(now + ENCODE_MS, () => send(inputAt, scale));
      kick();
    });
  };

  const send = (inputAt: number, scale: FrameScale): void => {
    encoding--;
    const keyframe = scale !== lastScale;
    lastScale = scale;
    const id = nextId++;
    // Small deterministic variation: frames are not all alike.
    const bytes = Math.round(o.bytes[scale] * (keyframe ? 3 : 1) * (0.9 + (0.2 * ((id * 7) % 10)) / 10));
    ctl.onSend(id, { bytes, scale, keyframe, moving: true, still: false }, now);
    const start = Math.max(now, linkFree);
    linkFree = start + bytes / rateAt(start);
    const f: SimFrame = { id, scale, bytes, inputAt, sentAt: now, queuedMs: start - now, displayedAt: NaN };
    frames.push(f);
    const arrival = linkFree + o.oneWayMs;
    at(arrival, () => {
      arrived.push(arrival);
      const done = Math.max(arrival, decoderFree) + DECODE_MS;
      decoderFree = done;
      const shown = Math.ceil(done / VSYNC_MS) * VSYNC_MS;
      at(shown, () => {
        f.displayedAt = now;
        arrived.shift();
        const queue = arrived.length;
        at(now + o.oneWayMs, () => {
          ctl.onAck(id, now, queue);
          const s = ctl.stats();
          samples.push({
            t: now,
            rtt: s.rttMs,
            minRtt: s.minRttMs,
            rate: s.rateBytesPerSec,
            windowFrames: s.windowFrames,
            inFlightBytes: s.inFlightBytes,
            scale: s.scale,
          });
          kick();
        });
      });
    });
    kick();
  };

  const input = (): void => {
    dirtyAt = now;
    at(now + INPUT_MS, input);
    kick();
  };
  at(0, input);
  while (events.length > 0) {
    events.sort((a, b) => a.t - b.t || a.n - b.n);
    const e = events.shift()!;
    if (e.t > o.endMs) break;
    now = e.t;
    e.run();
  }
  return { frames, samples };
}
