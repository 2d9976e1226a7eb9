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

/** A view's link estimates (server/link-control.ts LinkStats): the gauges show the last view that acked. */
export interface LinkGauges {
  rttMs: number;
  minRttMs: number;
  rateBytesPerSec: number;
  windowFrames: number;
  scale: number;
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
  private readonly link: Record<keyof LinkGauges, Gauge>;
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
    const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, registers });
    this.link = {
      rttMs: gauge("napari_cuda_link_rtt_ms", "Last ack round trip of a view: frame sent -> displayed -> ack (ms)"),
      minRttMs: gauge("napari_cuda_link_min_rtt_ms", "Lowest recent ack round trip of a view (ms)"),
      rateBytesPerSec: gauge("napari_cuda_link_rate_bytes_per_second", "Estimated delivery rate of a view's link"),
      windowFrames: gauge("napari_cuda_link_window_frames", "Frames a view may have in flight now"),
      scale: gauge("napari_cuda_link_scale", "Frame scale the link asks for while moving (1 full, 2 half, 4 quarter)"),
    };
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

  /** A view's link estimates after an ack (unmeasured values are left as they were). */
  observeLink(s: LinkGauges): void {
    for (const key of Object.keys(this.link) as Array<keyof LinkGauges>) {
      if (Number.isFinite(s[key])) this.link[key].set(s[key]);
    }
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
