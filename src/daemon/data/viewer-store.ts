/** Layer data of every viewer in the daemon, with a total byte budget. */
import { NapariCudaError, type DType } from "../../protocol/index.js";
import { createLayerData, layerNbytes } from "./layer-store.js";
import type { LayerData } from "./types.js";

/** Default budget: 8 GiB. */
export const DEFAULT_MAX_DATA_BYTES = 8 * 1024 ** 3;

const EMPTY: ReadonlyMap<string, LayerData> = new Map();

/** NAPARI_CUDA_MAX_DATA_BYTES (a positive integer) if set, else 8 GiB. */
export function maxDataBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.NAPARI_CUDA_MAX_DATA_BYTES?.trim();
  if (!text) return DEFAULT_MAX_DATA_BYTES;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    const path = "NAPARI_CUDA_MAX_DATA_BYTES";
    throw new NapariCudaError("invalid_message", `${path} must be a positive integer (bytes)`, { path });
  }
  return n;
}

function bytesOf(data: LayerData): number {
  return data.data.byteLength;
}

export class ViewerStore {
  private readonly viewers = new Map<string, Map<string, LayerData>>();
  private total = 0;

  /** `maxBytes`: budget for all layers of all viewers together. */
  constructor(readonly maxBytes: number = maxDataBytesFromEnv()) {}

  /** Number of viewers. */
  get count(): number {
    return this.viewers.size;
  }

  /** Bytes held by all layers. */
  get totalBytes(): number {
    return this.total;
  }

  /** Make sure a viewer exists (a view may connect before any data arrives). */
  open(viewerId: string): void {
    if (!this.viewers.has(viewerId)) this.viewers.set(viewerId, new Map());
  }

  /** Layer data of a viewer by layer id; empty for an unknown viewer. */
  layers(viewerId: string): ReadonlyMap<string, LayerData> {
    return this.viewers.get(viewerId) ?? EMPTY;
  }

  /**
   * Store (or replace) a layer's array, copied into shared memory; opens the viewer.
   * Throws invalid_data (dtype/shape/nbytes) or too_large (over the budget, counting the
   * replaced array as freed). The budget is checked before anything is allocated.
   */
  setLayer(viewerId: string, layerId: string, dtype: DType, shape: readonly number[], bytes: Uint8Array): LayerData {
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
    const data = createLayerData(layerId, dtype, shape, bytes);
    this.open(viewerId);
    this.viewers.get(viewerId)!.set(layerId, data);
    this.total = after;
    return data;
  }

  /** Drop a layer's data. Throws unknown_viewer / unknown_layer. */
  removeLayer(viewerId: string, layerId: string): void {
    const layers = this.viewers.get(viewerId);
    if (!layers) throw new NapariCudaError("unknown_viewer", `no viewer ${viewerId}`, { path: "viewer_id" });
    const data = layers.get(layerId);
    if (!data)
      throw new NapariCudaError("unknown_layer", `no layer ${layerId} in viewer ${viewerId}`, { path: "layer_id" });
    layers.delete(layerId);
    this.total -= bytesOf(data);
  }

  /** Drop a viewer and its data; false when it did not exist. */
  close(viewerId: string): boolean {
    const layers = this.viewers.get(viewerId);
    if (!layers) return false;
    for (const data of layers.values()) this.total -= bytesOf(data);
    return this.viewers.delete(viewerId);
  }
}
