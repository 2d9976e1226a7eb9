/**
 * Point markers as vispy draws them for napari (vispy/visuals/markers.py): each symbol is a signed
 * distance r(x, y) in device pixels from the marker's outline (negative inside) for a marker of
 * diameter `s`, with (x, y) the offset from its centre (y down, as on screen); the colour rule is
 * vispy's fragment shader (markerColor). Ported in float64; napari passes antialias 1.
 */
import type { PointSymbol } from "../../protocol/index.js";

export type MarkerSdf = (x: number, y: number, s: number) => number;

const SQRT2 = Math.SQRT2;
const SQRT3 = Math.sqrt(3);

function bars(x: number, y: number, s: number): number {
  const vbar = Math.max(Math.abs(x) - s / 6, Math.abs(y) - s / 2);
  const hbar = Math.max(Math.abs(y) - s / 6, Math.abs(x) - s / 2);
  return Math.min(vbar, hbar);
}

function arrow(x: number, y: number, s: number): number {
  const ady = Math.abs(y);
  const r1 = Math.abs(x) + ady - s / 2;
  const r2 = x + 0.25 * s + ady - s / 2;
  return Math.max(r1, -r2) / SQRT2;
}

function triangle(x: number, y: number, s: number, up: boolean): number {
  const h = ((up ? 1 : -1) * s * SQRT3) / 2;
  const sign = up ? 1 : -1;
  const bottom = sign * (y - h / 2);
  const rotated = (SQRT3 / 2) * x - 0.5 * (y - h / 6) + h / 6;
  const ccRotated = (-SQRT3 / 2) * x - 0.5 * (y - h / 6) + h / 6;
  return Math.max(Math.max(sign * (rotated - h / 2), sign * (ccRotated - h / 2)), bottom);
}

function clobber(x: number, y: number, s: number): number {
  const radius = 0.32 * s;
  const shift = (0.36 / SQRT3) * s;
  const py = y - 0.25 * shift;
  let r = Infinity;
  for (let k = 0; k < 3; k++) {
    const t = -Math.PI / 2 + (k * 2 * Math.PI) / 3;
    const dx = x - Math.cos(t) * shift;
    const dy = py - Math.sin(t) * shift;
    r = Math.min(r, Math.sqrt(dx * dx + dy * dy) - radius);
  }
  return r;
}

function star(x: number, y: number, s: number): number {
  const shiftY = -0.05 * s;
  const c18 = Math.cos(Math.PI / 10);
  const s18 = Math.sin(Math.PI / 10);
  let out = -10000;
  for (let i = 0; i <= 4; i++) {
    const a = (i * 2 * Math.PI) / 5;
    const sx = i === 0 ? x : Math.cos(a) * x - Math.sin(a) * (y + shiftY);
    const sy = i === 0 ? y + shiftY : Math.sin(a) * x + Math.cos(a) * (y + shiftY);
    const top = -s / 2;
    const left = c18 * sx - s18 * (sy - top);
    const right = c18 * sx + s18 * (sy - top);
    const spike = Math.max(sy - s / 10, Math.max(left, -right));
    out = i === 0 ? spike : Math.min(out, spike);
  }
  return out;
}

function tailedArrow(x: number, y: number, s: number): number {
  const ady = Math.abs(y);
  const head = Math.max(Math.abs(x) + ady - s / 2, -(x + 0.25 * s + ady - s / 2));
  let tail = Math.max(ady - s / 8 / SQRT2, -x - s / 2);
  let scale = 1;
  const right = x + ady - s / 2;
  if (right >= tail) {
    tail = right;
    scale = SQRT2;
  }
  return head <= tail ? head / SQRT2 : tail / scale;
}

/** The signed distance of each napari symbol. */
export const MARKERS: Record<PointSymbol, MarkerSdf> = {
  // Math.sqrt, not Math.hypot: the same value here and several times faster in V8.
  disc: (x, y, s) => Math.sqrt(x * x + y * y) - s / 2,
  ring: (x, y, s) => Math.max(Math.sqrt(x * x + y * y) - s / 2, -(Math.sqrt(x * x + y * y) - s / 4)),
  square: (x, y, s) => Math.max(Math.abs(x), Math.abs(y)) - s / 2,
  diamond: (x, y, s) => (Math.abs(x) + Math.abs(y) - s / 2) / SQRT2,
  cross: bars,
  x: (x, y, s) => bars((x + y) / SQRT2, (y - x) / SQRT2, s),
  vbar: (x, y, s) => Math.max(Math.abs(x) - s / 6, Math.abs(y) - s / 2),
  hbar: (x, y, s) => Math.max(Math.abs(y) - s / 6, Math.abs(x) - s / 2),
  arrow,
  tailed_arrow: tailedArrow,
  triangle_up: (x, y, s) => triangle(x, y, s, true),
  triangle_down: (x, y, s) => triangle(x, y, s, false),
  clobber,
  star,
};

/** Straight RGBA (0..1) of a marker pixel, written to `out`; false when the pixel is outside it. */
export function markerColor(
  r: number,
  edge: number,
  aa: number,
  face: ArrayLike<number>,
  border: ArrayLike<number>,
  out: Float64Array,
): boolean {
  if (r > 0.5 * edge + aa) return false;
  const t = Math.max(0.5 * edge - aa, 0);
  const d = Math.abs(r) - t;
  const edgeAlpha = Math.min(edge, 1) * border[3]!;
  if (d < 0) return set(out, border, edgeAlpha);
  if (edge === 0) {
    if (r > -aa) {
      const k = aa > 0 ? 1 + r / aa : 1;
      return set(out, face, Math.exp(-k * k) * face[3]!);
    }
    return set(out, face, face[3]!);
  }
  const k = aa > 0 ? d / aa : Infinity;
  const alpha = Math.exp(-k * k);
  if (r > 0) return set(out, border, alpha * edgeAlpha);
  // GLSL mix(face, edge, alpha) on straight RGBA.
  for (let c = 0; c < 3; c++) out[c] = face[c]! + (border[c]! - face[c]!) * alpha;
  out[3] = face[3]! + (edgeAlpha - face[3]!) * alpha;
  return true;
}

function set(out: Float64Array, rgb: ArrayLike<number>, alpha: number): boolean {
  out[0] = rgb[0]!;
  out[1] = rgb[1]!;
  out[2] = rgb[2]!;
  out[3] = alpha;
  return true;
}
