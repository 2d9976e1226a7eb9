/**
 * Points layers on the wire: the table set_points carries (control.ts) and napari's symbol names.
 * A row holds the point's data coordinates (ndim, outermost first), then POINT_EXTRA_COLUMNS
 * values: size (data units), face colour, border colour (RGBA bytes packed into one integer,
 * r + 256 g + 65536 b + 16777216 a) and the symbol's index in POINT_SYMBOLS.
 */

/** napari's Symbol names (layers/points/_points_constants.py), in its order. */
export const POINT_SYMBOLS = [
  "arrow",
  "clobber",
  "cross",
  "diamond",
  "disc",
  "hbar",
  "ring",
  "square",
  "star",
  "tailed_arrow",
  "triangle_down",
  "triangle_up",
  "vbar",
  "x",
] as const;
export type PointSymbol = (typeof POINT_SYMBOLS)[number];

/** Columns after the coordinates: size, face, border, symbol. */
export const POINT_EXTRA_COLUMNS = 4;

/** RGBA bytes as the table holds them. */
export function packPointColor(r: number, g: number, b: number, a: number): number {
  return r + 256 * g + 65536 * b + 16777216 * a;
}

/** The RGBA bytes of a packed colour. */
export function unpackPointColor(packed: number): [number, number, number, number] {
  return [
    packed % 256,
    Math.floor(packed / 256) % 256,
    Math.floor(packed / 65536) % 256,
    Math.floor(packed / 16777216),
  ];
}
