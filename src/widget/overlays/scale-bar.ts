/**
 * napari's scale bar (napari/_vispy/overlays/scale_bar.py): a bar in the bottom-right corner whose
 * length is one of napari's preferred values (1, 2, 5, 10, ... 750) of a compact unit, the largest
 * below napari's 150 CSS px target at the current zoom ("50 µm", "1 mm"; never "1.5 mm"). 2D and 3D
 * alike: the orthographic 3D camera has one zoom.
 */
import type { OverlayGroup, OverlayItem } from "./scene.js";
import { parseUnit, prefixSymbol, prettyG, thousandsExponent } from "./units.js";

/** napari.utils._units.PREFERRED_VALUES. */
export const PREFERRED_VALUES: readonly number[] = [1, 2, 5, 10, 15, 20, 25, 50, 75, 100, 125, 150, 200, 500, 750];

/** napari's target bar length in canvas (CSS) px. */
export const TARGET_LENGTH = 150;

/** Bar in world units and its label. */
export interface ScaleBarLength {
  /** Length in world units. */
  world: number;
  /** Length in CSS px at the zoom. */
  css: number;
  /** "50 µm", "1 mm", "100" (no unit), "1000 px". */
  label: string;
}

/** bisect.bisect_left(PREFERRED_VALUES, x) - 1, at least 0: the largest value below x. */
function preferredBelow(x: number): number {
  let i = PREFERRED_VALUES.findIndex((v) => v >= x);
  if (i < 0) i = PREFERRED_VALUES.length;
  return PREFERRED_VALUES[Math.max(0, i - 1)]!;
}

/** Round away float noise (napari uses Decimal for the same reason: no "4.999999e-06"). */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * The bar for `zoom` CSS px per world unit, where one world unit is `unit` ("micrometer", "10 nm",
 * null = a plain number), as napari's _calculate_best_length: rescale the target length to a
 * compact SI prefix, take the preferred value below it.
 */
export function scaleBarLength(zoom: number, unit: string | null, target = TARGET_LENGTH): ScaleBarLength {
  const u = parseUnit(unit);
  const quantity = (target / zoom) * u.factor; // in u.base (SI), else in u.symbol
  const e = thousandsExponent(quantity);
  // Cleaned before the comparison: 150 / 1e-3 * 1e-10 is 15.000000000000002 µm, not above 15.
  const value = clean(preferredBelow(clean(quantity / 10 ** e)) * 10 ** e);
  let label: string;
  const prefix = u.base === null ? null : prefixSymbol(e);
  if (u.base !== null && prefix !== null) {
    label = `${prettyG(clean(value / 10 ** e))} ${prefix}${u.base}`;
  } else if (u.base !== null) {
    label = `${prettyG(value)} ${u.base}`;
  } else {
    label = u.symbol === "" ? prettyG(value) : `${prettyG(value)} ${u.symbol}`;
  }
  const world = clean(value / u.factor);
  return { world, css: world * zoom, label };
}

/** Margin from the canvas corner, bar thickness, tick height, font size (CSS px; napari's look). */
const MARGIN = 10;
const LINE = 3;
const TICK = 11;
const FONT = 13;
const COLOR = "#ffffff";

/** The scale bar's items for a canvas of `width` x `height` CSS px. */
export function scaleBarGroup(bar: ScaleBarLength, width: number, height: number): OverlayGroup {
  const right = width - MARGIN;
  const left = right - bar.css;
  const y = height - MARGIN - TICK / 2;
  const items: OverlayItem[] = [
    {
      kind: "line",
      points: [
        [left, y],
        [right, y],
      ],
      closed: false,
      color: COLOR,
      width: LINE,
    },
    {
      kind: "line",
      points: [
        [left, y - TICK / 2],
        [left, y + TICK / 2],
      ],
      closed: false,
      color: COLOR,
      width: LINE,
    },
    {
      kind: "line",
      points: [
        [right, y - TICK / 2],
        [right, y + TICK / 2],
      ],
      closed: false,
      color: COLOR,
      width: LINE,
    },
    {
      kind: "text",
      at: [(left + right) / 2, y - TICK / 2 - 4],
      text: bar.label,
      color: COLOR,
      size: FONT,
      anchor: "middle",
      baseline: "alphabetic",
    },
  ];
  return {
    name: "napari-cuda-scale-bar",
    data: { label: bar.label, length: String(bar.css), left: String(left), right: String(right) },
    items,
  };
}
