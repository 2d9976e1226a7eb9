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
  /** RGBA8, rows top-down, width*height*4 bytes, alpha 255 (background black). */
  rgba: Uint8Array;
  renderMs: number;
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
