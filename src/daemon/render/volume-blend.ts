/**
 * Blending pixels that carry their own alpha (3D `translucent` rendering) onto the frame, per
 * RGB channel, float64, rounded half up like blend.ts; a = (pixel alpha / 255) * opacity:
 *   translucent, translucent_no_depth: out = floor(src*a + dst*(1-a) + 0.5)
 *   additive:                          out = min(255, floor(dst + src*a + 0.5))
 *   opaque:                            out = src (GL blending off: alpha and opacity ignored)
 * With pixel alpha 255 these are blend.ts's formulas. Transparent pixels (0) leave dst as is.
 */
import type { Blending } from "../../protocol/index.js";

export function blendRowAlpha(
  blending: Blending,
  opacity: number,
  row32: Uint32Array,
  row8: Uint8Array,
  out8: Uint8Array,
  base: number,
  first: number,
  last: number,
): void {
  for (let k = first; k < last; k++) {
    if (row32[k] === 0) continue;
    const s = k * 4;
    const o = (base + k) * 4;
    if (blending === "opaque") {
      out8[o] = row8[s]!;
      out8[o + 1] = row8[s + 1]!;
      out8[o + 2] = row8[s + 2]!;
      continue;
    }
    const a = (row8[s + 3]! / 255) * opacity;
    for (let c = 0; c < 3; c++) {
      const src = row8[s + c]!;
      const dst = out8[o + c]!;
      const v = blending === "additive" ? Math.floor(dst + src * a + 0.5) : Math.floor(src * a + dst * (1 - a) + 0.5);
      out8[o + c] = v > 255 ? 255 : v;
    }
  }
}
