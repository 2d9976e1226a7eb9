/**
 * Benchmark / e2e hook: `globalThis.__napariCuda` lists the live views and their stats.
 * Read-only for callers (reset() clears one view's samples to start a measurement window).
 *
 *   globalThis.__napariCuda = {
 *     version: "0.1.0",
 *     views: ViewHandle[],              // live views, in creation order
 *     get(modelId): ViewHandle | undefined   // latest live view of that model
 *   }
 */
import type { Camera, Dims } from "../../protocol/state.js";
import type { StreamMeta } from "../../protocol/stream.js";
import type { StatsSummary, ViewStats } from "./stats.js";
import { MODULE_VERSION } from "../version.js";

/** What the hook exposes per view (arrays are the live bounded sample buffers, oldest first). */
export interface ViewHandle {
  readonly modelId: string;
  /** Unique per view (a model can be displayed several times). */
  readonly viewId: string;
  readonly canvas: HTMLCanvasElement | null;
  readonly frames: number;
  /** performance.now() of the last drawn frame, or null. */
  readonly lastFrameAt: number | null;
  readonly bytes: number;
  readonly m2p: readonly number[];
  readonly decodeMs: readonly number[];
  readonly renderMs: readonly number[];
  readonly captureMs: readonly number[];
  readonly encodeMs: readonly number[];
  /** Per drawn daemon frame: Date.now() at display minus the daemon's render start (ms; same host). */
  readonly frameAgeMs: readonly number[];
  /** Draws of a stored frame warped to a newer camera (client-side prediction). */
  readonly predicted: number;
  /** Predicted draws that left part of the canvas black (the move went beyond the overscan). */
  readonly uncovered: number;
  /** A prediction (a non-identity warp) is on screen now. */
  readonly predicting: boolean;
  /** The `predict` trait as this view applies it. */
  readonly predict: boolean;
  /** The overscan asked of the daemon, [x, y] device px per side ([0, 0] with prediction off). */
  readonly overscan: readonly number[];
  /** Frames displayed per coded size ("WxH"): moving views on a slow node come at half resolution. */
  readonly frameSizes: Readonly<Record<string, number>>;
  /** Connection status ("waiting", "connecting", "streaming", "reconnecting", "failed", ...). */
  readonly status: string;
  readonly error: string | null;
  readonly encoder: string | null;
  readonly backend: string | null;
  readonly codec: string | null;
  readonly transport: "proxy" | "direct" | "comm" | null;
  /** Last seq sent to the daemon, and the local camera. */
  readonly seq: number;
  readonly camera: { center: number[]; zoom: number; angles: number[] };
  /** The local dims (ndisplay, current_step, axis_labels). */
  readonly dims: { ndisplay: number; current_step: number[]; axis_labels: string[] };
  /** The latest meta message from the daemon (levels, loading), or null before the first. */
  readonly meta: StreamMeta | null;
  stats(): StatsSummary;
  reset(): void;
}

export interface NapariCudaHook {
  readonly version: string;
  readonly views: ViewHandle[];
  get(modelId: string): ViewHandle | undefined;
}

/** The page's hook object, created on first use. */
export function hook(): NapariCudaHook {
  const g = globalThis as { __napariCuda?: NapariCudaHook };
  if (g.__napariCuda === undefined) {
    const views: ViewHandle[] = [];
    g.__napariCuda = {
      version: MODULE_VERSION,
      views,
      get: (modelId) => [...views].reverse().find((v) => v.modelId === modelId),
    };
  }
  return g.__napariCuda;
}

/** Add a view's handle; returns a function that removes it. */
export function registerView(handle: ViewHandle): () => void {
  const views = hook().views;
  views.push(handle);
  return () => {
    const i = views.indexOf(handle);
    if (i >= 0) views.splice(i, 1);
  };
}

/** Live sources a view handle reads from. */
export interface HandleSource {
  modelId: string;
  viewId: string;
  stats: ViewStats;
  canvas(): HTMLCanvasElement | null;
  status(): string;
  error(): string | null;
  stream(): { encoder: string; backend: string; codec: string } | null;
  transport(): "proxy" | "direct" | "comm" | null;
  seq(): number;
  camera(): Camera;
  dims(): Dims;
  meta(): StreamMeta | null;
  /** Prediction on; absent: off. */
  predict?(): boolean;
  /** The overscan asked for; absent: none. */
  overscan?(): readonly number[];
}

/** A read-only handle whose getters read the live values. */
export function makeViewHandle(src: HandleSource): ViewHandle {
  const st = src.stats;
  return {
    modelId: src.modelId,
    viewId: src.viewId,
    get canvas() {
      return src.canvas();
    },
    get frames() {
      return st.frames;
    },
    get lastFrameAt() {
      return st.lastFrameAt;
    },
    get bytes() {
      return st.bytes;
    },
    get m2p() {
      return st.m2p.values;
    },
    get decodeMs() {
      return st.decodeMs.values;
    },
    get renderMs() {
      return st.renderMs.values;
    },
    get captureMs() {
      return st.captureMs.values;
    },
    get encodeMs() {
      return st.encodeMs.values;
    },
    get frameAgeMs() {
      return st.frameAgeMs.values;
    },
    get predicted() {
      return st.predicted;
    },
    get uncovered() {
      return st.uncovered;
    },
    get predicting() {
      return st.predicting;
    },
    get predict() {
      return src.predict?.() ?? false;
    },
    get overscan() {
      return [...(src.overscan?.() ?? [0, 0])];
    },
    get frameSizes() {
      return Object.fromEntries(st.sizes);
    },
    get status() {
      return src.status();
    },
    get error() {
      return src.error();
    },
    get encoder() {
      return src.stream()?.encoder ?? null;
    },
    get backend() {
      return src.stream()?.backend ?? null;
    },
    get codec() {
      return src.stream()?.codec ?? null;
    },
    get transport() {
      return src.transport();
    },
    get seq() {
      return src.seq();
    },
    get camera() {
      const c = src.camera();
      return { center: [...c.center], zoom: c.zoom, angles: [...c.angles] };
    },
    get dims() {
      const d = src.dims();
      return { ndisplay: d.ndisplay, current_step: [...d.current_step], axis_labels: [...d.axis_labels] };
    },
    get meta() {
      const m = src.meta();
      return m === null ? null : structuredClone(m);
    },
    stats: () => st.summary(performance.now()),
    reset: () => st.reset(),
  };
}
