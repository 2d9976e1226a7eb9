/**
 * What the daemon knows about an image source (an OME-Zarr pyramid, a plain Zarr array, an
 * in-memory layer array or a lazy array the kernel serves over /chunks): axes, levels and the level-0 world transform. Pixels are read through
 * a ChunkStore (chunk-store.ts). Re-exported by source.ts, which is the module to import.
 */
import type { DType } from "../../protocol/index.js";
import type { PixelArray } from "./types.js";

/** One axis of the source, from OME `axes` (type/unit null when the metadata has none). */
export interface AxisInfo {
  name: string;
  type: string | null;
  unit: string | null;
}

/** One resolution level; level 0 is the finest. */
export interface LevelInfo {
  /** Array path inside the group ("0", "s1", ...), "" for a plain array or memory. */
  path: string;
  /** C-order shape, all axes of the source. */
  shape: number[];
  /** Chunk shape (the inner chunk for sharded Zarr v3 arrays: the unit of reading). */
  chunks: number[];
  /** Downsample factors vs level 0 per axis (level-0 data units per level unit): scale_L / scale_0. */
  factors: number[];
  /** Where level pixel 0 sits in level-0 data coords: (translate_L - translate_0) / scale_0. */
  offset: number[];
}

/** Display defaults of one channel from OME `omero` metadata. */
export interface ChannelInfo {
  label: string | null;
  /** Hex RGB as written in the metadata (e.g. "FF0000"), or null. */
  color: string | null;
  /** omero window start/end. */
  window?: [number, number];
}

export interface SourceInfo {
  /**
   * Normalised location: an absolute local path or an http(s) URL; "memory:<key>" in memory;
   * "kernel:<server_id>/<source_id>" for a kernel-served array.
   */
  uri: string;
  dtype: DType;
  axes: AxisInfo[];
  levels: LevelInfo[];
  /** Level-0 world transform (world = scale * index + translate), defaults 1 / 0. */
  scale: number[];
  translate: number[];
  name: string | null;
  /** null for in-memory arrays and plain (non-OME) Zarr arrays. */
  ngff_version: "0.4" | "0.5" | null;
  channels?: ChannelInfo[];
  /** Kernel sources: the contrast range the kernel sampled (napari's default limits); no chunk is read for it. */
  contrast_range?: [number, number];
}

/** One chunk as the kernel sent it: C order, little-endian, `shape` = stop - start of the request. */
export interface KernelChunk {
  dtype: DType;
  shape: number[];
  bytes: Uint8Array;
}

/** One chunk request to a kernel's chunk server (level coords over all source axes, stop exclusive). */
export interface KernelChunkRequest {
  serverId: string;
  sourceId: string;
  level: number;
  start: number[];
  stop: number[];
  /** The source's dtype: a reply of another dtype is refused. */
  dtype: DType;
}

/**
 * Asks kernels for chunks (implemented by the server's chunk links, so data/ does not depend on
 * server/). Rejects with NapariCudaError compute_failed (the kernel's error, a bad reply, the
 * kernel gone or never connected) or an AbortError when `signal` aborts (the kernel is told to cancel).
 */
export interface KernelFetcher {
  fetch(req: KernelChunkRequest, signal: AbortSignal): Promise<KernelChunk>;
}

/**
 * Where a source's chunks come from. Internal to data/: the ChunkStore switches on `kind`;
 * the scene code only needs `info`.
 */
export type SourceBackend =
  | { kind: "memory"; data: PixelArray }
  | {
      kind: "zarr";
      /** Local directory (absolute) or http(s) URL of the Zarr root. */
      root: string;
      remote: boolean;
      zarrVersion: 2 | 3;
    }
  | {
      kind: "kernel";
      /** One chunk region of `level` (clipped to the level shape); see KernelFetcher for errors. */
      fetch(level: number, start: number[], stop: number[], signal: AbortSignal): Promise<KernelChunk>;
    };

export interface ImageSource {
  /** Unique per opened source (two opens of one URI get two keys); the chunk cache is keyed by it. */
  readonly key: string;
  readonly info: SourceInfo;
  /** @internal used by ChunkStore. */
  readonly backend: SourceBackend;
  /** Release the source. Idempotent; never throws. Drop its cached chunks with ChunkStore.drop(). */
  dispose(): Promise<void>;
}
