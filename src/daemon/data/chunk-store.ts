/**
 * ChunkStore: decoded chunks of image sources in an LRU cache with a byte budget, loaded by a
 * pool of worker threads (parallel, bounded, abortable). The scene resolver asks tryRegion()
 * each frame; when it returns null it loads missing() chunks (nearest to the view centre first)
 * and renders what it has meanwhile. Chunks of kernel-served sources are asked of the kernel
 * instead (kernel-source.ts: no worker; aborting a load cancels the request on the kernel).
 *
 * Region copies: tryRegion() returns a new C-order array of the region (shape stop - start,
 * all source axes, size-1 axes kept). The cache must hold every chunk of a region at once for
 * tryRegion to succeed: keep cacheBytes well above the chunk bytes of one view.
 */
import { availableParallelism } from "node:os";
import type { ImageSource, LevelInfo } from "./source-types.js";
import { ChunkCache } from "./chunk-cache.js";
import { abortError, ChunkWorkerPool } from "./chunk-pool.js";
import { allocPixels } from "./dtype.js";
import { kernelChunk } from "./kernel-source.js";
import { checkRegion, chunkSpan, copyChunk, forEachChunk, size, type ChunkRef, type Region } from "./region.js";
import type { PixelArray } from "./types.js";

export type { ChunkRef, Region } from "./region.js";
export { cacheBytesFromEnv, DEFAULT_CACHE_BYTES } from "./chunk-cache.js";

export interface ChunkStoreOptions {
  /** Cache budget in bytes (see cacheBytesFromEnv: NAPARI_CUDA_CACHE_BYTES, default 2 GiB). */
  cacheBytes: number;
  /** Chunks fetched/decoded at once, all workers together. Default 16. */
  concurrency?: number;
  /** Worker threads. Default: CPU count - 1, in [1, 8], at most `concurrency`. */
  workers?: number;
  /** Script the workers run: the daemon bundle (main.ts dispatches on workerData.role) or a .ts file under tsx. */
  workerEntry?: string | URL;
}

interface Inflight {
  id: number;
  refs: number;
  promise: Promise<void>;
  /** Kernel chunks: aborting it cancels the request on the kernel. */
  abort?: AbortController;
}

/** Where the workers start when no entry is given: the sibling .ts entry from sources, else this file (the bundle). */
function defaultWorkerEntry(): URL {
  const self = new URL(import.meta.url);
  return self.pathname.endsWith(".ts") ? new URL("./chunk-worker-entry.ts", self) : self;
}

function levelOf(src: ImageSource, level: number): LevelInfo {
  const info = src.info.levels[level];
  if (!info) throw new RangeError(`${src.info.uri} has no level ${level} (${src.info.levels.length} levels)`);
  return info;
}

export class ChunkStore {
  private readonly cache: ChunkCache;
  private readonly pool: ChunkWorkerPool;
  private readonly inflight = new Map<string, Inflight>();
  private readonly dropped = new Set<string>();
  /** Kernel chunk requests in flight (they do not use the worker pool). */
  private readonly kernelJobs = new Set<AbortController>();
  private nextId = 0;
  private disposed = false;

  constructor(opts: ChunkStoreOptions) {
    const concurrency = Math.max(1, opts.concurrency ?? 16);
    const workers = Math.max(
      1,
      Math.min(concurrency, opts.workers ?? Math.min(8, Math.max(1, availableParallelism() - 1))),
    );
    this.cache = new ChunkCache(opts.cacheBytes);
    this.pool = new ChunkWorkerPool(
      workers,
      Math.ceil(concurrency / workers),
      opts.workerEntry ?? defaultWorkerEntry(),
    );
  }

  /** Chunks queued or being fetched/decoded, kernel chunks being computed included. */
  get pending(): number {
    return this.pool.pending + this.kernelJobs.size;
  }

  /** Bytes of decoded chunks held. */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  /** The cache budget in bytes. */
  get cacheBudget(): number {
    return this.cache.maxBytes;
  }

