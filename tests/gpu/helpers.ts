/**
 * GPU test support: one shared GpuRenderer (or the reason there is none, for skipping), the CPU reference
 * frame, and frame comparison. Without a GPU or the addon every GPU test skips with that reason.
 */
import { renderLayers2D } from "../../src/daemon/render/render2d.js";
import { GpuRenderer, type GpuOutput } from "../../src/daemon/render/gpu/gpu-renderer.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";

/** A started renderer, or the reason the GPU tests skip (printed by node:test as the skip message). */
export async function startGpu(output: GpuOutput = "rgba"): Promise<GpuRenderer | string> {
  try {
    return await GpuRenderer.create({ output });
  } catch (err) {
    return `no GPU backend here: ${(err as Error).message}`;
  }
}

/** The CPU reference frame of `req`. */
export function cpuFrame(req: RenderRequest): Uint8Array {
  const out = new Uint8Array(req.canvas.width * req.canvas.height * 4);
  renderLayers2D(req, out);
  return out;
}

export interface FrameDiff {
  /** Largest |a - b| over the R, G, B bytes. */
  maxDiff: number;
  /** PSNR over R, G, B in dB (Infinity when equal). */
  psnr: number;
  /** Pixels with any channel different. */
  differing: number;
  /** First differing pixel (x, y) and both values, for messages. */
  first: string;
}

/** Compare two RGBA frames of the same size (alpha must be 255 in both). */
export function diffFrames(a: Uint8Array, b: Uint8Array, width: number): FrameDiff {
  if (a.length !== b.length) throw new Error(`frame sizes differ: ${a.length} vs ${b.length}`);
  let maxDiff = 0;
  let sum = 0;
  let differing = 0;
  let first = "";
  for (let p = 0; p < a.length; p += 4) {
    let any = false;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(a[p + c]! - b[p + c]!);
      if (d) any = true;
      if (d > maxDiff) maxDiff = d;
      sum += d * d;
    }
    if (a[p + 3] !== 255 || b[p + 3] !== 255) any = true;
    if (any) {
      if (!first) {
        const i = p / 4;
        first = `(${i % width}, ${Math.floor(i / width)}): ${[...a.subarray(p, p + 4)]} vs ${[...b.subarray(p, p + 4)]}`;
      }
      differing++;
    }
  }
  const mse = sum / ((a.length / 4) * 3);
  return { maxDiff, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse), differing, first };
}

/** Largest |a - b| over two byte arrays of the same length. */
export function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
