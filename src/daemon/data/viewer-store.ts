/**
 * Layers of every viewer in the daemon: arrays the kernel sent (held in shared memory,
 * under a total byte budget), opened datasets and kernel-served lazy arrays (both read
 * through the chunk cache, which has its own budget).
 */
import { NapariCudaError, type DType } from "../../protocol/index.js";
import { memoryEntry, sourceEntry, type LayerEntry, type Selection } from "../scene/layer-entry.js";
import type { SourceRegistry } from "../scene/sources.js";
import { bytesFromEnv } from "../util/env-bytes.js";
import { createLayerData, layerNbytes } from "./layer-store.js";
import type { ImageSource } from "./source-types.js";

/** Default budget for arrays sent by kernels: 8 GiB. */
export const DEFAULT_MAX_DATA_BYTES = 8 * 1024 ** 3;
/** Budget bounds: below 1 MiB no useful image fits; 1 PiB is far above any node's memory (a typo guard). */
export const MIN_MAX_DATA_BYTES = 1024 ** 2;
export const MAX_MAX_DATA_BYTES = 1024 ** 5;

const EMPTY: ReadonlyMap<string, LayerEntry> = new Map();

/**
 * NAPARI_CUDA_MAX_DATA_BYTES (bytes, 1 MiB .. 1 PiB) if set, else 8 GiB: the memory budget of all
 * layer arrays together. Not the size limit of one message (NAPARI_CUDA_MAX_MESSAGE_BYTES, config.ts).
 * Throws invalid_message naming the variable.
 */
export function maxDataBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const name = "NAPARI_CUDA_MAX_DATA_BYTES";
  const n = bytesFromEnv(env, name, DEFAULT_MAX_DATA_BYTES);
  if (n < MIN_MAX_DATA_BYTES || n > MAX_MAX_DATA_BYTES) {
    throw new NapariCudaError(
      "invalid_message",
      `${name} must be in [${MIN_MAX_DATA_BYTES}, ${MAX_MAX_DATA_BYTES}] bytes (1 MiB .. 1 PiB), got ${n}`,
      { path: name },
    );
  }
  return n;
}

function bytesOf(entry: LayerEntry): number {
  return entry.kind === "memory" ? entry.data.data.byteLength : 0;
}

export class ViewerStore {
  private readonly viewers = new Map<string, Map<string, LayerEntry>>();
  private total = 0;

  /**
   * `maxBytes`: budget for all in-memory layers of all viewers; `sources`: where datasets are opened;
   * `onKernelSourceGone`: a kernel source's layer went and the source is disposed (drop its chunks).
   */
  constructor(
    readonly maxBytes: number = maxDataBytesFromEnv(),
    private readonly sources: SourceRegistry | null = null,
    private readonly onKernelSourceGone: (source: ImageSource) => void = () => undefined,
  ) {}

  /** Number of viewers. */
  get count(): number {
    return this.viewers.size;
  }

  /** Bytes held by in-memory layers. */
  get totalBytes(): number {
    return this.total;
  }

  /** Make sure a viewer exists (a view may connect before any data arrives). */
  open(viewerId: string): void {
    if (!this.viewers.has(viewerId)) this.viewers.set(viewerId, new Map());
  }

  /** Layers of a viewer by layer id, in the order they were set; empty for an unknown viewer. */
  layers(viewerId: string): ReadonlyMap<string, LayerEntry> {
    return this.viewers.get(viewerId) ?? EMPTY;
  }

  /**
   * Store (or replace) a layer's array, copied into shared memory; opens the viewer.
   * Throws invalid_data (dtype/shape/nbytes) or too_large (over the budget, counting the
   * replaced array as freed). The budget is checked before anything is allocated.
   */
  setLayer(viewerId: string, layerId: string, dtype: DType, shape: readonly number[], bytes: Uint8Array): LayerEntry {
    const nbytes = layerNbytes(dtype, shape);
    const old = this.viewers.get(viewerId)?.get(layerId);
    const after = this.total - (old ? bytesOf(old) : 0) + nbytes;
    if (after > this.maxBytes) {
      throw new NapariCudaError(
        "too_large",
        `layer ${layerId} (${nbytes} bytes) would bring the daemon's data to ${after} bytes, over its budget of ${this.maxBytes} (NAPARI_CUDA_MAX_DATA_BYTES)`,
        { path: "nbytes" },
      );
    }
    const entry = memoryEntry(createLayerData(layerId, dtype, shape, bytes));
    this.replace(viewerId, layerId, entry);
    this.total = after;
    return entry;
  }

  /**
   * Open a dataset as a layer (replacing any layer with that id). Throws not_found /
   * invalid_source from the source, invalid_message for a bad selection.
   */
  async openLayer(viewerId: string, layerId: string, uri: string, select: readonly Selection[]): Promise<LayerEntry> {
    if (!this.sources) throw new NapariCudaError("unsupported", "this daemon opens no datasets", { path: "uri" });
    const source = await this.sources.acquire(uri);
    let entry: LayerEntry;
    try {
      entry = sourceEntry(layerId, uri, source, select);
    } catch (err) {
      this.sources.release(uri);
      throw err;
    }
    const old = this.viewers.get(viewerId)?.get(layerId);
    this.total -= old ? bytesOf(old) : 0;
    this.replace(viewerId, layerId, entry);
    return entry;
  }

  /**
   * Show a kernel-served source as a layer (replacing any layer with that id); opens the viewer.
   * The layer owns the source: removing or replacing the layer disposes it. Throws invalid_message
   * when the source has fewer than 2 axes.
   */
  openKernelLayer(viewerId: string, layerId: string, source: ImageSource): LayerEntry {
    const entry = sourceEntry(layerId, source.info.uri, source, []);
    const old = this.viewers.get(viewerId)?.get(layerId);
    this.total -= old ? bytesOf(old) : 0;
    this.replace(viewerId, layerId, entry);
    return entry;
  }

  /** Drop a layer. Throws unknown_viewer / unknown_layer. */
  removeLayer(viewerId: string, layerId: string): void {
    const layers = this.viewers.get(viewerId);
    if (!layers) throw new NapariCudaError("unknown_viewer", `no viewer ${viewerId}`, { path: "viewer_id" });
    const entry = layers.get(layerId);
    if (!entry)
      throw new NapariCudaError("unknown_layer", `no layer ${layerId} in viewer ${viewerId}`, { path: "layer_id" });
    layers.delete(layerId);
    this.forget(entry);
  }

  /** Drop a viewer and its layers; false when it did not exist. */
  close(viewerId: string): boolean {
    const layers = this.viewers.get(viewerId);
    if (!layers) return false;
    for (const entry of layers.values()) this.forget(entry);
    return this.viewers.delete(viewerId);
  }

  private replace(viewerId: string, layerId: string, entry: LayerEntry): void {
    this.open(viewerId);
    const layers = this.viewers.get(viewerId)!;
    const old = layers.get(layerId);
    if (old?.kind === "source") this.releaseSource(old);
    layers.set(layerId, entry);
  }

  private forget(entry: LayerEntry): void {
    this.total -= bytesOf(entry);
    if (entry.kind === "source") this.releaseSource(entry);
  }

  /** Datasets are shared through the registry; a kernel source belongs to its one layer. */
  private releaseSource(entry: Extract<LayerEntry, { kind: "source" }>): void {
    if (entry.source.backend.kind !== "kernel") {
      this.sources?.release(entry.uri);
      return;
    }
    const { source } = entry;
    void source
      .dispose()
      .catch(() => undefined)
      .then(() => this.onKernelSourceGone(source));
  }
}
