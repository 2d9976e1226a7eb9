/**
 * Kernel-served sources (lazy arrays: dask, zarr-python, h5py, xarray ...): the kernel declares the
 * levels and chunk grid in `open_kernel_layer`; each chunk is computed by the kernel on request over
 * /chunks (KernelFetcher). Chunks land in the ChunkStore's cache padded to the full chunk shape (edge
 * chunks arrive clipped to the level), so region copies treat them like Zarr chunks.
 */
import { NapariCudaError, type OpenKernelLayer } from "../../protocol/index.js";
import { allocPixels, arrayCtor } from "./dtype.js";
import { copyChunk, size } from "./region.js";
import type { ImageSource, KernelFetcher, LevelInfo, SourceInfo } from "./source-types.js";
import type { PixelArray } from "./types.js";

let nextKey = 0;

/** How a chunk server's link was lost: another connection took over, or it closed / never came. */
export type LinkLoss = "reconnected" | "gone";

/**
 * A kernel chunk failed because of its /chunks link, not the user's code (compute_failed on the
 * wire): the kernel's chunk server reconnected, went away or never connected. `back` resolves when
 * a live link serves `serverId` again (at once after a reconnect), so a view can ask again then.
 */
export class KernelLinkError extends NapariCudaError {
  constructor(
    readonly loss: LinkLoss,
    readonly serverId: string,
    message: string,
    readonly back: Promise<void>,
  ) {
    super("compute_failed", message);
  }
}

/** The error of a kernel source's requests once it is disposed: a cancellation (AbortError), not a failure. */
function removedError(uri: string): DOMException {
  return new DOMException(`${uri} was removed: chunk request aborted`, "AbortError");
}

/**
 * The source of an `open_kernel_layer` request (already schema-checked). Throws too_large naming
 * `levels[i].chunks` when one chunk is over `maxChunkBytes` (it could not travel or be cached).
 * dispose() aborts the source's requests in flight (the kernel is told to cancel them): they, and any
 * later fetch, reject with an AbortError, which callers treat as a cancellation, never a failure.
 */
export function kernelSource(req: OpenKernelLayer, fetcher: KernelFetcher, maxChunkBytes: number): ImageSource {
  const uri = `kernel:${req.server_id}/${req.source_id}`;
  const info: SourceInfo = {
    uri,
    dtype: req.dtype,
    axes: req.axes.map((a) => ({ ...a })),
    levels: req.levels.map((l) => ({
      path: "",
      // Clip the chunk shape to the level: a chunk axis longer than the level is one chunk anyway.
      shape: [...l.shape],
      chunks: l.chunks.map((c, k) => Math.min(c, l.shape[k]!)),
      factors: [...l.factors],
      offset: [...l.offset],
    })),
    scale: [...req.scale],
    translate: [...req.translate],
    name: req.name,
    ngff_version: null,
    contrast_range: [req.contrast_range[0], req.contrast_range[1]],
  };
  const item = arrayCtor(req.dtype).BYTES_PER_ELEMENT;
  for (const [i, l] of info.levels.entries()) {
    const bytes = size(l.chunks) * item;
    if (bytes > maxChunkBytes) {
      throw new NapariCudaError(
        "too_large",
        `levels[${i}].chunks [${l.chunks.join(", ")}] is ${bytes} bytes a chunk, over ${maxChunkBytes}: use smaller chunks`,
        { path: `levels[${i}].chunks` },
      );
    }
  }
  const running = new Set<AbortController>();
  let disposed = false;
  return {
    key: `${uri}#${++nextKey}`,
    info,
    backend: {
      kind: "kernel",
      fetch: async (level, start, stop, signal) => {
        if (disposed) throw removedError(uri);
        const abort = new AbortController();
        const onAbort = (): void => abort.abort(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        if (signal.aborted) onAbort();
        running.add(abort);
        try {
          const r = { serverId: req.server_id, sourceId: req.source_id, level, start, stop, dtype: req.dtype };
          return await fetcher.fetch(r, abort.signal);
        } finally {
          running.delete(abort);
          signal.removeEventListener("abort", onAbort);
        }
      },
    },
    dispose: () => {
      disposed = true;
      for (const a of running) a.abort(removedError(uri));
      running.clear();
      return Promise.resolve();
    },
  };
}

/**
 * Fetch chunk `coords` of a kernel source's level `level` and return it as a full chunk (C order,
 * shape `lvl.chunks`, zero padded past the level's edge). Rejects with compute_failed when the reply's
 * dtype, shape or byte count is not the request's, or with the fetch's error.
 */
export async function kernelChunk(
  src: ImageSource,
  level: number,
  lvl: LevelInfo,
  coords: readonly number[],
  signal: AbortSignal,
): Promise<PixelArray> {
  const b = src.backend;
  if (b.kind !== "kernel") throw new Error("unreachable: not a kernel source");
  const start = coords.map((c, k) => c * lvl.chunks[k]!);
  const stop = start.map((a, k) => Math.min(a + lvl.chunks[k]!, lvl.shape[k]!));
  const shape = stop.map((s, k) => s - start[k]!);
  const got = await b.fetch(level, start, stop, signal);
  const what = `${src.info.uri}: level ${level} chunk (${coords.join(", ")})`;
  const bad = (path: string, message: string): NapariCudaError =>
    new NapariCudaError("compute_failed", `${what}: ${message}`, { path });
  const { dtype } = src.info;
  if (got.dtype !== dtype) throw bad("dtype", `the kernel sent ${got.dtype}, the layer is ${dtype}`);
  if (got.shape.length !== shape.length || got.shape.some((n, k) => n !== shape[k])) {
    throw bad("shape", `the kernel sent shape [${got.shape.join(", ")}], expected [${shape.join(", ")}]`);
  }
  const n = size(shape);
  const item = arrayCtor(dtype).BYTES_PER_ELEMENT;
  if (got.bytes.byteLength !== n * item) throw bad("nbytes", `${got.bytes.byteLength} bytes, expected ${n * item}`);
  const full = size(lvl.chunks);
  const out = allocPixels(dtype, full);
  // Copy through bytes: the received buffer need not be aligned for the typed array.
  if (n === full) {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(got.bytes);
    return out;
  }
  const tight = allocPixels(dtype, n);
  new Uint8Array(tight.buffer, tight.byteOffset, tight.byteLength).set(got.bytes);
  const zeros = shape.map(() => 0);
  copyChunk(tight, zeros, shape, { start: zeros, stop: [...lvl.chunks] }, out);
  return out;
}
