/** Layer pixel data held by the daemon. Backed by SharedArrayBuffer so render workers read it without copies. */
import type { DType } from "../../protocol/index.js";

export type PixelArray =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface LayerData {
  readonly id: string;
  readonly dtype: DType;
  /** C-order shape, outermost first; the last two axes are (y, x). */
  readonly shape: readonly number[];
  /** Typed array view over a SharedArrayBuffer, length = product(shape). */
  readonly data: PixelArray;
}
