/** Layer arrays copied into SharedArrayBuffers, so render workers read them without copies. */
import { DTYPES, NapariCudaError, type DType } from "../../protocol/index.js";
import { arrayCtor } from "./dtype.js";
import type { LayerData, PixelArray } from "./types.js";

function viewAs(dtype: DType, sab: SharedArrayBuffer): PixelArray {
  return new (arrayCtor(dtype))(sab);
}

/** Largest number of axes an image layer may have (matches the state schema's limit). */
export const MAX_NDIM = 32;

/** Bytes per element of `dtype`. */
export function itemSize(dtype: DType): number {
  return arrayCtor(dtype).BYTES_PER_ELEMENT;
}

/** Check dtype and shape (2..32 positive integer axes) and return the array's byte size. */
export function layerNbytes(dtype: string, shape: readonly number[]): number {
  if (!(DTYPES as readonly string[]).includes(dtype)) {
    throw new NapariCudaError("invalid_data", `unsupported dtype ${JSON.stringify(dtype)}`, { path: "dtype" });
  }
  if (shape.length < 2 || shape.length > MAX_NDIM) {
    throw new NapariCudaError("invalid_data", `shape must have 2..${MAX_NDIM} axes, got [${shape.join(", ")}]`, {
      path: "shape",
    });
  }
  let count = 1;
  for (const n of shape) {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new NapariCudaError("invalid_data", `shape axes must be positive integers, got [${shape.join(", ")}]`, {
        path: "shape",
      });
    }
    count *= n;
  }
  return count * itemSize(dtype as DType);
}

/**
 * Copy `bytes` (C order, little-endian, as numpy's tobytes() on x86/ARM) into shared
 * memory as a layer array. Throws invalid_data when the byte count does not match
 * dtype and shape, too_large when the runtime cannot allocate it. NaN values are allowed.
 */
export function createLayerData(id: string, dtype: DType, shape: readonly number[], bytes: Uint8Array): LayerData {
  const nbytes = layerNbytes(dtype, shape);
  if (bytes.byteLength !== nbytes) {
    throw new NapariCudaError(
      "invalid_data",
      `dtype ${dtype} with shape [${shape.join(", ")}] needs ${nbytes} bytes, got ${bytes.byteLength}`,
      { path: "nbytes" },
    );
  }
  // Node 20 caps typed arrays at 2^32 elements; a failed allocation or view is "too large" too.
  let data: PixelArray;
  try {
    const sab = new SharedArrayBuffer(nbytes);
    new Uint8Array(sab).set(bytes);
    data = viewAs(dtype, sab);
  } catch (err) {
    throw new NapariCudaError("too_large", `cannot hold ${nbytes} bytes for layer ${id} in one array`, {
      cause: err,
      path: "nbytes",
    });
  }
  return { id, dtype, shape: Object.freeze([...shape]), data };
}
