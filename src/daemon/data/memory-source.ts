/** An in-memory layer array (LayerData) seen as a one-level source whose single chunk is the whole array. */
import type { ImageSource, SourceInfo } from "./source-types.js";
import type { LayerData } from "./types.js";

/** Axis names for an n-D array with no metadata: the tail of (t, c, z, y, x), else dim_i. */
export function defaultAxisNames(ndim: number): string[] {
  const tczyx = ["t", "c", "z", "y", "x"];
  return ndim <= 5 ? tczyx.slice(5 - ndim) : Array.from({ length: ndim }, (_, i) => `dim_${i}`);
}

/** Wrap `data` without copying: one level, one chunk = the whole array, nothing to load. */
export function memorySource(key: string, data: LayerData): ImageSource {
  const shape = [...data.shape];
  const info: SourceInfo = {
    uri: `memory:${key}`,
    dtype: data.dtype,
    axes: defaultAxisNames(shape.length).map((name) => ({ name, type: null, unit: null })),
    levels: [{ path: "", shape, chunks: [...shape], factors: shape.map(() => 1), offset: shape.map(() => 0) }],
    scale: shape.map(() => 1),
    translate: shape.map(() => 0),
    name: null,
    ngff_version: null,
  };
  return { key, info, backend: { kind: "memory", data: data.data }, dispose: () => Promise.resolve() };
}
