/**
 * Overwrite a box of an in-memory layer array (`patch_layer_data`: a label edit from the kernel).
 * Everything is checked before one byte is written, so a refused patch leaves the array as it was:
 * the dtype must be the layer's, the box inside the array, the bytes exactly the box's. Writes go
 * into the array's SharedArrayBuffer row by row (the last axis is contiguous in both).
 */
import { NapariCudaError, type DType } from "../../protocol/index.js";
import { itemSize } from "./layer-store.js";
import type { LayerData } from "./types.js";

export interface LayerPatch {
  dtype: DType;
  start: readonly number[];
  shape: readonly number[];
  bytes: Uint8Array;
}

function invalid(message: string, path: string): NapariCudaError {
  return new NapariCudaError("invalid_data", message, { path });
}

/** Check `patch` against `data`; throws invalid_data naming the field. Returns the element count. */
export function checkPatch(data: LayerData, patch: LayerPatch): number {
  if (patch.dtype !== data.dtype) {
    throw invalid(`the patch is ${patch.dtype}, the layer is ${data.dtype}`, "dtype");
  }
  const nd = data.shape.length;
  if (patch.start.length !== nd || patch.shape.length !== nd) {
    throw invalid(
      `start and shape need ${nd} entries (the layer's axes)`,
      patch.start.length !== nd ? "start" : "shape",
    );
  }
  let count = 1;
  for (let a = 0; a < nd; a++) {
    const s = patch.start[a]!;
    const n = patch.shape[a]!;
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(n) || s < 0 || n < 1 || s + n > data.shape[a]!) {
      const box = `[${s}, ${s + n})`;
      throw invalid(`axis ${a}: the box ${box} is outside the layer's [0, ${data.shape[a]})`, "start");
    }
    count *= n;
  }
  const nbytes = count * itemSize(data.dtype);
  if (patch.bytes.byteLength !== nbytes) {
    throw invalid(`a box of ${count} ${data.dtype} values is ${nbytes} bytes, got ${patch.bytes.byteLength}`, "nbytes");
  }
  return count;
}

/** Write `patch` into `data` in place (checked first: nothing is written when it throws). */
export function applyPatch(data: LayerData, patch: LayerPatch): void {
  const count = checkPatch(data, patch);
  const item = itemSize(data.dtype);
  const target = new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength);
  const nd = data.shape.length;
  const rowLen = patch.shape[nd - 1]!;
  const rows = count / rowLen;
  // Element strides of the layer (C order).
  const strides = new Array<number>(nd).fill(1);
  for (let a = nd - 2; a >= 0; a--) strides[a] = strides[a + 1]! * data.shape[a + 1]!;
  const index = new Array<number>(nd - 1).fill(0); // position of the row within the box (outer axes)
  for (let r = 0; r < rows; r++) {
    let offset = patch.start[nd - 1]!;
    for (let a = 0; a < nd - 1; a++) offset += (patch.start[a]! + index[a]!) * strides[a]!;
    const src = r * rowLen * item;
    target.set(patch.bytes.subarray(src, src + rowLen * item), offset * item);
    for (let a = nd - 2; a >= 0; a--) {
      if (++index[a]! < patch.shape[a]!) break;
      index[a] = 0;
    }
  }
}
