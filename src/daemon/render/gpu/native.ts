/**
 * Loading the native GPU addon (native/build/napari_cuda_gpu.node, built by scripts/build-native.mjs) and
 * its TypeScript types. Loading never throws: it returns the module or the reason it is not usable here.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ADDON_ENV = "NAPARI_CUDA_NATIVE_ADDON";
const ADDON_FILE = "napari_cuda_gpu.node";

/** One image layer of a native frame job (see native/src/job.h for the meaning of each field). */
export interface NativeLayerJob {
  /** Which plane of which layer; a cached texture is reused only when `generation` matches too. */
  key: string;
  /** Id of the data array's contents (generation.ts): new array or changed contents, new id. */
  generation: number;
  data: ArrayBufferView;
  dtype: number;
  planeOffset: number;
  nx: number;
  ny: number;
  /** 3D only: volume depth, ray-casting mode (1..7, job3d.ts MODES), 30 constants (native/src/job.h). */
  nz?: number;
  mode?: number;
  params?: Float64Array;
  cols: Uint8Array;
  rows: Uint8Array;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  linear: boolean;
  folded: boolean;
  lut: Uint32Array;
  lutKey: string;
  lutOffset: number;
  lo: number;
  range: number;
  gamma: number;
  blend: number;
  alpha: number;
  beta: number;
  /** Labels (label-job.ts): 0 image, 1 folded per-value table in `lut`, 2 colour rows in `lut` and napari's rule. */
  labels?: number;
  /** Labels, rule: with `showSelected` only this value is drawn. */
  selectedLabel?: number;
  showSelected?: boolean;
  /** Labels, 2D: outline width in device pixels; `cols`/`rows` then hold taps for [-contour, size + contour). */
  contour?: number;
}

/** One pass of a points layer (points-job.ts; native/src/job.h PointsJob). */
export interface NativePointsJob {
  /** Drawn before layers[before] (after every image/labels layer when it equals layers.length). */
  before: number;
  /** One 136-byte record per point (points-records.ts), in table order. */
  records: Uint8Array;
  /** tilesX * tilesY + 1 list starts, then the lists: record indices per 16x16 tile, ascending. */
  tiles: Uint32Array;
  tilesX: number;
  tilesY: number;
  /** Device pixel box of the tiles holding points. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  aa: number;
  opacity: number;
  /** 0 translucent, 1 additive, 2 opaque. */
  blend: number;
  /** points-job.ts markerConstants(). */
  constants: Float64Array;
}

export interface NativeFrameJob {
  width: number;
  height: number;
  rgba: boolean;
  nv12: boolean;
  layers: NativeLayerJob[];
  /** Points passes, in drawing order, each placed among `layers` by its `before`. */
  points?: NativePointsJob[];
}

export interface NativeFrame {
  width: number;
  height: number;
  rgba?: Uint8Array;
  rgbaSlot?: number;
  nv12?: Uint8Array;
  nv12Slot?: number;
  uploadMs: number;
  renderMs: number;
  captureMs: number;
}

export interface NativeDeviceInfo {
  ok: boolean;
  error: string;
  eglVendor: string;
  glRenderer: string;
  glVersion: string;
  cudaDevice: number;
  cudaName: string;
}

export interface NativeStats {
  textures: number;
  textureBytes: number;
  registeredResources: number;
  gpuFreeBytes: number;
  gpuTotalBytes: number;
  programs: number;
  frames: number;
  pinnedBytes: number;
  pinnedSlots: number;
}

/** The addon's GpuContext: every method returns at once; the work runs on the addon's render thread. */
export interface NativeGpuContext {
  ready(): Promise<NativeDeviceInfo>;
  render(job: NativeFrameJob): Promise<NativeFrame>;
  /** Give a pinned output buffer back for reuse: its rgbaSlot (nv12 false) or nv12Slot (nv12 true). */
  release(slot: number, nv12: boolean): void;
  stats(): Promise<NativeStats>;
  close(): Promise<void>;
}

export interface NativeAddon {
  GpuContext: new (opts: { device?: number; textureBudgetBytes?: number }) => NativeGpuContext;
}

export type AddonLoad = { addon: NativeAddon; path: string } | { addon: null; reason: string };

/** Where the addon may be: $NAPARI_CUDA_NATIVE_ADDON, then native/build under the repo root above this
 *  module (sources or the daemon bundle in kernel-bridge/napari_cuda/_daemon), then under the cwd. */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env, moduleUrl: string = import.meta.url): string[] {
  const explicit = env[ADDON_ENV];
  if (explicit) return [resolve(explicit)];
  const found: string[] = [];
  let dir = dirname(fileURLToPath(moduleUrl));
  for (let i = 0; i < 6; i++) {
    found.push(join(dir, "native", "build", ADDON_FILE));
    dir = dirname(dir);
  }
  found.push(join(process.cwd(), "native", "build", ADDON_FILE));
  return found;
}

const loads = new Map<string, AddonLoad>();

/** Load the addon once per $NAPARI_CUDA_NATIVE_ADDON value; the result (module or reason) is cached. */
export function loadAddon(env: NodeJS.ProcessEnv = process.env): AddonLoad {
  const key = env[ADDON_ENV] ?? "";
  const hit = loads.get(key);
  if (hit) return hit;
  const result = load(env);
  loads.set(key, result);
  return result;
}

function load(env: NodeJS.ProcessEnv): AddonLoad {
  const candidates = addonCandidates(env);
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    const where = env[ADDON_ENV] ? `${ADDON_ENV}=${env[ADDON_ENV]}` : "native/build";
    return { addon: null, reason: `native GPU addon not built (no ${ADDON_FILE} in ${where}; see docs/gpu.md)` };
  }
  try {
    return { addon: createRequire(import.meta.url)(path) as NativeAddon, path };
  } catch (err) {
    return { addon: null, reason: `native GPU addon at ${path} failed to load: ${(err as Error).message}` };
  }
}
