/** Chunk worker entry used when running from sources (tsx); the bundle's main.ts calls runChunkWorker itself. */
import { runChunkWorker } from "./chunk-worker.js";

runChunkWorker();
