/** Messages between CpuRenderer (main thread) and its render workers. */
import type { ErrorCode } from "../../protocol/index.js";
import type { RenderRequest } from "./types.js";

/** workerData of every render worker; the bundle's main.ts dispatches on `role`. */
export const CPU_RENDER_ROLE = "cpu-render";

/** Render rows [y0, y1) of `req` into `out` (SharedArrayBuffer-backed, the whole frame). */
export interface BandTask {
  id: number;
  req: RenderRequest;
  y0: number;
  y1: number;
  out: Uint8Array;
}

export type BandResult = { id: number; ok: true } | { id: number; ok: false; error: WireError };

/** A NapariCudaError (or any error) flattened for postMessage. */
export interface WireError {
  code: ErrorCode;
  message: string;
  path: string | undefined;
}
