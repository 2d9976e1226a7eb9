/**
 * Chunk worker loop: fetch (fs or HTTP) and decode (zarrita codecs) chunks off the main thread,
 * reply with a C-order typed array whose buffer is transferred. Several jobs run at once per
 * worker so network waits overlap decoding. No top-level side effects: the single-file bundle
 * imports this module on the main thread too and calls runChunkWorker() only in a worker whose
 * workerData.role is CHUNK_WORKER_ROLE.
 */
import { parentPort } from "node:worker_threads";
import * as zarr from "zarrita";
import { isNapariCudaError, NapariCudaError } from "../../protocol/index.js";
import type { ChunkJob, ChunkReply, ChunkRequest, WireError } from "./chunk-worker-protocol.js";
import { allocPixels, dtypeOf } from "./dtype.js";
import type { PixelArray } from "./types.js";
import { createStore, isAbortError, toSourceError } from "./zarr-store.js";

type AnyArray = zarr.Array<zarr.DataType, zarr.Readable>;

/** Opened arrays by source + path; bounded, oldest dropped first. */
const MAX_OPEN = 64;
const arrays = new Map<string, Promise<AnyArray>>();

function openArray(job: ChunkJob): Promise<AnyArray> {
  const k = `${job.source}\n${job.path}`;
  let p = arrays.get(k);
  if (!p) {
    const loc = zarr.root(createStore(job.root, job.remote)).resolve(job.path);
    p = (
      job.zarrVersion === 3 ? zarr.open.v3(loc, { kind: "array" }) : zarr.open.v2(loc, { kind: "array", attrs: false })
    ) as Promise<AnyArray>;
    arrays.set(k, p);
    p.catch(() => arrays.delete(k));
    if (arrays.size > MAX_OPEN) arrays.delete(arrays.keys().next().value!);
  }
  return p;
}

/** Copy a strided chunk (transpose codec, Fortran order) into C order. */
function toCOrder(data: PixelArray, shape: number[], stride: number[]): PixelArray {
  const n = shape.length;
  let c = 1;
  let isC = true;
  for (let k = n - 1; k >= 0; k--) {
    if (shape[k]! > 1 && stride[k] !== c) isC = false;
    c *= shape[k]!;
  }
  if (isC) return data;
  const out = allocPixels(dtypeOf(data)!, c);
  const idx = new Array<number>(n).fill(0);
  for (let i = 0; i < c; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += idx[k]! * stride[k]!;
    out[i] = data[s]!;
    for (let k = n - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Fetch + decode one chunk; throws NapariCudaError naming the chunk. */
export async function loadChunk(job: ChunkJob, signal?: AbortSignal): Promise<PixelArray> {
  try {
    const arr = await openArray(job);
    const chunk = await arr.getChunk(job.coords, signal ? { signal } : {});
    const data = chunk.data as PixelArray;
    const want = job.chunks.reduce((a, b) => a * b, 1);
    if (dtypeOf(data) !== job.dtype || data.length !== want) {
      const got = `${data.constructor.name}(${data.length})`;
      throw new NapariCudaError(
        "invalid_source",
        `${job.what}: corrupt chunk: decoded ${got}, expected ${want} ${job.dtype}`,
      );
    }
    return toCOrder(data, chunk.shape, chunk.stride);
  } catch (err) {
    throw toSourceError(err, job.what);
  }
}

function toWire(err: unknown): WireError {
  if (isNapariCudaError(err)) return { code: err.code, message: err.message, path: err.path };
  return { code: "internal", message: err instanceof Error ? err.message : String(err), path: undefined };
}

/** Serve chunk jobs from the parent thread until the worker is terminated. */
export function runChunkWorker(): void {
  const port = parentPort;
  if (!port) throw new Error("runChunkWorker must run in a worker thread");
  const running = new Map<number, AbortController>();
  port.on("message", (msg: ChunkRequest) => {
    if (msg.type === "cancel") {
      running.get(msg.id)?.abort();
      return;
    }
    const ac = new AbortController();
    running.set(msg.id, ac);
    loadChunk(msg, ac.signal).then(
      (data) => {
        running.delete(msg.id);
        // Transfer when the array owns its whole (non-shared) buffer, else send a compact copy.
        const own =
          data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
        const out = own ? data : data.slice();
        const reply: ChunkReply = { id: msg.id, ok: true, data: out };
        port.postMessage(reply, [out.buffer as ArrayBuffer]);
      },
      (err: unknown) => {
        running.delete(msg.id);
        const reply: ChunkReply = {
          id: msg.id,
          ok: false,
          aborted: ac.signal.aborted || isAbortError(err),
          error: toWire(err),
        };
        port.postMessage(reply);
      },
    );
  });
}
