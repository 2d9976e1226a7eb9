/**
 * napari's axes overlay (viewer.axes, napari/_vispy/overlays/canvas_axes.py): one arrow per
 * displayed axis pinned to the canvas's bottom-left corner, coloured by the axis's position from the
 * last (x cyan, y magenta, z yellow: napari's CMYRGB in x, y, z order), labelled with the dims'
 * axis labels. In 2D x points right and y down; in 3D each arrow is the world axis seen through the
 * orbit camera (camera3d.ts's frame, the one the daemon renders with), 50 CSS px per unit as napari.
 */
import { cameraFrame } from "../../protocol/camera3d.js";
import { dimsNdim } from "../state/dims-model.js";
import type { DimsTrait } from "../state/traits.js";
import type { OverlayGroup, OverlayItem, Pt } from "./scene.js";

/** napari's CMYRGB, indexed by the axis's position from the last (0 = the last axis). */
export const AXIS_COLORS: readonly string[] = ["#00ffff", "#ff00ff", "#ffff00", "#ff0000", "#00ff00", "#0000ff"];

/** One displayed axis as an arrow on screen. */
export interface AxisArrow {
  /** Axis index in the dims (outermost first). */
  axis: number;
  label: string;
  color: string;
  /** Screen direction of the world axis's unit vector (CSS x right, y down), length <= 1. */
  dir: Pt;
  /** Component along the view direction: > 0 points away from the viewer (drawn first). */
  depth: number;
}

/** The arrows of the displayed axes, outermost first (z, y, x in 3D). */
export function axisArrows(dims: DimsTrait, angles: readonly number[]): AxisArrow[] {
  const nd = dims.ndisplay;
  const ndim = dimsNdim(dims);
  const frame = nd === 3 ? cameraFrame(angles) : null;
  const out: AxisArrow[] = [];
  for (let k = 0; k < nd; k++) {
    const axis = ndim - nd + k;
    const label = dims.axis_labels[axis];
    const fromLast = nd - 1 - k;
    let dir: Pt;
    let depth = 0;
    if (frame === null) dir = k === nd - 1 ? [1, 0] : [0, 1];
    else {
      dir = [frame.right[k]!, -frame.up[k]!];
      depth = frame.view[k]!;
    }
    out.push({
      axis,
      label: label === undefined || label === "" ? String(axis) : label,
      color: AXIS_COLORS[fromLast % AXIS_COLORS.length]!,
      dir,
      depth,
    });
  }
  return out;
}

/** napari: 1 unit = 50 CSS px; arrowhead from 0.9 to 1.02 units, 0.1 units wide; labels beyond. */
const UNIT = 50;
const MARGIN = 10;
const LINE = 3;
const FONT = 13;

/** Where the arrows start: napari's 100 px (2D) / 170 px (3D) box in the bottom-left corner. */
export function axesOrigin(ndisplay: number, height: number): Pt {
  if (ndisplay === 3) return [MARGIN + 85, height - MARGIN - 85];
  // 2D: the origin sits 0.35 units inside the box's top-left so x runs right and y down inside it.
  return [MARGIN + 17.5, height - MARGIN - 100 + 17.5];
}

function arrowItems(a: AxisArrow, o: Pt, labelAt: number): OverlayItem[] {
  const [dx, dy] = a.dir;
  const at = (t: number): Pt => [o[0] + dx * t * UNIT, o[1] + dy * t * UNIT];
  const len = Math.hypot(dx, dy);
  const r = 0.1 * UNIT;
  const items: OverlayItem[] = [];
  if (len > 1e-6) {
    const [px, py] = [-dy / len, dx / len];
    const base = at(0.9);
    items.push({ kind: "line", points: [o, base], closed: false, color: a.color, width: LINE });
    items.push({
      kind: "polygon",
      points: [at(1.02), [base[0] + px * r, base[1] + py * r], [base[0] - px * r, base[1] - py * r]],
      color: a.color,
    });
  }
  // The head's base disc, foreshortened by the axis's tilt (a full circle when it faces the viewer).
  const tilt = Math.abs(a.depth);
  if (tilt > 1e-6) {
    const angle = (Math.atan2(dy, dx) * 180) / Math.PI;
    items.push({ kind: "ellipse", at: at(0.9), rx: r * tilt, ry: r, angle, color: a.color });
  }
  const text: Pt = len > 0.3 ? at(labelAt / Math.max(len, 1e-9) + 1.02) : [o[0] + 12, o[1] - 12];
  items.push({
    kind: "text",
    at: text,
    text: a.label,
    color: a.color,
    size: FONT,
    anchor: "middle",
    baseline: "middle",
  });
  return items;
}

/** The axes' items for a canvas `height` CSS px tall; farther arrows first so nearer ones cover them. */
export function axesGroup(dims: DimsTrait, angles: readonly number[], height: number): OverlayGroup {
  const arrows = axisArrows(dims, angles).sort((a, b) => b.depth - a.depth);
  const o = axesOrigin(dims.ndisplay, height);
  // Labels a fixed screen distance past the tip, whatever the arrow's foreshortening.
  const labelAt = dims.ndisplay === 3 ? 0.36 : 0.3;
  return {
    name: "napari-cuda-axes",
    data: { ndisplay: String(dims.ndisplay), labels: arrows.map((a) => a.label).join(",") },
    items: arrows.flatMap((a) => arrowItems(a, o, labelAt)),
  };
}
