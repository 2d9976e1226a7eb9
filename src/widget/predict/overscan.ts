/**
 * How much overscan the view asks the daemon for while it predicts: enough margin (device px of
 * the full-resolution canvas, per side) that a pan predicted over one motion-to-photon latency
 * still shows real pixels at the edges, within a pixel budget, changing rarely: the daemon keeps
 * one encoder per frame size, and a new size costs an encoder start and a keyframe. Measured with
 * `make bench` (1280x720, loopback): margins that followed the pan speed in 32 px steps changed the
 * frame size ~2 times a second and cut the daemon's frames to 2 fps; so one margin for both axes,
 * on a ladder that doubles (64, 128, 256, ...), which grows at once and shrinks only after 10 s.
 */
import { cameraFrame, type Vec3 } from "../../protocol/camera3d.js";
import type { Camera, Canvas } from "../../protocol/state.js";
import type { Overscan } from "../../protocol/stream.js";

/** Requests are multiples of this (device px), so the frame size changes rarely. */
export const OVERSCAN_STEP_PX = 32;
/** Pixel budget: the overscanned frame has at most this many times the canvas's pixels. */
export const OVERSCAN_MAX_AREA = 1.6;
/** The protocol's ceiling per side (OverscanSchema). */
export const OVERSCAN_MAX_PX = 1024;

export interface OverscanOptions {
  /** Quantum of a request, device px (default OVERSCAN_STEP_PX). */
  step?: number;
  /** Pixel budget (default OVERSCAN_MAX_AREA). */
  maxArea?: number;
  /** Margin kept at rest, device px, so the first pan after rest shows real pixels (default 64). */
  minMargin?: number;
  /** A margin larger than needed is kept this long before it shrinks, ms (default 10000). */
  holdMs?: number;
  /** Speed is measured over this window, ms (default 150). */
  windowMs?: number;
  /** Safety factor on speed x latency (default 1.5). */
  gain?: number;
}

/** Latency assumed while none is measured, ms. */
const DEFAULT_LATENCY_MS = 100;
/** Shortest interval a speed is divided by, ms: two events 1 ms apart are not a 50x spike. */
const MIN_DT_MS = 16;
/** Zoom-out ratio considered over one horizon at most (the budget clamps far below anyway). */
const MAX_ZOOM_OUT = 4;

interface Sample {
  t: number;
  center: Vec3;
  zoom: number;
  nd: 2 | 3;
}

/** Shrink `m` (keeping its x:y ratio) until the overscanned canvas fits `maxArea`; then quantize down. */
export function clampOverscan(m: Overscan, canvas: Canvas, maxArea: number, step: number): Overscan {
  const W = canvas.width;
  const H = canvas.height;
  const cap = Math.floor(OVERSCAN_MAX_PX / step) * step;
  let [x, y] = [Math.min(m[0], cap), Math.min(m[1], cap)];
  if ((W + 2 * x) * (H + 2 * y) <= maxArea * W * H) return [x, y];
  if (maxArea <= 1) return [0, 0];
  // Largest s with (W + 2 s x)(H + 2 s y) = maxArea W H: a quadratic in s (linear when one is 0).
  const qa = 4 * x * y;
  const qb = 2 * (W * y + H * x);
  const qc = W * H * (1 - maxArea);
  const s = qa === 0 ? -qc / qb : (-qb + Math.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa);
  // Quantizing down keeps the result inside the budget.
  // (The 1e-9 absorbs rounding in s: an exact 100.0 must not floor to 96.)
  x = Math.floor((x * s) / step + 1e-9) * step;
  y = Math.floor((y * s) / step + 1e-9) * step;
  return [x, y];
}

/** Margin policy: grows at once with pan speed x latency, shrinks only after a hold. */
export class OverscanPolicy {
  private readonly step: number;
  private readonly maxArea: number;
  private readonly minMargin: number;
  private readonly holdMs: number;
  private readonly windowMs: number;
  private readonly gain: number;
  private samples: Sample[] = [];
  private margin: Overscan;
  /** Per axis, the last time the need reached the current margin (-inf: shrink at once). */
  private needAt: [number, number] = [-Infinity, -Infinity];

  constructor(opts: OverscanOptions = {}) {
    this.step = opts.step ?? OVERSCAN_STEP_PX;
    this.maxArea = opts.maxArea ?? OVERSCAN_MAX_AREA;
    this.minMargin = opts.minMargin ?? 64;
    this.holdMs = opts.holdMs ?? 10_000;
    this.windowMs = opts.windowMs ?? 150;
    this.gain = opts.gain ?? 1.5;
    if (!(this.step >= 1)) throw new RangeError(`step must be >= 1, got ${this.step}`);
    this.margin = this.rest();
  }

  /** The margin asked for now, [x, y] device px per side. */
  current(): Overscan {
    return [this.margin[0], this.margin[1]];
  }

