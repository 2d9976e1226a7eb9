/**
 * Points scenes the GPU must draw exactly like the CPU reference (points-draw.ts): all 14 symbols, per-point
 * sizes and colours (translucent faces and borders too), borders relative/absolute/none, zoom and pixel ratio,
 * n-D slices with out_of_slice_display off/on, 3D, points over an image and labels, opacity, additive and
 * opaque blending, antialiasing 0 and 3, an empty layer, and 10,000 points at 1280x720.
 */
import type { LayerData } from "../../src/daemon/data/types.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import { packPointColor, POINT_EXTRA_COLUMNS, POINT_SYMBOLS, type LayerState } from "../../src/protocol/index.js";
import { layer, layerData, request, rng } from "../unit/render/helpers.js";
import { labelPlane } from "./scenarios-labels.js";
import { view3d } from "./scenarios3d.js";

export interface PointScene {
  name: string;
  req: RenderRequest;
}

/** A points table of `rows` (coordinates..., size, face, border, symbol) as the daemon stores it. */
export function pointTable(id: string, rows: number[][]): LayerData {
  const columns = rows[0]!.length;
  return layerData(id, "float64", [rows.length, columns], (i) => rows[Math.floor(i / columns)]![i % columns]!);
}

export const P = (id: string, over: Partial<LayerState> = {}): LayerState => layer(id, { kind: "points", ...over });

/** A seeded colour: any RGB, alpha 255 two times in three, else 40..254. */
function colour(r: () => number): number {
  const c = () => Math.floor(r() * 256);
  return packPointColor(c(), c(), c(), r() < 2 / 3 ? 255 : 40 + Math.floor(r() * 215));
}

/**
 * `n` seeded points of `ndim` axes inside [0, extent) on the displayed axes (the others within +-3 of `mid`),
 * sizes in [smin, smax], colours per point, symbols cycling through all 14 (or `symbol`).
 */
export function randomPoints(
  id: string,
  n: number,
  ndim: number,
  extent: [number, number],
  seed: bigint,
  opts: { smin?: number; smax?: number; mid?: number; symbol?: number } = {},
): LayerData {
  const r = rng(seed);
  const { smin = 3, smax = 24, mid = 5 } = opts;
  const rows: number[][] = [];
  for (let k = 0; k < n; k++) {
    const row: number[] = [];
    for (let a = 0; a < ndim - 2; a++) row.push(mid + (r() * 6 - 3));
    row.push(r() * extent[0], r() * extent[1]);
    row.push(smin + r() * (smax - smin), colour(r), colour(r), opts.symbol ?? k % POINT_SYMBOLS.length);
    rows.push(row);
  }
  return pointTable(id, rows);
}

/** The 14 symbols in a row per size, sizes 4.5..40, with opaque and translucent colours. */
function symbolGrid(id: string): LayerData {
  const rows: number[][] = [];
  const sizes = [4.5, 9, 17.3, 40];
  for (const [j, s] of sizes.entries()) {
    for (let k = 0; k < POINT_SYMBOLS.length; k++) {
      const face = packPointColor((k * 37) % 256, (k * 91 + j * 50) % 256, 200 - k * 9, j === 2 ? 128 : 255);
      const border = packPointColor(250 - k * 11, 30 + j * 60, (k * 53) % 256, j === 3 ? 90 : 255);
      rows.push([14 + j * 42 + (j === 3 ? 30 : 0), 20 + k * (j === 3 ? 44 : 30), s, face, border, k]);
    }
  }
  return pointTable(id, rows);
}

const grid = symbolGrid("pts");

