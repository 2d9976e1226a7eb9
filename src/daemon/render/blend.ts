/**
 * Blending one layer's colours onto the frame, napari's modes, per RGB channel
 * (float64, then rounded half up to uint8 after every layer, like an RGBA8 framebuffer):
 *   translucent, translucent_no_depth: out = floor(src*a + dst*(1-a) + 0.5)
 *   additive:                          out = min(255, floor(dst + src*a + 0.5))
 *   opaque:                            out = src (opacity ignored)
 * a = layer opacity. Transparent source pixels (NaN, outside the data) leave dst as is.
 * Frame alpha stays 255. translucent with a == 1 is exactly `out = src`, so it takes
 * the copy path; a == 0 (not opaque) leaves the frame unchanged, so the layer is skipped.
 */
import type { Blending, LayerState } from "../../protocol/index.js";
import type { LayerData } from "../data/types.js";
import type { RenderRequest } from "./types.js";

/** `replace` copies non-transparent pixels; `table` maps (src << 8 | dst) -> out per channel. */
export type BlendOp = { kind: "replace" } | { kind: "table"; table: Uint8Array };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** 256x256 tables are exact for any formula and cost one read per channel; keep a few. */
const MAX_CACHED = 8;
const cache = new Map<string, Uint8Array>();

function blendTable(kind: "mix" | "add", a: number): Uint8Array {
  const key = `${kind}|${a}`;
  let table = cache.get(key);
  if (table) return table;
  table = new Uint8Array(65536);
  const b = 1 - a;
  for (let src = 0; src < 256; src++) {
    for (let dst = 0; dst < 256; dst++) {
      const v = kind === "add" ? Math.floor(dst + src * a + 0.5) : Math.floor(src * a + dst * b + 0.5);
      table[(src << 8) | dst] = v > 255 ? 255 : v;
    }
  }
  cache.set(key, table);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return table;
}

/** A layer that can change the frame: visible, with data, and a blend operation. */
export interface DrawnLayer {
  layer: LayerState;
  data: LayerData;
  op: BlendOp;
}

/** The request's layers that can change the frame, bottom first. */
export function drawnLayers(req: RenderRequest): DrawnLayer[] {
  const out: DrawnLayer[] = [];
  for (const layer of req.state.layers) {
    if (!layer.visible) continue;
    const data = req.layers.get(layer.id);
    if (!data) continue;
    const op = blendOp(layer.blending, layer.opacity);
    if (op) out.push({ layer, data, op });
  }
  return out;
}

/** The blend operation for a layer, or null when the layer cannot change the frame. */
export function blendOp(blending: Blending, opacity: number): BlendOp | null {
  if (blending === "opaque") return { kind: "replace" };
  if (opacity <= 0) return null;
  if (blending === "additive") return { kind: "table", table: blendTable("add", opacity) };
  if (opacity >= 1) return { kind: "replace" };
  return { kind: "table", table: blendTable("mix", opacity) };
}

/**
 * Blend source pixels row32[first..last) (0 = transparent) onto the frame at pixel
 * `base + k` for row index k. row8/out8 are byte views of row32/out32.
 */
export function blendRow(
  op: BlendOp,
  row32: Uint32Array,
  row8: Uint8Array,
  out32: Uint32Array,
  out8: Uint8Array,
  base: number,
  first: number,
  last: number,
): void {
  if (op.kind === "replace") {
    for (let k = first; k < last; k++) {
      const s = row32[k]!;
      if (s !== 0) out32[base + k] = s;
    }
    return;
  }
  const table = op.table;
  if (LITTLE_ENDIAN) {
    // Word at a time: byte 0 is R, 1 is G, 2 is B, 3 is A (255 in the frame).
    for (let k = first; k < last; k++) {
      const s = row32[k]!;
      if (s === 0) continue;
      const d = out32[base + k]!;
      out32[base + k] =
        (table[((s & 255) << 8) | (d & 255)]! |
          (table[(s & 0xff00) | ((d >>> 8) & 255)]! << 8) |
          (table[((s >>> 8) & 0xff00) | ((d >>> 16) & 255)]! << 16) |
          0xff000000) >>>
        0;
    }
    return;
  }
  for (let k = first; k < last; k++) {
    if (row32[k] === 0) continue;
    const s = k * 4;
    const o = (base + k) * 4;
    out8[o] = table[(row8[s]! << 8) | out8[o]!]!;
    out8[o + 1] = table[(row8[s + 1]! << 8) | out8[o + 1]!]!;
    out8[o + 2] = table[(row8[s + 2]! << 8) | out8[o + 2]!]!;
  }
}
