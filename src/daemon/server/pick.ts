/**
 * Answers a view's `pick` messages (the status bar's value under the cursor) with `value`
 * messages. Never holds the render pump: the value is read from the chunk cache at the level
 * this view last drew the layer; when its chunk is not cached the reply says `loading` and the
 * chunk is loaded through the chunk store in the background (one load per view, the newest
 * pick wins), so the client's next pick finds it. Picks over the rate are answered `busy`.
 */
import type { LayerState, StreamPick, StreamValue, ViewerState } from "../../protocol/index.js";
import type { ChunkRef, ChunkStore } from "../data/chunk-store.js";
import type { LayerEntry } from "../scene/layer-entry.js";
import { levelIndex, readSample, wireValue } from "../scene/pick.js";
import { TokenBucket } from "../util/token-bucket.js";

/** Picks answered per second per view (a cursor needs ~60), and the burst saved up. */
export const PICK_RATE_PER_SEC = 120;
export const PICK_BURST = 30;

export interface PickerDeps {
  /** The viewer's layers (data) by id. */
  entries(): ReadonlyMap<string, LayerEntry>;
  /** The view's latest state (layer order, visibility, scale/translate). */
  state(): ViewerState;
  /** Level each layer was last drawn at by this view (meta's data_level). */
  drawnLevel(layerId: string): number | undefined;
  store: ChunkStore;
  send(msg: StreamValue): void;
}

export class Picker {
  private readonly rate: TokenBucket;
  private load: { key: string; abort: AbortController } | null = null;
  private disposed = false;

  constructor(
    private readonly deps: PickerDeps,
    opts: { ratePerSec?: number; burst?: number } = {},
  ) {
    this.rate = new TokenBucket(opts.ratePerSec ?? PICK_RATE_PER_SEC, opts.burst ?? PICK_BURST);
  }

  /** Answer one pick (always exactly one `value` message). */
  pick(msg: StreamPick): void {
    if (this.disposed) return;
    const none = { type: "value" as const, id: msg.id, value: null, level: 0, level_count: 1, data_position: [] };
    if (!this.rate.take()) {
      this.deps.send({ ...none, layer_id: msg.layer_id ?? null, status: "busy" });
      return;
    }
    const state = this.deps.state();
    const entries = this.deps.entries();
    const id = msg.layer_id ?? topVisible(state.layers, entries);
    const entry = id === undefined ? undefined : entries.get(id);
    if (id === undefined || entry === undefined) {
      this.deps.send({ ...none, layer_id: id ?? null, status: "no_layer" });
      return;
    }
    const count = entry.levels.length;
    const level = Math.min(Math.max(this.deps.drawnLevel(id) ?? count - 1, 0), count - 1);
    const layer = state.layers.find((l) => l.id === id);
    const index = levelIndex(entry, layer, level, msg.position);
    const read = readSample(this.deps.store, entry, level, index);
    const reply = { ...none, layer_id: id, level, level_count: count, data_position: index };
    if (read.kind === "value") this.deps.send({ ...reply, status: "ok", value: wireValue(read.value) });
    else if (read.kind === "outside") this.deps.send({ ...reply, status: "outside" });
    else {
      this.startLoad(entry, level, read.chunks);
      this.deps.send({ ...reply, status: "loading" });
    }
  }

  /** Stop a background load. Never throws. */
  dispose(): void {
    this.disposed = true;
    this.load?.abort.abort();
    this.load = null;
  }

  private startLoad(entry: LayerEntry, level: number, chunks: ChunkRef[]): void {
    if (entry.kind !== "source" || chunks.length === 0) return;
    const key = `${entry.id}@${level}:${chunks[0]!.coords.join(",")}`;
    if (this.load?.key === key) return;
    this.load?.abort.abort();
    const load = { key, abort: new AbortController() };
    this.load = load;
    const done = (): void => {
      if (this.load === load) this.load = null;
    };
    // Failures are the render path's to report (it loads the same chunks); a pick just asks again.
    this.deps.store.load(entry.source, level, chunks.slice(0, 1), load.abort.signal).then(done, done);
  }
}

/** The top (last drawn) visible layer that has data. */
function topVisible(layers: readonly LayerState[], entries: ReadonlyMap<string, LayerEntry>): string | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    if (l.visible && entries.has(l.id)) return l.id;
  }
  return undefined;
}
