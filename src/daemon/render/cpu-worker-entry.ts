/** Worker entry used when running from sources (tsx); the bundle's main.ts calls runCpuRenderWorker itself. */
import { runCpuRenderWorker } from "./cpu-worker.js";

runCpuRenderWorker();
