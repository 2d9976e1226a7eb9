/**
 * napari's label colours (the Labels layer's cyclic colormap), the same mapping as the kernel's
 * napari_cuda._label_colors (documented there, with links to napari's source):
 * - a table is N RGBA rows (bytes, alpha 255); viewer.add_labels uses labelColorTable(49, 0.5);
 * - label v is drawn with row (v - 1) mod (N - 1) + 1 (floor modulo, so negative labels cycle
 *   too); the background value 0 is transparent and row 0 is never drawn;
 * - with showSelectedLabel only the value selectedLabel keeps its colour.
 * Tables of layer.new_colormap(seed) come from numpy's random generator: the kernel computes them
 * (shuffled_color_table) and sends the rows; labelColorTable only builds the seeded default kind.
 */
import { NapariCudaError } from "./errors.js";

/** viewer.add_labels's number of colours (its table has one more row, row 0). */
export const DEFAULT_LABEL_NUM_COLORS = 49;
/** viewer.add_labels's seed of the quasi-random sequence (only its fraction matters). */
export const DEFAULT_LABEL_SEED = 0.5;
/** napari's limit on a cyclic table's rows. */
export const MAX_LABEL_TABLE_ROWS = 65536;

/** A label value: an integer number (exact up to 2^53) or a bigint (any int64/uint64). */
export type LabelValue = number | bigint;

/** How a layer shows its labels (napari's names, camel-cased). */
export interface LabelColorOptions {
  /** The label drawn when showSelectedLabel is set; default 1. */
  selectedLabel?: LabelValue;
  /** Draw only selectedLabel; default false. */
  showSelectedLabel?: boolean;
  /** The transparent value; default 0. */
  backgroundValue?: LabelValue;
  /** The data's dtype, for napari's dtype edges (labelRow); default: none (the pure rule). */
  dtype?: LabelDtype;
}

// napari's Lab bounds of the sRGB cube, and scikit-image's lab2rgb constants: rgb_from_xyz is
// numpy.linalg.inv of skimage's xyz_from_rgb, written with every bit.
const LABMIN = [0.0, -86.18302974, -107.85730021] as const;
const LABMAX = [100.0, 98.23305386, 94.47812228] as const;
const RGB_FROM_XYZ = [
  [3.2404813432005266, -1.5371515162713183, -0.4985363261688878],
  [-0.9692549499965682, 1.8759900014898907, 0.04155592655829284],
  [0.055646639135177166, -0.20404133836651123, 1.0573110696453443],
] as const;
const D65 = [0.95047, 1.0, 1.08883] as const;
const R3 = [1.6180339887498948482, 1.32471795724474602596, 1.22074408460575947536] as const;

/** numpy's float remainder (sign of the divisor) for divisor 1. */
function frac1(x: number): number {
  const m = x % 1;
  return m !== 0 && m < 0 ? m + 1 : m;
}

/** scikit-image's lab2rgb of one Lab point (before clipping), as napari calls it; null unless inside (0, 1)^3. */
function labToRgbInside(L: number, a: number, b: number): [number, number, number] | null {
  const y = (L + 16.0) / 116.0;
  const x = a / 500.0 + y;
  const z = Math.max(y - b / 200.0, 0);
  const xyz = [x, y, z].map((t, i) => (t > 0.2068966 ? Math.pow(t, 3.0) : (t - 16.0 / 116.0) / 7.787) * D65[i]!);
  const rgb: number[] = [];
  for (const m of RGB_FROM_XYZ) {
    const lin = xyz[0]! * m[0] + xyz[1]! * m[1] + xyz[2]! * m[2];
    const c = lin > 0.0031308 ? 1.055 * Math.pow(lin, 1 / 2.4) - 0.055 : lin * 12.92;
    // skimage clips to [0, 1] and napari then keeps colours strictly inside the cube.
    if (!(c > 0 && c < 1)) return null;
    rgb.push(c);
  }
  return [rgb[0]!, rgb[1]!, rgb[2]!];
}

/** napari's _color_random: the first n colours of the seeded R3 sequence of Lab points inside sRGB. */
function colorRandom(n: number, seed: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; out.length < n; i++) {
    const p = R3.map((phi, d) => frac1(seed + i * (1 / phi)) * (LABMAX[d]! - LABMIN[d]!) + LABMIN[d]!);
    const rgb = labToRgbInside(p[0]!, p[1]!, p[2]!);
    if (rgb) out.push(rgb);
  }
  return out;
}

/** napari's low_discrepancy_image(i, seed), computed in float32 as napari does. */
function lowDiscrepancy(i: number, seed: number): number {
  if (i === 0) return 0;
  const f = Math.fround;
  const t = f(f(i * f(0.6180339887498948482)) + f(seed));
  return f(1 / 256 + f(0.9921875 * f(t - Math.floor(t))));
}

