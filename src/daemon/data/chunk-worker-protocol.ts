/** Messages between the ChunkStore (main thread) and its chunk worker threads. */
import type { DType, ErrorCode } from "../../protocol/index.js";
import type { PixelArray } from "./types.js";

/** workerData.role of chunk workers; src/daemon/main.ts dispatches on it in the bundle. */
export const CHUNK_WORKER_ROLE = "chunk-load";

/** Fetch and decode one chunk of the array at `path` below the Zarr root. */
export interface ChunkJob {
  type: "load";
  id: number;
  /** ImageSource.key: arrays opened in the worker are cached per source (a rewritten dataset is a new source). */
  source: string;
  root: string;
  remote: boolean;
  zarrVersion: 2 | 3;
  path: string;
  coords: number[];
  dtype: DType;
  /** Chunk shape (inner chunk when sharded); the reply holds this many elements, C order. */
  chunks: number[];
  /** Names the chunk in error messages, e.g. `/d/img.zarr: level 1 ("s1") chunk (0, 2, 3)`. */
  what: string;
}

/** Abort the fetch of a job (its reply then says aborted). */
export interface ChunkCancel {
  type: "cancel";
  id: number;
}

export type ChunkRequest = ChunkJob | ChunkCancel;

export interface WireError {
  code: ErrorCode;
  message: string;
  path: string | undefined;
}

export type ChunkReply =
  { id: number; ok: true; data: PixelArray } | { id: number; ok: false; aborted: boolean; error: WireError };
