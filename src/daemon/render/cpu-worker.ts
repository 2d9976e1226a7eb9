/**
 * Render worker loop. No top-level side effects: the single-file bundle imports this
 * module on the main thread too, and only calls runCpuRenderWorker() when
 * workerData.role === "cpu-render".
 */
import { parentPort } from "node:worker_threads";
import { isNapariCudaError } from "../../protocol/index.js";
import type { BandResult, BandTask, WireError } from "./cpu-worker-protocol.js";
import { renderLayers } from "./render3d.js";

function toWire(err: unknown): WireError {
  if (isNapariCudaError(err)) return { code: err.code, message: err.message, path: err.path };
  return { code: "render_failed", message: err instanceof Error ? err.message : String(err), path: undefined };
}

/** Serve band tasks from the parent thread until the worker is terminated. */
export function runCpuRenderWorker(): void {
  const port = parentPort;
  if (!port) throw new Error("runCpuRenderWorker must run in a worker thread");
  port.on("message", (task: BandTask) => {
    let result: BandResult;
    try {
      renderLayers(task.req, task.out, { y0: task.y0, y1: task.y1 });
      result = { id: task.id, ok: true };
    } catch (err) {
      result = { id: task.id, ok: false, error: toWire(err) };
    }
    port.postMessage(result);
  });
}
