/**
 * Zarr stores (local directory or http(s) URL) and the translation of store/zarrita failures
 * into NapariCudaError codes. Used by the main thread (metadata) and the chunk workers (chunks).
 */
import FileSystemStore from "@zarrita/storage/fs";
import type { AbsolutePath, AsyncReadable, GetOptions, RangeQuery } from "@zarrita/storage";
import * as zarr from "zarrita";
import { isNapariCudaError, NapariCudaError } from "../../protocol/index.js";

/** Default limit for one HTTP request of a remote dataset (ms). */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/** NAPARI_CUDA_HTTP_TIMEOUT_MS (a positive integer) or the default. */
export function httpTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.NAPARI_CUDA_HTTP_TIMEOUT_MS?.trim() || DEFAULT_HTTP_TIMEOUT_MS);
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_HTTP_TIMEOUT_MS;
}

/**
 * A readable store over the Zarr root `root` (absolute directory, or http(s) URL when `remote`).
 * Each HTTP request gets a deadline: a server that accepts and never answers must not hold the
 * kernel's control requests (processed in order) for minutes.
 */
export function createStore(root: string, remote: boolean): AsyncReadable {
  if (!remote) return new FileSystemStore(root);
  const ms = httpTimeoutMs();
  return new zarr.FetchStore(root, {
    fetch: (request: Request) => fetch(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(ms)]) }),
  });
}

const METADATA_KEY = /(^|\/)(zarr\.json|\.zarray|\.zattrs|\.zgroup)$/;

/**
 * Wraps a store so metadata documents are read once: openSource reads them raw (to validate
 * dtype and codecs with clear messages) and then zarrita opens the same arrays.
 */
export function memoizeMetadata(store: AsyncReadable): AsyncReadable {
  const memo = new Map<string, Promise<Uint8Array | undefined>>();
  return {
    get(key: AbsolutePath, opts?: GetOptions) {
      if (!METADATA_KEY.test(key)) return store.get(key, opts);
      let p = memo.get(key);
      if (!p) {
        p = store.get(key, opts);
        memo.set(key, p);
        p.catch(() => memo.delete(key));
      }
      return p;
    },
    ...(store.getRange
      ? { getRange: (key: AbsolutePath, range: RangeQuery, opts?: GetOptions) => store.getRange!(key, range, opts) }
      : {}),
  };
}

/** True for the errors fetch/fs/zarrita raise when an AbortSignal fired. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

function causeText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  const code = (err as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  const inner = cause instanceof Error && cause.message !== err.message ? `: ${cause.message}` : "";
  return `${err.message}${inner}${code && !err.message.includes(code) ? ` (${code})` : ""}`;
}

/**
 * Map a failure while reading `what` (e.g. `level 1 chunk (0, 3, 2) of /data/img.zarr`) to a
 * NapariCudaError: zarrita NotFound -> not_found; unknown codec, corrupt chunk, bad metadata,
 * unreachable server, HTTP errors, I/O errors -> invalid_source. Abort errors pass through.
 */
export function toSourceError(err: unknown, what: string): unknown {
  if (isNapariCudaError(err) || isAbortError(err)) return err;
  if (zarr.isZarritaError(err, "NotFoundError")) {
    return new NapariCudaError("not_found", `${what}: not found${err.path ? ` (${err.path})` : ""}`, { cause: err });
  }
  if (zarr.isZarritaError(err, "UnknownCodecError")) {
    return new NapariCudaError("invalid_source", `${what}: unknown codec ${JSON.stringify(err.codec)}`, { cause: err });
  }
  if (zarr.isZarritaError(err, "CodecPipelineError")) {
    const codec = err.codec ? ` (codec ${JSON.stringify(err.codec)})` : "";
    return new NapariCudaError(
      "invalid_source",
      `${what}: corrupt chunk, cannot decode${codec}: ${causeText(err.cause)}`,
      {
        cause: err,
      },
    );
  }
  if (err instanceof Error && err.name === "TimeoutError") {
    return new NapariCudaError("invalid_source", `${what}: the server did not answer within ${httpTimeoutMs()} ms`, {
      cause: err,
    });
  }
  if (err instanceof TypeError && err.message === "fetch failed") {
    return new NapariCudaError("invalid_source", `${what}: cannot reach the server: ${causeText(err)}`, { cause: err });
  }
  return new NapariCudaError("invalid_source", `${what}: ${causeText(err)}`, { cause: err });
}
