/** Typed-array helpers per layer dtype, and the mapping from Zarr data types to ours. */
import { DTYPES, NapariCudaError, type DType } from "../../protocol/index.js";
import type { PixelArray } from "./types.js";

type PixelArrayCtor = {
  new (length: number): PixelArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): PixelArray;
  readonly BYTES_PER_ELEMENT: number;
};

const CTORS: Record<DType, PixelArrayCtor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** Constructor of the typed array holding `dtype`. */
export function arrayCtor(dtype: DType): PixelArrayCtor {
  return CTORS[dtype];
}

/** A zeroed array of `length` elements of `dtype`; `shared`: over a SharedArrayBuffer (render workers read it). */
export function allocPixels(dtype: DType, length: number, shared = false): PixelArray {
  const ctor = CTORS[dtype];
  return shared ? new ctor(new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT)) : new ctor(length);
}

/** The DType of a typed array, or null when it is not one of ours. */
export function dtypeOf(data: ArrayBufferView): DType | null {
  for (const d of DTYPES) if (data instanceof CTORS[d]) return d;
  return null;
}

// numpy type codes of Zarr v2 `dtype` strings ("<u2", "|u1", ">f8").
const V2_CODES: Record<string, DType> = {
  u1: "uint8",
  i1: "int8",
  u2: "uint16",
  i2: "int16",
  u4: "uint32",
  i4: "int32",
  f4: "float32",
  f8: "float64",
};

/**
 * Our DType for a Zarr data type: a v3 `data_type` name or a v2 numpy dtype string (either
 * byte order: zarrita swaps big-endian chunks). Throws invalid_data naming the dtype otherwise.
 */
export function dtypeFromZarr(zarrType: unknown, where: string): DType {
  if (typeof zarrType === "string") {
    if ((DTYPES as readonly string[]).includes(zarrType)) return zarrType as DType;
    const m = /^[<>|=]([a-z]\d+)$/.exec(zarrType);
    const d = m ? V2_CODES[m[1]!] : undefined;
    if (d) return d;
  }
  throw new NapariCudaError(
    "invalid_data",
    `${where}: dtype ${JSON.stringify(zarrType)} is not supported (supported: ${DTYPES.join(", ")})`,
    { path: "dtype" },
  );
}
