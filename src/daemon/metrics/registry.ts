/**
 * The daemon's Prometheus metrics (prom-client), served in text format at GET /metrics (http.ts).
 * One registry per DaemonMetrics; `getMetrics()` (index.ts) is the process's instance, since one daemon
 * process is one scrape target. Helpers keep metric names and labels in this file only.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Frame stage timings in ms: sub-ms GPU renders up to stalls of a second. */
const FRAME_MS_BUCKETS = [0.5, 1, 2, 4, 8, 12, 16, 25, 33, 50, 66, 100, 250, 500, 1000];
/** Level switch dwell in ms: the default dwell is 300 and the cooldown 500. */
const DWELL_MS_BUCKETS = [0, 50, 100, 200, 300, 400, 500, 750, 1000, 2000, 5000];

export interface FrameTiming {
  /** Renderer name ("cpu", "gpu"). */
  backend: string;
  /** Encoder name ("libx264", "h264_nvenc"). */
  encoder: string;
  renderMs: number;
  encodeMs: number;
  /** Render start (or state arrival) to the frame handed to the socket. */
  totalMs: number;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly autoSwitches: Counter<"direction">;
  private readonly switchDwell: Histogram;
  private readonly renderMs: Histogram<"backend">;
  private readonly encodeMs: Histogram<"encoder">;
  private readonly frameTotalMs: Histogram<"backend" | "encoder">;
  private readonly chunksLoaded: Counter;
  private readonly chunkBytesLoaded: Counter;
  /** Read at scrape time: no update per cache insert, and a disposed cache simply drops out. */
  private readonly cacheSources = new Set<() => number>();

  /** `defaultMetrics`: also export prom-client's process/nodejs metrics (CPU, memory, event loop lag, GC). */
  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.autoSwitches = new Counter({
      name: "napari_cuda_ms_auto_switches",
      help: "Automatic multiscale level switches made by the hysteresis policy",
      labelNames: ["direction"],
      registers,
    });
    this.switchDwell = new Histogram({
      name: "napari_cuda_ms_switch_dwell_ms",
      help: "How long a level breach lasted before the automatic switch (ms)",
      buckets: DWELL_MS_BUCKETS,
      registers,
    });
    this.renderMs = new Histogram({
      name: "napari_cuda_render_ms",
      help: "Time to render one frame (ms)",
      labelNames: ["backend"],
      buckets: FRAME_MS_BUCKETS,
      registers,
    });
    this.encodeMs = new Histogram({
      name: "napari_cuda_encode_ms",
      help: "Time to encode one frame (ms)",
      labelNames: ["encoder"],
      buckets: FRAME_MS_BUCKETS,
      registers,
    });
    this.frameTotalMs = new Histogram({
      name: "napari_cuda_frame_total_ms",
      help: "Time from render start to the encoded frame sent (ms)",
      labelNames: ["backend", "encoder"],
      buckets: FRAME_MS_BUCKETS,
      registers,
    });
    this.chunksLoaded = new Counter({
      name: "napari_cuda_chunks_loaded_total",
      help: "Zarr chunks read and decoded",
      registers,
    });
    this.chunkBytesLoaded = new Counter({
      name: "napari_cuda_chunk_bytes_loaded_total",
      help: "Decoded bytes of the zarr chunks read",
      registers,
    });
    const sources = this.cacheSources;
    new Gauge({
      name: "napari_cuda_chunk_cache_bytes",
      help: "Bytes held by the chunk caches",
      registers,
      collect() {
        let bytes = 0;
        for (const read of sources) bytes += read();
        this.set(bytes);
      },
    });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** One frame sent: its render, encode and total times. */
  observeFrame(t: FrameTiming): void {
    this.renderMs.observe({ backend: t.backend }, t.renderMs);
    this.encodeMs.observe({ encoder: t.encoder }, t.encodeMs);
    this.frameTotalMs.observe({ backend: t.backend, encoder: t.encoder }, t.totalMs);
  }

  /** An automatic level switch (LevelDecision.auto) after a breach that lasted `dwellMs`. */
  switched(dwellMs: number, direction: "coarser" | "finer"): void {
    this.autoSwitches.inc({ direction });
    this.switchDwell.observe(dwellMs);
  }

  /** `count` chunks read and decoded, `bytes` decoded bytes in all. */
  chunksLoadedAdd(count: number, bytes = 0): void {
    this.chunksLoaded.inc(count);
    if (bytes > 0) this.chunkBytesLoaded.inc(bytes);
  }

  /**
   * Count a chunk cache in napari_cuda_chunk_cache_bytes (the sum of all tracked caches, read at each
   * scrape), e.g. `trackChunkCache(() => cache.bytes)`. Returns the function that stops tracking it.
   */
  trackChunkCache(bytes: () => number): () => void {
    this.cacheSources.add(bytes);
    return () => this.cacheSources.delete(bytes);
  }

  /** Prometheus text exposition and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