/** The 2D scenes at `width` x `height`. */
export function pointScenes(width: number, height: number): PointScene[] {
  const size = { width, height };
  const centre = [height / 2 - 0.5, width / 2 - 0.5];
  const scene = (name: string, over: Partial<LayerState>, opts: { zoom?: number; pixelRatio?: number } = {}) => ({
    name,
    req: request([[P("pts", over), grid]], { ...size, center: [100, 300], ...opts }),
  });
  const many = randomPoints("m", 600, 2, [height, width], 7n);
  const img = layerData("img", "uint8", [height, width], (i) => (i * 7 + (i >> 9)) % 256);
  const labels = labelPlane("lab", "int32", [height, width], 3n, (r) => Math.floor(r() * 12));
  const nd = randomPoints("nd", 1500, 4, [height, width], 11n, { smin: 2, smax: 14, mid: 4 });
  return [
    scene("14 symbols, 4 sizes, relative border 0.05", {}),
    scene("relative border 0.25, antialiasing 3", { border_width: 0.25, antialiasing: 3 }),
    scene("absolute border 1.5 data units", { border_width: 1.5, border_width_is_relative: false }),
    scene("no border (vispy's face-only edge)", { border_width: 0 }),
    scene("antialiasing 0", { antialiasing: 0, border_width: 0.1 }),
    scene("zoom 3.7", {}, { zoom: 3.7 }),
    scene("zoom 0.45, pixel ratio 2", {}, { zoom: 0.45, pixelRatio: 2 }),
    scene("scale [1.5, 0.75], translate [3.25, -7.5]", { scale: [1.5, 0.75], translate: [3.25, -7.5] }),
    scene("opacity 0.5", { opacity: 0.5 }),
    scene("additive", { blending: "additive", opacity: 0.8 }),
    scene("opaque", { blending: "opaque" }),
    {
      name: "600 random points, per-point sizes and colours",
      req: request([[P("m"), many]], { ...size, center: centre }),
    },
    {
      name: "points over an image and labels (opacity 0.5, then additive)",
      req: request(
        [
          [layer("img", { colormap: "magma" }), img],
          [layer("lab", { kind: "labels", opacity: 0.6 }), labels],
          [P("m", { opacity: 0.5 }), many],
          [P("pts", { blending: "additive" }), grid],
        ],
        { ...size, center: centre },
      ),
    },
    {
      name: "image over points (points first, then an image at opacity 0.4)",
      req: request(
        [
          [P("m"), many],
          [layer("img", { colormap: "viridis", opacity: 0.4 }), img],
        ],
        { ...size, center: centre },
      ),
    },
    ...[false, true].map((out) => ({
      name: `4D slice at step [4, 5], out_of_slice_display ${out}`,
      req: request([[P("nd", { out_of_slice_display: out }), nd]], { ...size, center: centre, step: [4, 5, 0, 0] }),
    })),
    {
      name: "empty layer (one NaN row)",
      req: request([[P("e"), pointTable("e", [[NaN, NaN, 10, 0xffffffff, 0xff000000, 4]])]], {
        ...size,
        center: centre,
      }),
    },
  ];
}

/** 3D scenes: 3D points seen from an angle, and 4D points sliced on the first axis, over nothing. */
export function pointScenes3d(): PointScene[] {
  const pts3 = randomPoints("p3", 400, 3, [70, 80], 21n, { smin: 2, smax: 9, mid: 30 });
  const spread: number[][] = [];
  const r = rng(5n);
  for (let k = 0; k < 300; k++) {
    spread.push([r() * 60, r() * 70, r() * 80, 2 + r() * 8, colour(r), colour(r), k % 14]);
  }
  const box = pointTable("b", spread);
  const nd = randomPoints("n4", 300, 4, [70, 80], 23n, { smin: 3, smax: 10, mid: 2 });
  const withRows = (req: RenderRequest, step: number[]): RenderRequest => ({
    ...req,
    state: { ...req.state, dims: { ...req.state.dims, current_step: step } },
  });
  if (pts3.shape[1] !== 3 + POINT_EXTRA_COLUMNS) throw new Error("3D table");
  return [
    { name: "3D points, angles (10, 25, 60)", req: view3d([[P("b"), box]], [30, 35, 40], [10, 25, 60], 3.1) },
    {
      name: "3D points, zoom 6, border 0.2",
      req: view3d([[P("p3", { border_width: 0.2 }), pts3]], [30, 35, 40], [0, 0, 90], 6),
    },
    ...[false, true].map((out) => ({
      name: `4D points in 3D, slice 2, out_of_slice_display ${out}`,
      req: withRows(
        view3d([[P("n4", { out_of_slice_display: out }), nd]], [30, 35, 40], [-20, 15, 80], 4),
        [2, 0, 0, 0],
      ),
    })),
  ];
}
