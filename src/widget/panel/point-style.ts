/**
 * A points layer's current style as its state entry carries it (the kernel's Points._wire:
 * current_size, current_face_color / current_border_color as '#rrggbbaa', current_symbol), read
 * defensively (an older kernel sends none: napari's defaults), and the colour conversions the
 * panel's colour inputs need (a native colour input holds '#rrggbb' only: the alpha is kept). Pure.
 */
import type { PointStyle } from "../annotate/messages.js";
import type { LayerTrait } from "../state/traits.js";

/** napari's point symbols (src/protocol/points.ts; the kernel mirrors them), in napari's order. */
export { POINT_SYMBOLS } from "../../protocol/index.js";

/** The points entry's extra keys (the widget's own view of them: the wire's LayerState ignores them). */
export type PointsTrait = LayerTrait & {
  current_size?: unknown;
  current_face_color?: unknown;
  current_border_color?: unknown;
  current_symbol?: unknown;
};

export interface CurrentStyle {
  size: number;
  face: string;
  border: string;
  symbol: string;
}

/** napari's defaults: size 10, white faces, dimgray borders, discs. */
export const DEFAULT_STYLE: CurrentStyle = { size: 10, face: "#ffffffff", border: "#696969ff", symbol: "disc" };

const HEX8 = /^#[0-9a-f]{8}$/;

/** The layer's current style; a missing or malformed value is napari's default. */
export function currentStyle(layer: PointsTrait): CurrentStyle {
  const size = layer.current_size;
  const hex = (v: unknown, dflt: string): string => (typeof v === "string" && HEX8.test(v) ? v : dflt);
  const symbol = layer.current_symbol;
  return {
    size: typeof size === "number" && Number.isFinite(size) && size > 0 ? size : DEFAULT_STYLE.size,
    face: hex(layer.current_face_color, DEFAULT_STYLE.face),
    border: hex(layer.current_border_color, DEFAULT_STYLE.border),
    symbol: typeof symbol === "string" && symbol !== "" ? symbol : DEFAULT_STYLE.symbol,
  };
}

/** '#rrggbb' of a '#rrggbbaa' (what a colour input shows). */
export function rgbOf(hex8: string): string {
  return hex8.slice(0, 7);
}

/** A colour input's '#rrggbb' with the alpha of `hex8` kept (napari's swatch keeps the alpha too). */
export function withAlpha(rgb: string, hex8: string): string {
  return `${rgb.toLowerCase()}${hex8.slice(7, 9) || "ff"}`;
}

/** The annotate op for a style change: only the fields given. */
export function pointStyleOp(style: PointStyle): { op: "set_point_style" } & PointStyle {
  const op: { op: "set_point_style" } & PointStyle = { op: "set_point_style" };
  if (style.size !== undefined) op.size = style.size;
  if (style.face_color !== undefined) op.face_color = style.face_color;
  if (style.border_color !== undefined) op.border_color = style.border_color;
  if (style.symbol !== undefined) op.symbol = style.symbol;
  return op;
}

/** The size slider's top: napari's 100, or more when the current size is larger. */
export function sizeMax(size: number): number {
  return Math.max(100, Math.ceil(size));
}
