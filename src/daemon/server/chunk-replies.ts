/** Checks of the kernel's /chunks answers against the daemon's requests (chunk-session.ts). */
import { NapariCudaError, type ChunkData } from "../../protocol/index.js";
import { arrayCtor } from "../data/dtype.js";
import type { KernelChunkRequest } from "../data/source-types.js";

/** The `req` of a raw kernel message, if it has a usable one (to fail that request when the message is bad). */
export function reqOf(text: string): number | null {
  try {
    const raw: unknown = JSON.parse(text);
    const r = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).req : undefined;
    return typeof r === "number" && Number.isSafeInteger(r) && r > 0 ? r : null;
  } catch {
    return null;
  }
}

/** A chunk region as the kernel names it: `[0:1, 1024:2048, 0:1024]`. */
export function span(req: KernelChunkRequest): string {
  return `[${req.start.map((a, k) => `${a}:${req.stop[k]}`).join(", ")}]`;
}

/** Why a chunk_data header does not answer `req` (dtype, shape = stop - start, nbytes), or null when it does. */
export function headerProblem(msg: ChunkData, req: KernelChunkRequest): NapariCudaError | null {
  const bad = (path: string, message: string): NapariCudaError =>
    new NapariCudaError("invalid_message", `chunk_data ${path}: ${message}`, { path });
  const shape = req.stop.map((b, k) => b - req.start[k]!);
  if (msg.dtype !== req.dtype) return bad("dtype", `${msg.dtype}, the layer is ${req.dtype}`);
  if (msg.shape.length !== shape.length || msg.shape.some((s, k) => s !== shape[k])) {
    return bad("shape", `[${msg.shape.join(", ")}], the request is [${shape.join(", ")}] (stop - start)`);
  }
  const n = shape.reduce((a, b) => a * b, 1) * arrayCtor(req.dtype).BYTES_PER_ELEMENT;
  return msg.nbytes === n ? null : bad("nbytes", `${msg.nbytes}, dtype and shape make ${n}`);
}
