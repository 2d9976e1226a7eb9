/** LRU cache of decoded chunks with a byte budget. */
import { bytesFromEnv } from "../util/env-bytes.js";
import type { PixelArray } from "./types.js";

/** Default chunk cache budget: 2 GiB. */
export const DEFAULT_CACHE_BYTES = 2 * 1024 ** 3;

/** NAPARI_CUDA_CACHE_BYTES (a positive integer) if set, else 2 GiB. */
export function cacheBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return bytesFromEnv(env, "NAPARI_CUDA_CACHE_BYTES", DEFAULT_CACHE_BYTES);
}

/**
 * Least-recently-used map from chunk key to decoded chunk. Inserting past the budget evicts
 * the oldest entries, never the one just inserted (so a chunk larger than the budget is still
 * usable until the next insert).
 */
export class ChunkCache {
  // Map iteration order is insertion order: re-inserting on use keeps the LRU at the front.
  private readonly entries = new Map<string, PixelArray>();
  private total = 0;
  /** Entries evicted since creation. */
  evictions = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The chunk, marked most recently used; undefined when absent. */
  get(key: string): PixelArray | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  /** True when present; does not touch recency. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: PixelArray): void {
    this.delete(key);
    this.entries.set(key, value);
    this.total += value.byteLength;
    for (const [k, v] of this.entries) {
      if (this.total <= this.maxBytes || k === key) break;
      this.entries.delete(k);
      this.total -= v.byteLength;
      this.evictions++;
    }
  }

  delete(key: string): boolean {
    const v = this.entries.get(key);
    if (v === undefined) return false;
    this.entries.delete(key);
    this.total -= v.byteLength;
    return true;
  }

  /** Drop every entry whose key starts with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.delete(k);
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
