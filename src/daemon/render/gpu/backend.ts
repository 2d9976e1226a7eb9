/**
 * Backend choice for the daemon (NAPARI_CUDA_BACKEND=auto|gpu|cpu): which renderer serves, and why.
 *   cpu  -> the CPU renderer.
 *   auto -> the GPU renderer when the addon loads and an EGL device with CUDA starts, else the CPU one.
 *   gpu  -> as auto, but a GPU that cannot start is logged as an error by the caller (`requestedButFailed`).
 * The GPU renderer draws every 2D and 3D frame and delivers RGBA (screenshots) plus NV12 (the encoder).
 */
import type { Renderer } from "../types.js";
import { GpuRenderer, type GpuOutput } from "./gpu-renderer.js";

import type { BackendRequest } from "../../config.js";

export type { BackendRequest };

export interface BackendChoice {
  renderer: Renderer;
  /** "gpu" or "cpu", and a sentence for the log, the HUD and viewer.info(). */
  backend: { name: "gpu" | "cpu"; reason: string };
  /** The encoder input format this renderer's frames carry best ("nv12" for the GPU). */
  pixelFormat: "rgba" | "nv12";
  /** True when gpu was requested explicitly and could not start (the caller logs it as an error). */
  requestedButFailed: boolean;
}

/** Start the renderer `request` asks for; never rejects for a missing GPU (falls back to `cpu()`). */
export async function startRenderer(
  request: BackendRequest,
  cpu: () => Renderer,
  env: NodeJS.ProcessEnv = process.env,
  output: GpuOutput = "both",
): Promise<BackendChoice> {
  if (request === "cpu") {
    const reason = "cpu requested (NAPARI_CUDA_BACKEND=cpu)";
    return { renderer: cpu(), backend: { name: "cpu", reason }, pixelFormat: "rgba", requestedButFailed: false };
  }
  let why: string;
  try {
    const gpu = await GpuRenderer.create({ output }, env);
    const reason = `${gpu.describe()}${request === "gpu" ? " (NAPARI_CUDA_BACKEND=gpu)" : ""}`;
    return { renderer: gpu, backend: { name: "gpu", reason }, pixelFormat: "nv12", requestedButFailed: false };
  } catch (err) {
    why = err instanceof Error ? err.message : String(err);
  }
  const reason = request === "gpu" ? `gpu requested (NAPARI_CUDA_BACKEND=gpu) but unavailable: ${why}` : why;
  return {
    renderer: cpu(),
    backend: { name: "cpu", reason },
    pixelFormat: "rgba",
    requestedButFailed: request === "gpu",
  };
}
