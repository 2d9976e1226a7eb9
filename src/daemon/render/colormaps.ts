/**
 * Colormap lookup tables and the value -> colour rule, shared by every renderer.
 *
 * Exact semantics (the Python screenshot reference reproduces them bit for bit;
 * all arithmetic in IEEE float64, in this order):
 *
 *   v  = the data value as float64 (for `linear`, the interpolated value)
 *   NaN                          -> transparent (contributes nothing)
 *   t  = (v - lo) / (hi - lo)       lo, hi = contrast_limits
 *   t  = min(max(t, 0), 1)          (np.clip; +-Infinity clip to 1 / 0)
 *   t  = t ** gamma                 skipped when gamma == 1; gamma == 2 -> t*t and
 *                                   gamma == 0.5 -> sqrt(t) (numpy's fast paths for
 *                                   `**`); otherwise Math.pow (may differ from libm's
 *                                   pow by 1 ulp, which changes an index only when
 *                                   t*256 lies within 1 ulp of an integer)
 *   i  = min(255, floor(t * 256))   what matplotlib's cmap(t) does for floats in [0, 1]
 *   rgb = LUT[i], alpha 255
 *
 * LUT (256 RGB uint8 entries): the layer's `colormap_lut` when it has one, else the built-in table
 * of its `colormap` name (src/protocol/colormaps.ts documents the tables and how they are sampled;
 * e.g. gray: (i, i, i); viridis: round(255 * matplotlib.colormaps["viridis"](i)[:3])).
 *
 * Python equivalent (data cast to float64 first: NumPy 2 would keep float32):
 *   t = np.clip((v.astype(np.float64) - lo) / (hi - lo), 0, 1) ** gamma
 *   i = np.minimum(255, np.floor(t * 256).astype(np.int64)); rgb = lut[i]
 */
import { createHash } from "node:crypto";
import { COLORMAP_ENTRIES, colormapRgb, parseLutHex, type LayerState } from "../../protocol/index.js";

/** A colormap as the renderers use it. */
export interface ColormapTable {
  /** Hash of the table's contents: equal tables share it whatever their names (GPU and value-table caches). */
  readonly key: string;
  /** RGBA bytes, 256 entries, alpha 255. */
  readonly rgba: Uint8Array;
  /** The same entries as packed RGBA8 (platform byte order). */
  readonly rgba32: Uint32Array;
}

/** Tables kept per thread (custom ones arrive as hex with every state; parse each once). */
const MAX_CACHED = 64;
const cache = new Map<string, ColormapTable>();

function build(rgb: Uint8Array): ColormapTable {
  const rgba = new Uint8Array(COLORMAP_ENTRIES * 4);
  for (let i = 0; i < COLORMAP_ENTRIES; i++) {
    rgba[i * 4] = rgb[i * 3]!;
    rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
    rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  const key = createHash("sha256").update(rgb).digest("hex").slice(0, 32);
  return { key, rgba, rgba32: new Uint32Array(rgba.buffer, rgba.byteOffset, COLORMAP_ENTRIES) };
}

/**
 * The table a layer draws with: its `colormap_lut`, else its built-in name's (cached, do not modify).
 * Throws NapariCudaError (path `colormap` / `colormap_lut`) for an unknown name or a malformed table.
 */
export function layerColormap(layer: Pick<LayerState, "colormap" | "colormap_lut">): ColormapTable {
  const hex = layer.colormap_lut;
  // Hex tables hold only hex digits, so they never collide with the "name:" keys.
  const id = hex ?? `name:${layer.colormap}`;
  let table = cache.get(id);
  if (table) {
    cache.delete(id);
  } else {
    table = build(hex ? parseLutHex(hex) : colormapRgb(layer.colormap));
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  }
  cache.set(id, table);
  return table;
}

/** The RGBA table (256 * 4 bytes, alpha 255) of a built-in colormap name; cached, do not modify. */
export function colormapLut(name: string): Uint8Array {
  return layerColormap({ colormap: name, colormap_lut: null }).rgba;
}

/** Colormap index 0..255 of value `v` for contrast limits [lo, hi] and `gamma`, or -1 for NaN (see top). */
export function colorIndex(v: number, lo: number, hi: number, gamma: number): number {
  if (v !== v) return -1;
  let t = (v - lo) / (hi - lo);
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  if (gamma !== 1) t = gamma === 2 ? t * t : gamma === 0.5 ? Math.sqrt(t) : Math.pow(t, gamma);
  const i = Math.floor(t * 256);
  return i > 255 ? 255 : i;
}
