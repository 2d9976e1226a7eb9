/**
 * CPU renderer: renderLayers (2D, or the 3D ray caster) on worker threads, one horizontal band per
 * worker, all writing into one SharedArrayBuffer frame; threads = 0 renders inline on the caller.
 *
 * Abort: render() rejects with a DOMException named "AbortError" (cause: signal.reason)
 * when `signal` is aborted before or while it renders; bands already running finish in
 * the background and the frame buffer goes back to the pool afterwards.
 * Errors: NapariCudaError "render_failed" when a
 * worker fails (it is replaced); "shutting_down" after dispose().
 */
import { availableParallelism } from "node:os";
import { NapariCudaError } from "../../protocol/index.js";
import type { LayerData } from "../data/types.js";
import type { BandTask } from "./cpu-worker-protocol.js";
import { FramePool } from "./frame-pool.js";
import { renderLayers } from "./render3d.js";
import type { RenderedFrame, RenderRequest, Renderer } from "./types.js";
import { abortError, RenderWorkerPool } from "./worker-pool.js";

export interface CpuRendererOptions {
  /** Worker threads; 0 renders inline. Default: defaultRenderThreads(). */
  threads?: number;
  /** Script the workers run: the daemon bundle (its main.ts dispatches on workerData.role), or a .ts file under tsx. */
  workerEntry?: string | URL;
}

const MAX_THREADS = 64;

/** NAPARI_CUDA_RENDER_THREADS if set (integer 0..64), else max(1, min(4, available cores - 1)). */
export function defaultRenderThreads(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.NAPARI_CUDA_RENDER_THREADS?.trim();
  if (!text) return Math.max(1, Math.min(4, availableParallelism() - 1));
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n <= MAX_THREADS)) {
    const path = "NAPARI_CUDA_RENDER_THREADS";
    throw new NapariCudaError("invalid_message", `${path} must be an integer in [0, ${MAX_THREADS}]`, { path });
  }
  return n;
}

/** Where the workers start when no entry is given: the sibling .ts entry from sources, else this file (the bundle). */
function defaultWorkerEntry(): URL {
  const self = new URL(import.meta.url);
  return self.pathname.endsWith(".ts") ? new URL("./cpu-worker-entry.ts", self) : self;
}

/** Rows [y0, y1) of `n` near-equal bands covering `height` rows. */
export function splitRows(height: number, n: number): Array<{ y0: number; y1: number }> {
  const count = Math.max(1, Math.min(n, height));
  const bands: Array<{ y0: number; y1: number }> = [];
  for (let i = 0; i < count; i++) {
    bands.push({ y0: Math.floor((i * height) / count), y1: Math.floor(((i + 1) * height) / count) });
  }
  return bands;
}

export class CpuRenderer implements Renderer {
  readonly name = "cpu";
  readonly threads: number;
  private readonly pool: RenderWorkerPool | null;
  private readonly frames = new FramePool();
  private nextTaskId = 1;
  private disposed = false;

  /** Start the workers (none with threads = 0). */
  constructor(options: CpuRendererOptions = {}) {
    const threads = options.threads ?? defaultRenderThreads();
    if (!Number.isInteger(threads) || threads < 0 || threads > MAX_THREADS) {
      throw new NapariCudaError("invalid_message", `threads must be an integer in [0, ${MAX_THREADS}]`, {
        path: "threads",
      });
    }
    this.threads = threads;
    this.pool = threads > 0 ? new RenderWorkerPool(threads, options.workerEntry ?? defaultWorkerEntry()) : null;
  }

  /** Worker threads started and not yet exited (0 after dispose()). */
  get liveWorkers(): number {
    return this.pool?.liveWorkers ?? 0;
  }

  /** Render one frame; see the module comment for abort and error semantics. */
  async render(req: RenderRequest, signal?: AbortSignal): Promise<RenderedFrame> {
    if (this.disposed) throw new NapariCudaError("shutting_down", "renderer disposed");
    if (signal?.aborted) throw abortError(signal);
    const t0 = performance.now();
    const { width, height } = req.canvas;
    const rgba = this.frames.acquire(width * height * 4);
    if (!this.pool) {
      try {
        renderLayers(req, rgba);
      } catch (err) {
        this.frames.release(rgba);
        throw err;
      }
      return { width, height, rgba, renderMs: performance.now() - t0 };
    }
    const shared: RenderRequest = { state: req.state, canvas: req.canvas, layers: usedLayers(req) };
    const bands = splitRows(height, this.threads).map((b) => {
      const task: BandTask = { id: this.nextTaskId++, req: shared, y0: b.y0, y1: b.y1, out: rgba };
      return this.pool!.run(task, signal);
    });
    try {
      await untilAborted(Promise.all(bands), signal);
    } catch (err) {
      // Running bands still write into rgba: reuse it only once all have stopped.
      void Promise.allSettled(bands).then(() => this.frames.release(rgba));
      throw err;
    }
    return { width, height, rgba, renderMs: performance.now() - t0 };
  }

  /** Give a frame's buffer back for reuse. */
  release(frame: RenderedFrame): void {
    this.frames.release(frame.rgba);
  }

  /** Terminate the workers; pending renders reject with shutting_down. Never throws. */
  async dispose(): Promise<void> {
    this.disposed = true;
    try {
      await this.pool?.dispose();
    } catch {
      // dispose never throws; the pool already swallows terminate errors
    }
  }
}

/** Only the layers the state draws travel to the workers. */
function usedLayers(req: RenderRequest): Map<string, LayerData> {
  const used = new Map<string, LayerData>();
  for (const layer of req.state.layers) {
    const data = req.layers.get(layer.id);
    if (layer.visible && data) used.set(layer.id, data);
  }
  return used;
}

/** `work`, or an AbortError as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