  /** Chunks evicted from the cache so far. */
  get evictions(): number {
    return this.cache.evictions;
  }

  /**
   * Synchronous: the region as a new C-order typed array over shared memory (render workers read it
   * without a copy) if every chunk it touches is cached, else null.
   */
  tryRegion(src: ImageSource, level: number, region: Region): { data: PixelArray; shape: number[] } | null {
    const lvl = levelOf(src, level);
    checkRegion(lvl.shape, region);
    const shape = region.stop.map((b, k) => b - region.start[k]!);
    const b = src.backend;
    if (b.kind === "memory") {
      const out = allocPixels(src.info.dtype, size(shape), true);
      copyChunk(
        b.data,
        lvl.shape.map(() => 0),
        lvl.shape,
        region,
        out,
      );
      return { data: out, shape };
    }
    const parts: Array<[number[], PixelArray]> = [];
    let complete = true;
    forEachChunk(chunkSpan(region, lvl.chunks), (coords) => {
      if (!complete) return;
      const data = this.cache.get(this.key(src, level, coords));
      if (data === undefined) complete = false;
      else parts.push([coords, data]);
    });
    if (!complete) return null;
    const out = allocPixels(src.info.dtype, size(shape), true);
    for (const [coords, data] of parts) copyChunk(data, coords, lvl.chunks, region, out);
    return { data: out, shape };
  }

  /** A cached chunk (marked recently used), or undefined; memory sources have none (use tryRegion). */
  peek(src: ImageSource, level: number, coords: readonly number[]): PixelArray | undefined {
    return src.backend.kind === "memory" ? undefined : this.cache.get(this.key(src, level, coords));
  }

  /** Chunks of the region not yet cached, nearest to `focus` (level coords; default the region centre) first. */
  missing(src: ImageSource, level: number, region: Region, focus?: number[]): ChunkRef[] {
    const lvl = levelOf(src, level);
    checkRegion(lvl.shape, region);
    if (src.backend.kind === "memory") return [];
    const f = focus ?? region.start.map((a, k) => (a + region.stop[k]!) / 2);
    const out: Array<{ ref: ChunkRef; d: number }> = [];
    forEachChunk(chunkSpan(region, lvl.chunks), (coords) => {
      if (this.cache.has(this.key(src, level, coords))) return;
      let d = 0;
      for (let k = 0; k < coords.length; k++) d += ((coords[k]! + 0.5) * lvl.chunks[k]! - (f[k] ?? 0)) ** 2;
      out.push({ ref: { coords }, d });
    });
    return out.sort((a, b) => a.d - b.d).map((x) => x.ref);
  }