  /** Back to the rest margin, forgetting the motion history (new session). */
  reset(): void {
    this.samples = [];
    this.needAt = [-Infinity, -Infinity];
    this.margin = this.rest();
  }

  /**
   * Feed the camera at time `now` (ms, monotonic) on `canvas` (device px) with the measured true
   * motion-to-photon latency (<= 0 or not finite: 100 ms assumed). Returns the new margin when
   * it should change, else null. Call on camera changes and now and then at rest, so the margin
   * can shrink after the hold. `ndisplay` defaults to 3 for a 3-element centre, else 2.
   */
  update(now: number, camera: Camera, canvas: Canvas, latencyMs: number, ndisplay?: 2 | 3): Overscan | null {
    const nd = ndisplay ?? (camera.center.length >= 3 ? 3 : 2);
    this.push(now, camera, nd);
    const latency = Number.isFinite(latencyMs) && latencyMs > 0 ? latencyMs : DEFAULT_LATENCY_MS;
    const need = clampOverscan(this.need(now, camera, canvas, latency, nd), canvas, this.maxArea, this.step);
    const next: Overscan = [this.margin[0], this.margin[1]];
    for (const i of [0, 1] as const) {
      if (need[i] >= next[i]) {
        next[i] = need[i];
        this.needAt[i] = now;
      } else if (now - this.needAt[i] >= this.holdMs) {
        next[i] = need[i];
      }
    }
    // Growing one axis while the other holds may exceed the budget (or the canvas shrank).
    const clamped = clampOverscan(next, canvas, this.maxArea, this.step);
    if (clamped[0] === this.margin[0] && clamped[1] === this.margin[1]) return null;
    this.margin = clamped;
    return this.current();
  }

  /** Rest margin: the floor rounded up to the step. */
  private rest(): Overscan {
    const m = this.quantize(this.minMargin);
    return [m, m];
  }

  /** The smallest rung of the ladder (the floor doubled k times, on the step) that covers `px`. */
  private quantize(px: number): number {
    let rung = Math.max(this.step, Math.ceil(this.minMargin / this.step - 1e-9) * this.step);
    while (rung < px - 1e-9 && rung < OVERSCAN_MAX_PX) rung *= 2;
    return Math.min(OVERSCAN_MAX_PX, rung);
  }

  /** Keep the samples inside the window plus the newest one before it (the position at its start). */
  private push(now: number, camera: Camera, nd: 2 | 3): void {
    const c = camera.center;
    const center: Vec3 = c.length >= 3 ? [c[c.length - 3]!, c[c.length - 2]!, c[c.length - 1]!] : [0, c[0]!, c[1]!];
    const last = this.samples[this.samples.length - 1];
    // Time running backwards or a 2D <-> 3D switch: the history says nothing about this motion.
    if (last && (now < last.t || nd !== last.nd)) this.samples = [];
    this.samples.push({ t: now, center, zoom: camera.zoom, nd });
    const start = now - this.windowMs;
    while (this.samples.length > 1 && this.samples[1]!.t <= start) this.samples.shift();
  }

  /** Margin per axis wanted now: speed x latency x gain plus the floor, rounded up to the step. */
  private need(now: number, camera: Camera, canvas: Canvas, latency: number, nd: 2 | 3): Overscan {
    const anchor = this.samples[0]!;
    const newest = this.samples[this.samples.length - 1]!;
    const dt = Math.max(MIN_DT_MS, Math.min(this.windowMs, now - anchor.t));
    const d: Vec3 = [0, 1, 2].map((i) => newest.center[i]! - anchor.center[i]!) as Vec3;
    const px = camera.zoom * canvas.pixel_ratio; // device px per world unit
    let sx: number;
    let sy: number;
    if (nd === 3) {
      // Centre motion along the current screen axes.
      const { up, right } = cameraFrame(camera.angles);
      sx = Math.abs(d[0] * right[0] + d[1] * right[1] + d[2] * right[2]);
      sy = Math.abs(d[0] * up[0] + d[1] * up[1] + d[2] * up[2]);
    } else {
      sx = Math.abs(d[2]);
      sy = Math.abs(d[1]);
    }
    const horizon = latency * this.gain;
    let mx = ((sx * px) / dt) * horizon;
    let my = ((sy * px) / dt) * horizon;
    // Zooming out shrinks the predicted frame: at ratio r it must cover (r - 1)/2 of the canvas per side.
    const outRate = Math.log(anchor.zoom / newest.zoom) / dt;
    if (outRate > 0) {
      const r = Math.min(MAX_ZOOM_OUT, Math.exp(outRate * horizon));
      mx += (canvas.width * (r - 1)) / 2;
      my += (canvas.height * (r - 1)) / 2;
    }
    // One margin for both axes: a pan changes direction often, and each (x, y) pair is a frame size.
    const m = this.quantize(Math.max(mx, my) + this.minMargin);
    return [m, m];
  }
}