/** numpy's searchsorted(sorted, t, "right"): how many entries are <= t. */
function searchRight(sorted: number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * napari's label_colormap(numColors, seed).colors as (numColors + 1) RGBA rows of bytes; the
 * defaults give viewer.add_labels's table.
 */
export function labelColorTable(numColors = DEFAULT_LABEL_NUM_COLORS, seed = DEFAULT_LABEL_SEED): Uint8Array {
  if (!Number.isInteger(numColors) || numColors < 1 || numColors >= MAX_LABEL_TABLE_ROWS) {
    throw new NapariCudaError("invalid_message", `numColors must be an integer in [1, 65535], got ${numColors}`, {
      path: "numColors",
    });
  }
  if (!Number.isFinite(seed)) {
    throw new NapariCudaError("invalid_message", `seed must be a finite number, got ${seed}`, { path: "seed" });
  }
  const colors = colorRandom(numColors + 2, seed);
  // Controls [0, linspace(1e-5, 1 - 1e-5, numColors + 1), 1] as numpy's linspace computes them.
  const step = (1 - 0.00001 - 0.00001) / numColors;
  const controls = [0];
  for (let k = 0; k < numColors; k++) controls.push(k * step + 0.00001);
  controls.push(1 - 0.00001, 1.0);
  const table = new Uint8Array((numColors + 1) * 4);
  for (let i = 0; i <= numColors; i++) {
    const t = lowDiscrepancy(i, seed);
    const rgb = colors[searchRight(controls, t) - 1]!;
    for (let c = 0; c < 3; c++) table[i * 4 + c] = Math.trunc(rgb[c]! * 255);
    table[i * 4 + 3] = 255;
  }
  return table;
}

function checkTable(table: Uint8Array): number {
  const rows = table.length / 4;
  if (!Number.isInteger(rows) || rows < 2 || rows > MAX_LABEL_TABLE_ROWS) {
    throw new NapariCudaError(
      "invalid_message",
      `label table must hold 2..65536 RGBA rows, got ${table.length} bytes`,
      {
        path: "table",
      },
    );
  }
  return rows;
}

function checkValue(value: LabelValue, path: string): void {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new NapariCudaError(
      "invalid_message",
      `${path} must be an integer within +-2^53 (or a bigint), got ${value}`,
      {
        path,
      },
    );
  }
}

function sameLabel(a: LabelValue, b: LabelValue): boolean {
  return typeof a === typeof b ? a === b : BigInt(a) === BigInt(b);
}

/** numpy integer dtypes of label data. */
export type LabelDtype = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "uint64" | "int64";

function dtypeRange(dtype: LabelDtype): { min: bigint; max: bigint } {
  const bits = BigInt(Number(dtype.replace(/^u?int/, "")));
  if (dtype.startsWith("u")) return { min: 0n, max: (1n << bits) - 1n };
  return { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n };
}

/**
 * Row of an nRows table for a label: (v - 1) mod (nRows - 1) + 1 (floor modulo), 0 for the
 * background value. With `dtype`, napari's two dtype edges too: v - 1 wraps at a signed minimum
 * (int8 -128 is row 127 mod n + 1), and when nRows - 1 exceeds the dtype's maximum the row is v
 * (nRows + v below 0). Without it, the pure rule (every dtype's values but those edges).
 */
export function labelRow(
  value: LabelValue,
  nRows: number,
  backgroundValue: LabelValue = 0,
  dtype?: LabelDtype,
): number {
  checkValue(value, "value");
  if (sameLabel(value, backgroundValue)) return 0;
  const n = nRows - 1;
  if (dtype !== undefined) {
    const { min, max } = dtypeRange(dtype);
    const big = BigInt(value);
    if (big < min || big > max) {
      throw new NapariCudaError("invalid_message", `value ${value} is outside ${dtype}`, { path: "value" });
    }
    if (BigInt(n) > max) return big >= 0n ? Number(big) : nRows + Number(big);
    if (min < 0n && big === min) return Number(max % BigInt(n)) + 1;
  }
  // Reduce first so that v - 1 stays exact for every safe integer.
  const r = typeof value === "bigint" ? Number(value % BigInt(n)) : value % n;
  return ((((r - 1) % n) + n) % n) + 1;
}

/** The RGBA bytes napari draws a label with (transparent [0, 0, 0, 0] for hidden values). */
export function labelColor(
  value: LabelValue,
  table: Uint8Array = defaultTable(),
  options: LabelColorOptions = {},
): [number, number, number, number] {
  const row = labelRow(value, checkTable(table), options.backgroundValue ?? 0, options.dtype);
  if (row === 0 || (options.showSelectedLabel && !sameLabel(value, options.selectedLabel ?? 1))) return [0, 0, 0, 0];
  return [table[row * 4]!, table[row * 4 + 1]!, table[row * 4 + 2]!, table[row * 4 + 3]!];
}

/** Integer dtypes whose every value fits a lookup table (napari's uint8/uint16 textures). */
export type SmallLabelDtype = "uint8" | "int8" | "uint16" | "int16";

/**
 * RGBA bytes for every value of a small dtype, indexed by the value's raw unsigned bits (an int8
 * -1 is entry 255), as napari's label textures for (u)int8/(u)int16 data. Wider dtypes map each
 * value with labelRow/labelColor (napari reduces them on the CPU too).
 */
export function labelLookupTable(
  dtype: SmallLabelDtype,
  table: Uint8Array = defaultTable(),
  options: LabelColorOptions = {},
): Uint8Array {
  checkTable(table);
  const bits = dtype.endsWith("16") ? 16 : 8;
  const size = 2 ** bits;
  const signed = dtype.startsWith("int");
  const lut = new Uint8Array(size * 4);
  for (let raw = 0; raw < size; raw++) {
    const value = signed && raw >= size / 2 ? raw - size : raw;
    lut.set(labelColor(value, table, { ...options, dtype }), raw * 4);
  }
  return lut;
}

let cachedDefault: Uint8Array | null = null;

/** viewer.add_labels's table (computed once; callers must not modify it). */
export function defaultTable(): Uint8Array {
  cachedDefault ??= labelColorTable();
  return cachedDefault;
}
