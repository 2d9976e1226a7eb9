/**
 * Image sources: what the scene resolver opens and hands to a ChunkStore.
 *
 * - openSource(uri): an OME-Zarr pyramid (NGFF 0.4 / Zarr v2, NGFF 0.5 / Zarr v3), a
 *   bioformats2raw layout (series 0) or a plain Zarr array, from an absolute path, a file://
 *   URL or an http(s) URL. Reads metadata only.
 * - memorySource(key, data): today's in-memory layer array as a one-level, one-chunk source.
 */
import type { ImageSource } from "./source-types.js";
import { openZarrSource } from "./zarr-source.js";

export type { AxisInfo, ChannelInfo, ImageSource, LevelInfo, SourceBackend, SourceInfo } from "./source-types.js";
export { memorySource } from "./memory-source.js";

/**
 * Open the dataset at `uri`. Rejects with NapariCudaError: not_found (missing path, HTTP 404),
 * invalid_source (not OME-Zarr naming what is missing, unknown codec, malformed metadata,
 * unreachable server, relative path), invalid_data (unsupported dtype or fewer than 2 axes).
 */
export function openSource(uri: string, opts: { signal?: AbortSignal } = {}): Promise<ImageSource> {
  return openZarrSource(uri, opts);
}
