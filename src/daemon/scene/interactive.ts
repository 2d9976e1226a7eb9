/**
 * Interactive quality for slow 3D frames on the CPU renderer: while the camera moves, a frame
 * whose full-resolution render is known to be slow is ray-cast at half resolution (a quarter
 * of the rays) and doubled up; once the view rests, the same state is drawn again at full
 * resolution. Screenshots never use this (they render exactly).
 */
import type { Canvas, ViewerState } from "../../protocol/index.js";

/** Full-resolution 3D renders slower than this (ms) make moving frames half resolution. */
export const DEFAULT_INTERACTIVE_3D_MS = 50;
/** The view counts as resting when no new state came for this long (ms); then it is refined. */
export const REFINE_AFTER_MS = 250;

/** NAPARI_CUDA_INTERACTIVE_3D_MS: a non-negative integer (0 = always while moving), or "off". */
export function interactive3dMsFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const text = env.NAPARI_CUDA_INTERACTIVE_3D_MS?.trim().toLowerCase();
  if (!text) return DEFAULT_INTERACTIVE_3D_MS;
  if (text === "off") return null;
  if (!/^\d+$/.test(text)) throw new Error(`NAPARI_CUDA_INTERACTIVE_3D_MS must be an integer (ms) or off, got ${text}`);
  return Number(text);
}

/** Decides per frame whether to render at half resolution, and remembers full-resolution costs. */
export class InteractiveQuality {
  private lastState: ViewerState | null = null;
  private fullMs = 0;

  /** `thresholdMs`: null disables it. */
  constructor(private readonly thresholdMs: number | null) {}

  /** Scale for this frame: 2 (half resolution) or 1. A repeat of the last state is a rest frame. */
  scale(state: ViewerState, cpu: boolean): 1 | 2 {
    const moving = this.lastState !== null && state !== this.lastState;
    this.lastState = state;
    if (this.thresholdMs === null || !cpu || state.dims.ndisplay !== 3 || !moving) return 1;
    return this.fullMs > this.thresholdMs ? 2 : 1;
  }

  /** Record how long a full-resolution 3D frame took. */
  observeFull(state: ViewerState, renderMs: number): void {
    if (state.dims.ndisplay === 3) this.fullMs = renderMs;
  }
}

/** The canvas a half-resolution frame is rendered on (same view, half the device pixels per unit). */
export function halfCanvas(c: Canvas): Canvas {
  return { width: Math.ceil(c.width / 2), height: Math.ceil(c.height / 2), pixel_ratio: c.pixel_ratio / 2 };
}

/** Double a half-resolution RGBA frame (sw x sh) into `out` (width x height), nearest neighbour. */
export function upscale2x(src: Uint8Array, sw: number, out: Uint8Array, width: number, height: number): void {
  const s32 = new Uint32Array(src.buffer, src.byteOffset, src.byteLength >> 2);
  const o32 = new Uint32Array(out.buffer, out.byteOffset, width * height);
  for (let y = 0; y < height; y++) {
    const row = (y >> 1) * sw;
    const base = y * width;
    for (let x = 0; x < width; x++) o32[base + x] = s32[row + (x >> 1)]!;
  }
}
