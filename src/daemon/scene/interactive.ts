/**
 * Interactive quality: while the view moves and a full-resolution frame costs too much (render +
 * encode + the browser's decode and draw, as measured), frames are rendered and encoded at half
 * resolution (a quarter of the pixels) and the browser scales them up; once the view rests, the
 * same state is drawn again at full resolution. Screenshots never use this (they render exactly).
 *
 * Why: on a CPU-bound node every stage scales with pixels. Measured with `make bench` on the
 * 2-core machine at 1280x720: a full frame costs ~4 + 13 + 13 ms and m2p p50 was ~59 ms; moving
 * frames at 640x360 cost ~2 + 5 + 7 ms. On a GPU node the daemon's part of a 1080p frame is
 * ~1-6 ms, so the browser's decode decides (hardware decoders keep it full resolution).
 */
import type { Canvas } from "../../protocol/index.js";

/** Average full-resolution frame cost (ms) above which moving frames are drawn at half resolution. */
export const DEFAULT_INTERACTIVE_MS = 20;
/** Half resolution ends when the estimated full-resolution cost falls below this share of the budget. */
export const EXIT_SHARE = 0.75;
/** The view counts as resting when no new state came for this long (ms); then it is refined. */
export const REFINE_AFTER_MS = 200;
/**
 * A view resting this long gets a still: the full-resolution frame again from a 4:4:4 low-CRF encoder
 * (when the client decodes one), since 4:2:0 alone caps a noisy colormapped image near 31 dB. Later
 * than the refine: a still is large (~0.6 MB at 1280x720 for tests/bench's image), so a short pause in
 * a drag should not send one.
 */
export const STILL_AFTER_MS = 600;
/** Weight of a new cost sample in the running average. */
const ALPHA = 0.3;
const ENV = "NAPARI_CUDA_INTERACTIVE_MS";

/** NAPARI_CUDA_INTERACTIVE_MS: a non-negative number of ms (0 = always while moving), or "off". */
export function interactiveMsFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const text = env[ENV]?.trim().toLowerCase();
  if (!text) return DEFAULT_INTERACTIVE_MS;
  if (text === "off") return null;
  if (!/^\d+(\.\d+)?$/.test(text)) throw new Error(`${ENV} must be a number of ms or off, got ${text}`);
  return Number(text);
}

/** One displayed frame's measured cost, as the render pump reports it on the client's ack. */
export interface FrameCost {
  /** dims.ndisplay of the frame's state: 2D and 3D costs are tracked apart. */
  ndisplay: number;
  /** Pixels encoded, and pixels of the full-resolution canvas. */
  pixels: number;
  fullPixels: number;
  /** render + encode + client decode-and-draw, ms. */
  ms: number;
  /** Keyframes cost more than delta frames: they only serve to leave half resolution. */
  keyframe: boolean;
}

/** Decides per frame whether to draw at half resolution, from measured costs per dimensionality. */
export class InteractiveQuality {
  private changedAt = -Infinity;
  private changedBefore = -Infinity;
  private readonly average = new Map<number, number>();
  private readonly halved = new Set<number>();

  /** `budgetMs`: null disables it; 0 halves every moving frame. */
  constructor(private readonly budgetMs: number | null) {}

  /** A new state arrived from the view (camera, dims or layers changed). */
  changed(now = performance.now()): void {
    this.changedBefore = this.changedAt;
    this.changedAt = now;
  }

  /**
   * Scale for the frame drawn now: 2 (half resolution) or 1. Every frame within REFINE_AFTER_MS of a
   * change from the view is drawn at the moving scale, the first one after rest too (a wheel notch,
   * the first move after a pause): it answers that input sooner, and the refine at rest follows.
   * Measured with wheel notches 300 ms apart at 1280x720 on the bench's 80 ms, 10 Mbit/s link: at
   * full size (1472x912 with the margins, ~28 kB) true m2p p50 was 136-149 ms, at half size 113-114
   * ms (docs/latency.md). When every size switch was a keyframe, half size had measured slower (79 vs
   * 60 ms through the proxy); switches now continue each encoder's stream. The view's first frame
   * (its hello) stays full. A redraw in between (chunks arrived) keeps the moving size, so a pyramid
   * pan does not flip sizes.
   */
  scale(ndisplay: number, now = performance.now()): 1 | 2 {
    return this.answering(now) ? this.movingScale(ndisplay) : 1;
  }

  /** The view changed less than REFINE_AFTER_MS ago (after its first state): frames answer input. */
  answering(now = performance.now()): boolean {
    return now - this.changedAt < REFINE_AFTER_MS && Number.isFinite(this.changedBefore);
  }

  /** Scale of a moving frame drawn now (whether or not the view moves): what the next drag starts with. */
  movingScale(ndisplay: number): 1 | 2 {
    if (this.budgetMs === null) return 1;
    return this.budgetMs === 0 || this.halved.has(ndisplay) ? 2 : 1;
  }

  /** The view moves: its state changed twice within REFINE_AFTER_MS, the last time less than that ago. */
  moving(now = performance.now()): boolean {
    return now - this.changedAt < REFINE_AFTER_MS && this.changedAt - this.changedBefore < REFINE_AFTER_MS;
  }

  /** ms since the last state change (Infinity before the first). */
  restingFor(now = performance.now()): number {
    return now - this.changedAt;
  }

  /**
   * A frame's cost updates the decision. A delta frame's cost, scaled to full resolution (costs grow
   * with pixels), feeds the running average that enters and leaves half resolution. Scaling also
   * multiplies fixed per-frame costs, so half frames alone may never show the way back: a
   * full-resolution keyframe (the redraw at rest) cheap enough proves delta frames would be too.
   */
  observe(c: FrameCost): void {
    const budget = this.budgetMs;
    if (budget === null || c.pixels <= 0 || !Number.isFinite(c.ms)) return;
    if (c.keyframe) {
      if (c.pixels >= c.fullPixels && this.halved.has(c.ndisplay) && c.ms < budget * EXIT_SHARE) {
        this.halved.delete(c.ndisplay);
        this.average.set(c.ndisplay, c.ms);
      }
      return;
    }
    const full = (c.ms * c.fullPixels) / c.pixels;
    const prev = this.average.get(c.ndisplay);
    const avg = prev === undefined ? full : prev + ALPHA * (full - prev);
    this.average.set(c.ndisplay, avg);
    if (avg > budget) this.halved.add(c.ndisplay);
    else if (avg < budget * EXIT_SHARE) this.halved.delete(c.ndisplay);
  }

  /** The running full-resolution cost estimate (ms) for 2D or 3D, if measured. */
  estimate(ndisplay: number): number | undefined {
    return this.average.get(ndisplay);
  }
}

/**
 * The canvas a half-resolution frame is rendered on: the same view with half the device pixels per
 * unit, rounded to even sizes (4:2:0 encoding needs them; an odd half loses under one pixel at the edges).
 */
export function halfCanvas(c: Canvas): Canvas {
  return scaledCanvas(c, 2);
}

/** Frame scale: 1 full resolution, 2 half, 4 quarter (a slow link, server/link-control.ts). */
export type FrameScale = 1 | 2 | 4;

/** The canvas of a frame at `scale`: 1/scale of the device pixels per unit, rounded to even sizes. */
export function scaledCanvas(c: Canvas, scale: FrameScale): Canvas {
  if (scale === 1) return c;
  return {
    width: Math.max(2, Math.round(c.width / (2 * scale)) * 2),
    height: Math.max(2, Math.round(c.height / (2 * scale)) * 2),
    pixel_ratio: c.pixel_ratio / scale,
  };
}
