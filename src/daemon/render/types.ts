/** Renderer contract: CPU (TypeScript, worker threads) now, GPU (native/) later; same semantics. */
import type { Canvas, ViewerState } from "../../protocol/index.js";
import type { LayerData } from "../data/types.js";

export interface RenderRequest {
  state: ViewerState;
  canvas: Canvas;
  /** Layer data by layer id; layers in `state` without data are skipped. */
  layers: ReadonlyMap<string, LayerData>;
}

export interface RenderedFrame {
  width: number;
  height: number;
  /** RGBA8, rows top-down, width*height*4 bytes, alpha 255 (background black). Empty (length 0) when a GPU
   *  renderer was configured to deliver only `nv12`. */
  rgba: Uint8Array;
  renderMs: number;
  /** The same frame as NV12 (BT.709 limited range, Y plane then interleaved UV), when the renderer makes it
   *  (GPU renderer with output "nv12"/"both"): hand it to an encoder opened with pixelFormat "nv12". */
  nv12?: Uint8Array;
  /** GPU timings (ms): layer uploads, draw (incl. uploads), capture (map + NV12 + copy to host). */
  gpu?: { uploadMs: number; drawMs: number; captureMs: number };
}

export interface Renderer {
  /** "cpu" or "gpu". */
  readonly name: string;
  render(req: RenderRequest, signal?: AbortSignal): Promise<RenderedFrame>;
  /** Give a frame's buffer back for reuse once it has been written to the encoder. Optional to call. */
  release(frame: RenderedFrame): void;
  /** Stop workers/contexts. Never throws. */
  dispose(): Promise<void>;
}
