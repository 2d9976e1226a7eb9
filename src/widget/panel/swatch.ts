/** Colormap swatches: a layer's colours (built-in name or custom LUT) as a CSS gradient. Pure. */
import { colormapRgb } from "../../protocol/colormaps.js";

/** 256 RGB entries, 768 bytes. */
export type Lut = Uint8Array;

const LUT_BYTES = 256 * 3;

/** Parse the `colormap_lut` trait (1536 hex chars, 256 RGB entries); null when absent or malformed. */
export function parseLutHex(hex: unknown): Lut | null {
  if (typeof hex !== "string" || hex.length !== LUT_BYTES * 2 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(LUT_BYTES);
  for (let i = 0; i < LUT_BYTES; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A built-in colormap's 256 RGB entries, or null for a name that is not built in. */
export function builtinLut(name: string): Lut | null {
  try {
    return colormapRgb(name);
  } catch {
    return null; // not a built-in name (colormapRgb throws for those)
  }
}

/** The colours of a layer: its custom LUT when it has one, else its built-in colormap's. */
export function layerLut(layer: { colormap: string; colormap_lut?: unknown }): Lut | null {
  return parseLutHex(layer.colormap_lut) ?? builtinLut(layer.colormap);
}

/** A left-to-right CSS gradient through `stops` evenly spaced LUT entries (ends included). */
export function gradientCss(lut: Lut, stops = 17): string {
  const n = Math.max(2, Math.min(256, Math.round(stops)));
  const parts: string[] = [];
  for (let k = 0; k < n; k++) {
    const i = Math.round((k * 255) / (n - 1));
    const pct = ((k * 100) / (n - 1)).toFixed(1);
    parts.push(`rgb(${lut[3 * i]}, ${lut[3 * i + 1]}, ${lut[3 * i + 2]}) ${pct}%`);
  }
  return `linear-gradient(to right, ${parts.join(", ")})`;
}
