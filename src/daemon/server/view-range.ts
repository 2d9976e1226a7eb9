/**
 * Answers a view's `range` messages (the panel's auto-contrast "once") with `range` replies: the
 * [min, max] of a layer's data as this view last drew it (scene/view-range.ts), at the level meta
 * reports. Never holds the render pump: the scan reads memory or cached chunks only and yields to
 * the event loop between slices; when chunks are not cached the reply says `loading` and they are
 * loaded through the chunk store in the background (one load per view, the newest wins), so the
 * client's next request finds them. One scan runs per view: a request for the same samples joins
 * it, another one is answered `busy`, as are requests over the rate. Results are remembered per
 * layer data (a new array is a new entry) so asking again for the same view is free.
 */
import type { Canvas, StreamRange, StreamRangeRequest, ViewerState } from "../../protocol/index.js";
import type { ChunkRef, ChunkStore } from "../data/chunk-store.js";
import type { Logger } from "../log.js";
import type { LayerEntry } from "../scene/layer-entry.js";
import { scanRange, viewRegion } from "../scene/view-range.js";
import { TokenBucket } from "../util/token-bucket.js";

/** Range requests answered per second per view (a button press plus its retries), and the burst. */
export const RANGE_RATE_PER_SEC = 20;
export const RANGE_BURST = 10;
/** Results remembered per layer entry. */
const REMEMBERED = 8;

export interface ViewRangerDeps {
  /** The viewer's layers (data) by id. */
  entries(): ReadonlyMap<string, LayerEntry>;
  /** The view's latest state (camera, dims, layer transforms). */
  state(): ViewerState;
  /** The view's canvas (device px). */
  canvas(): Canvas;
  /** Level each layer was last drawn at by this view (meta's data_level). */
  drawnLevel(layerId: string): number | undefined;
  store: ChunkStore;
  send(msg: StreamRange): void;
  log: Logger;
}

type Found = { min: number | null; max: number | null };

export class ViewRanger {
  private readonly rate: TokenBucket;
  private readonly results = new WeakMap<LayerEntry, Map<string, Found>>();
  private scan: { entry: LayerEntry; key: string; ids: number[] } | null = null;
  private load: { key: string; abort: AbortController } | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: ViewRangerDeps,
    opts: { ratePerSec?: number; burst?: number } = {},
  ) {
    this.rate = new TokenBucket(opts.ratePerSec ?? RANGE_RATE_PER_SEC, opts.burst ?? RANGE_BURST);
  }

  /** Answer one request (always exactly one `range` message, now or when its scan ends). */
  range(msg: StreamRangeRequest): void {
    if (this.abort.signal.aborted) return;
    const reply = { type: "range" as const, id: msg.id, layer_id: msg.layer_id, min: null, max: null, level: 0 };
    if (!this.rate.take()) return this.deps.send({ ...reply, status: "busy" });
    const state = this.deps.state();
    const entry = this.deps.entries().get(msg.layer_id);
    const layer = state.layers.find((l) => l.id === msg.layer_id);
    if (entry === undefined || layer === undefined) return this.deps.send({ ...reply, status: "no_layer" });
    const count = entry.levels.length;
    const level = Math.min(Math.max(this.deps.drawnLevel(msg.layer_id) ?? count - 1, 0), count - 1);
    const region = viewRegion(entry, level, layer, state, this.deps.canvas());
    if (region === null) return this.deps.send({ ...reply, level, status: "ok" });
    const key = `${level}:${region.start.join(",")}:${region.stop.join(",")}`;
    const known = this.results.get(entry)?.get(key);
    if (known) return this.deps.send({ ...reply, level, status: "ok", ...known });
    if (this.scan !== null) {
      if (this.scan.entry === entry && this.scan.key === key) this.scan.ids.push(msg.id);
      else this.deps.send({ ...reply, level, status: "busy" });
      return;
    }
    const scan = { entry, key, ids: [msg.id] };
    this.scan = scan;
    const answer = (status: StreamRange["status"], found: Found = { min: null, max: null }): void => {
      this.scan = null;
      if (this.abort.signal.aborted) return;
      for (const id of scan.ids) this.deps.send({ ...reply, id, level, status, ...found });
    };
    const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    scanRange(this.deps.store, entry, level, region, pause, this.abort.signal).then(
      (read) => {
        if (read.kind === "range") {
          const found = { min: read.min, max: read.max };
          this.remember(entry, key, found);
          answer("ok", found);
        } else {
          this.startLoad(entry, level, read.chunks);
          answer("loading");
        }
      },
      (err: unknown) => {
        if (this.abort.signal.aborted) return;
        // Not expected (the region is checked against the level): the client's bounded retries end it.
        this.deps.log.warn({ err, layer: msg.layer_id }, "range scan failed");
        answer("busy");
      },
    );
  }

  /** Stop the scan and the background load. Never throws. */
  dispose(): void {
    this.abort.abort();
    this.load?.abort.abort();
    this.load = null;
  }

  private remember(entry: LayerEntry, key: string, found: Found): void {
    let m = this.results.get(entry);
    if (!m) this.results.set(entry, (m = new Map()));
    m.set(key, found);
    while (m.size > REMEMBERED) m.delete(m.keys().next().value!);
  }

  private startLoad(entry: LayerEntry, level: number, chunks: ChunkRef[]): void {
    if (entry.kind !== "source" || chunks.length === 0) return;
    const key = `${entry.id}@${level}:${JSON.stringify(chunks)}`;
    if (this.load?.key === key) return;
    this.load?.abort.abort();
    const load = { key, abort: new AbortController() };
    this.load = load;
    const done = (): void => {
      if (this.load === load) this.load = null;
    };
    // Failures are the render path's to report (it loads the same chunks); the client asks again.
    this.deps.store.load(entry.source, level, chunks, load.abort.signal).then(done, done);
  }
}