  /**
   * Fetch + decode `chunks` in the workers (in the given order, parallel, bounded) into the cache.
   * Chunks already loading are shared with earlier calls. On abort the call rejects with an
   * AbortError at once; its chunks no other call waits for are dropped from the queue or aborted.
   * Rejects with NapariCudaError (not_found / invalid_source / compute_failed naming the chunk) when a
   * chunk fails.
   */
  load(src: ImageSource, level: number, chunks: ChunkRef[], signal?: AbortSignal): Promise<void> {
    const lvl = levelOf(src, level);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (src.backend.kind === "memory") return Promise.resolve();
    const grid = lvl.shape.map((s, k) => Math.ceil(s / lvl.chunks[k]!));
    for (const { coords } of chunks) {
      if (coords.length !== grid.length || coords.some((c, k) => !Number.isInteger(c) || c < 0 || c >= grid[k]!)) {
        throw new RangeError(
          `chunk (${coords.join(", ")}) is outside the chunk grid [${grid.join(", ")}] of level ${level}`,
        );
      }
    }
    const mine: Array<[string, Inflight]> = [];
    for (const { coords } of chunks) {
      const key = this.key(src, level, coords);
      if (this.cache.has(key)) continue;
      const f = this.inflight.get(key) ?? this.start(src, level, lvl, coords, key);
      f.refs++;
      mine.push([key, f]);
    }
    if (mine.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        signal?.removeEventListener("abort", onAbort);
        return true;
      };
      const onAbort = (): void => {
        if (!finish()) return;
        for (const [key, f] of mine) this.release(key, f, signal!);
        reject(abortError(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      Promise.all(mine.map(([, f]) => f.promise)).then(
        () => finish() && resolve(),
        (err: unknown) => finish() && reject(err),
      );
    });
  }

  /** Forget a source's cached chunks (call after disposing it). */
  drop(src: ImageSource): void {
    this.dropped.add(src.key);
    this.cache.deletePrefix(`${src.key}\n`);
  }

  /** Terminate the workers and empty the cache; pending loads reject with shutting_down. Never throws. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.pool.dispose();
    } catch {
      // dispose never throws: a worker that cannot be terminated is gone with the process.
    }
    for (const a of this.kernelJobs) a.abort();
    this.kernelJobs.clear();
    this.cache.clear();
    this.inflight.clear();
  }

  private key(src: ImageSource, level: number, coords: readonly number[]): string {
    return `${src.key}\n${level}\n${coords.join(",")}`;
  }

  private start(src: ImageSource, level: number, lvl: LevelInfo, coords: number[], key: string): Inflight {
    const b = src.backend;
    if (b.kind === "kernel") return this.startKernel(src, level, lvl, coords, key);
    if (b.kind !== "zarr") throw new Error("unreachable: memory sources have nothing to load");
    const id = ++this.nextId;
    const what = `${src.info.uri}: level ${level} (${JSON.stringify(lvl.path)}) chunk (${coords.join(", ")})`;
    const f: Inflight = { id, refs: 0, promise: Promise.resolve() };
    f.promise = new Promise<void>((resolve, reject) => {
      this.pool.submit({
        job: {
          type: "load",
          source: src.key,
          id,
          root: b.root,
          remote: b.remote,
          zarrVersion: b.zarrVersion,
          path: lvl.path,
          coords,
          dtype: src.info.dtype,
          chunks: lvl.chunks,
          what,
        },
        settle: (r) => {
          if (this.inflight.get(key) === f) this.inflight.delete(key);
          if ("data" in r) {
            if (!this.disposed && !this.dropped.has(src.key)) this.cache.set(key, r.data);
            resolve();
          } else reject(r.error);
        },
      });
    });
    // Nobody may be waiting any more when it fails (all callers aborted): that is not unhandled.
    f.promise.catch(() => undefined);
    this.inflight.set(key, f);
    return f;
  }

  /** A kernel chunk: asked of the kernel (no worker), checked and padded to the chunk shape (kernel-source.ts). */
  private startKernel(src: ImageSource, level: number, lvl: LevelInfo, coords: number[], key: string): Inflight {
    const abort = new AbortController();
    const f: Inflight = { id: ++this.nextId, refs: 0, promise: Promise.resolve(), abort };
    this.kernelJobs.add(abort);
    f.promise = kernelChunk(src, level, lvl, coords, abort.signal)
      .then((data) => {
        if (!this.disposed && !this.dropped.has(src.key)) this.cache.set(key, data);
      })
      .finally(() => {
        this.kernelJobs.delete(abort);
        if (this.inflight.get(key) === f) this.inflight.delete(key);
      });
    // Nobody may be waiting any more when it fails (all callers aborted): that is not unhandled.
    f.promise.catch(() => undefined);
    this.inflight.set(key, f);
    return f;
  }

  /** A caller stopped waiting: when nobody waits, drop the job (queued) or abort it (running). */
  private release(key: string, f: Inflight, signal: AbortSignal): void {
    if (--f.refs > 0) return;
    // A later load() of this chunk starts a fresh job instead of joining the cancelled one.
    if (this.inflight.get(key) === f) this.inflight.delete(key);
    if (f.abort) f.abort.abort(abortError(signal));
    else this.pool.cancel(f.id, abortError(signal));
  }
}
