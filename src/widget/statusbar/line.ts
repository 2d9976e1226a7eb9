/**
 * What the status bar says, from what the view knows: napari's "<layer> [<coords>]: <value>"
 * plus the level. Coordinates and value always belong together: while the daemon's answer for
 * the cursor's newest position is on its way (a few ms), the last answered position and its value
 * stay; without any answer (no stream, 3D) the cursor's own coordinates show with no value. Pure.
 */
import type { StreamMetaLayer, StreamValue } from "../../protocol/stream.js";
import type { LayerTrait } from "../state/traits.js";
import { isLabels, labelCss } from "../util/label-swatch.js";
import { coordDecimals, EMPTY_HINT, formatCoords, levelText, NO_COORDS_3D, valueText } from "./format.js";

/** A pick answer with the position it was asked for. */
export interface Answer {
  position: readonly number[];
  reply: StreamValue;
}

export interface LineInput {
  layers: readonly LayerTrait[];
  /** The layer described (the top visible one). */
  layer: LayerTrait | undefined;
  axisLabels: readonly string[];
  /** Whether the cursor is over the canvas. */
  hovering: boolean;
  /** The cursor's world position (null in 3D or before the canvas is measured). */
  world: readonly number[] | null;
  answer: Answer | null;
  /** The described layer's entry in the latest meta (its level when there is no answer). */
  meta: StreamMetaLayer | undefined;
}

export interface Line {
  name: string;
  /** "[coords]: value", "[coords]", the empty-viewer hint, or "". */
  text: string;
  coords: string;
  value: string;
  /** Labels: the CSS colour of the label under the cursor (null for the background 0 or no value). */
  swatch: string | null;
  level: string;
}

export function statusLine(i: LineInput): Line {
  const blank = { name: "", coords: "", value: "", swatch: null, level: "" };
  if (i.layers.length === 0) return { ...blank, text: EMPTY_HINT };
  const layer = i.layer;
  if (layer === undefined) return { ...blank, text: "no visible layer" };
  const answer = i.answer?.reply.layer_id === layer.id ? i.answer : null;
  const level = answer
    ? levelText(answer.reply.level, answer.reply.level_count)
    : levelText(i.meta?.data_level ?? 0, i.meta?.level_count ?? 1);
  const out = { ...blank, name: layer.name, level, text: "" };
  if (!i.hovering) return out;
  if (i.world === null) return { ...out, text: `[${NO_COORDS_3D}]`, coords: NO_COORDS_3D };
  const position = answer?.position ?? i.world;
  // A points layer's shape is its table's (count, columns): its coordinates span the viewer's axes.
  const ndim = layer.kind === "points" ? position.length : layer.shape.length || position.length;
  const coords = formatCoords(position, i.axisLabels, ndim, coordDecimals(layer.scale, layer.translate));
  const labels = isLabels(layer);
  // A points layer's value is the index of the point under the cursor (napari's), none without one.
  const exact = labels || layer.kind === "points";
  const value = answer ? valueText(answer.reply.status, answer.reply.value, layer.dtype, exact) : "";
  const picked = answer?.reply.status === "ok" ? answer.reply.value : null;
  const swatch = labels && typeof picked === "number" ? labelCss(layer, picked) : null;
  return { ...out, text: `[${coords}]${value === "" ? "" : `: ${value}`}`, coords, value, swatch };
}
