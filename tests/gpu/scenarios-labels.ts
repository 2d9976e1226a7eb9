/**
 * Labels scenes the GPU must draw exactly like the CPU reference (label-draw.ts, render3d.ts firstLabel):
 * every label dtype (8/16-bit through the folded table, 32-bit and float64 through napari's modulo rule),
 * show_selected_label, contours, opacity and layers over an image, and 3D rays.
 */
import type { LayerData } from "../../src/daemon/data/types.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import type { DType, LayerState } from "../../src/protocol/index.js";
import { layer, layerData, request, rng } from "../unit/render/helpers.js";
import { view3d } from "./scenarios3d.js";

export interface LabelScene {
  name: string;
  req: RenderRequest;
}

/**
 * Segmentation-like labels: cells of 5..13 px with a value each from `value` (0 for ~1 in 6 cells, so
 * background borders labels; one value for ~1 in 5), plus scattered one-pixel labels (thin regions for the contour).
 */
export function labelPlane(
  id: string,
  dtype: DType,
  shape: number[],
  seed: bigint,
  value: (r: () => number) => number,
  common?: number,
) {
  const r = rng(seed);
  const [ny, nx] = shape.slice(-2) as [number, number];
  const cy = 5 + Math.floor(r() * 6);
  const cx = 7 + Math.floor(r() * 7);
  const cells = new Map<string, number>();
  let frequent = common ?? value(r);
  while (frequent !== frequent || frequent === 0) frequent = value(r);
  const cell = (y: number, x: number): number => {
    const k = `${y}|${x}`;
    let v = cells.get(k);
    if (v === undefined) {
      const u = r();
      // One value fills a fifth of the cells: a selection that shows widely.
      v = u < 1 / 6 ? 0 : u < 1 / 6 + 1 / 5 ? frequent : value(r);
      cells.set(k, v);
    }
    return v;
  };
  return layerData(id, dtype, shape, (i) => {
    const x = i % nx;
    const y = Math.floor(i / nx) % ny;
    const z = Math.floor(i / (nx * ny));
    // Cells shift with the row (slanted edges) and the plane (n-D data).
    const v = cell(Math.floor((y + z * 3) / cy), Math.floor((x + (y >> 2)) / cx));
    return r() < 0.01 ? value(r) : v;
  });
}

/** The most frequent label of `d` that selected_label can name (a safe integer, not 0): a selection that shows. */
function commonLabel(d: LayerData): number {
  const counts = new Map<number, number>();
  for (const v of d.data) if (Number.isSafeInteger(v) && v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

const int = (lo: number, hi: number) => (r: () => number) => lo + Math.floor(r() * (hi - lo + 1));
/** float64 labels as lazy int64 labels give them: beyond 2^53, negative, huge, plus NaN, a fraction and Infinity. */
const wide = (r: () => number): number => {
  const pick = [
    2 ** 53 + 2 * Math.floor(r() * 100),
    2 ** 60 + 512 * Math.floor(r() * 50),
    -(1e15 + Math.floor(r() * 99)),
  ];
  const u = r();
  if (u < 0.02) return NaN;
  if (u < 0.03) return 2.5;
  if (u < 0.04) return Infinity;
  if (u < 0.5) return pick[Math.floor(r() * 3)]!;
  return Math.floor(r() * 300) - 100;
};

const L = (id: string, over: Partial<LayerState> = {}): LayerState => layer(id, { kind: "labels", ...over });

export function labelScenes(width: number, height: number): LabelScene[] {
  const size = { width, height };
  const u8 = labelPlane("u8", "uint8", [300, 420], 11n, int(1, 255));
  const i8 = labelPlane("i8", "int8", [150, 200], 12n, int(-128, 127));
  const u16 = labelPlane("u16", "uint16", [257, 389], 13n, int(1, 65535));
  const i16 = labelPlane("i16", "int16", [200, 300], 14n, int(-32768, 32767));
  const i32 = labelPlane("i32", "int32", [180, 260], 15n, (r) => (r() < 0.5 ? -1 : 1) * int(1e9, 2147483647)(r));
  const u32 = labelPlane("u32", "uint32", [160, 240], 16n, int(4e9, 4294967295));
  const f64 = labelPlane("f64", "float64", [170, 230], 17n, wide, -(1e15 + 7));
  const img = labelPlane("img", "uint16", [300, 420], 18n, int(0, 4000));
  const nd = labelPlane("nd", "int32", [5, 120, 160], 19n, int(1, 40));
  const selU16 = commonLabel(u16);
  const selI32 = commonLabel(i32);
  const selF64 = commonLabel(f64);
  const one = (l: LayerState, d: LayerData, center: number[], zoom: number): RenderRequest =>
    request([[l, d]], { ...size, center, zoom });
  return [
    { name: "uint8, zoom 2.3, view past the data", req: one(L("u8"), u8, [20, 30], 2.3) },
    { name: "int8, zoom 1.7", req: one(L("i8"), i8, [75, 100], 1.7) },
    {
      name: "uint16, 200 colours, seed 0.3, zoom 0.8",
      req: one(L("u16", { num_colors: 200, seed: 0.3 }), u16, [128, 190], 0.8),
    },
    {
      name: "int16 negative labels, scale/translate, zoom 3.1",
      req: one(L("i16", { scale: [1.5, 0.75], translate: [10, -20] }), i16, [120, 90], 3.1),
    },
    { name: "int32 large values, zoom 1.4", req: one(L("i32"), i32, [90, 130], 1.4) },
    { name: "uint32 near 2^32, 7 colours, zoom 2", req: one(L("u32", { num_colors: 7 }), u32, [80, 120], 2) },
    { name: "float64 (beyond 2^53, negative, NaN, 2.5, Infinity), zoom 1.6", req: one(L("f64"), f64, [85, 115], 1.6) },
    {
      name: "interpolation linear is ignored (nearest)",
      req: one(L("u16", { interpolation: "linear" }), u16, [50, 60], 3.3),
    },
    {
      name: "show_selected_label uint16 (folded)",
      req: one(L("u16", { show_selected_label: true, selected_label: selU16 }), u16, [100, 200], 1.2),
    },
    {
      name: "show_selected_label int32 (rule)",
      req: one(L("i32", { show_selected_label: true, selected_label: selI32 }), i32, [90, 130], 1.1),
    },
    { name: "contour 1 uint8, zoom 2.5", req: one(L("u8", { contour: 1 }), u8, [150, 210], 2.5) },
    { name: "contour 1 int32, zoom 0.7, data edges in view", req: one(L("i32", { contour: 1 }), i32, [90, 130], 0.7) },
    { name: "contour 3 uint16, zoom 1.3", req: one(L("u16", { contour: 3 }), u16, [20, 10], 1.3) },
    {
      name: "contour 3 float64, show_selected_label",
      req: one(L("f64", { contour: 3, show_selected_label: true, selected_label: selF64 }), f64, [85, 115], 2.2),
    },
    {
      name: "opacity 0.7 over an image",
      req: request(
        [
          [layer("img", { colormap: "viridis", contrast_limits: [0, 4000] }), img],
          [L("u8", { opacity: 0.7, translate: [12, 7] }), u8],
        ],
        { ...size, center: [150, 210], zoom: 1.5 },
      ),
    },
    {
      name: "two labels layers over an image (int32 additive 0.5, uint16 contour 2 at 0.7)",
      req: request(
        [
          [layer("img", { contrast_limits: [0, 4000] }), img],
          [L("i32", { blending: "additive", opacity: 0.5, scale: [1.6, 1.6] }), i32],
          [L("u16", { contour: 2, opacity: 0.7, num_colors: 30, seed: 0.77 }), u16],
        ],
        { ...size, center: [140, 200], zoom: 1.9 },
      ),
    },
    {
      name: "n-D int32 plane 3 of 5, opaque blending",
      req: request([[L("nd", { blending: "opaque", contour: 1 }), nd]], {
        ...size,
        center: [60, 80],
        zoom: 2,
        step: [3, 0, 0],
      }),
    },
  ];
}

/** A labels volume: spheres of labels in a background of 0, values from `value`. */
function labelVolume(id: string, dtype: DType, value: (k: number) => number): LayerData {
  const [nz, ny, nx] = [40, 50, 60];
  const r = rng(77n);
  const balls = Array.from({ length: 24 }, (_, k) => ({
    c: [r() * nz, r() * ny, r() * nx],
    rad2: (4 + r() * 9) ** 2,
    v: value(k),
  }));
  return layerData(id, dtype, [nz, ny, nx], (i) => {
    const x = i % nx;
    const y = Math.floor(i / nx) % ny;
    const z = Math.floor(i / (nx * ny));
    for (const b of balls) {
      if ((z - b.c[0]!) ** 2 + (y - b.c[1]!) ** 2 + (x - b.c[2]!) ** 2 < b.rad2) return b.v;
    }
    return 0;
  });
}

export function labelScenes3d(): LabelScene[] {
  const u16 = labelVolume("a", "uint16", (k) => 1 + k * 2711);
  const i32 = labelVolume("b", "int32", (k) => (k % 2 ? -1 : 1) * (2e9 - k * 7919));
  const f64 = labelVolume("c", "float64", (k) => 2 ** 55 + k * 8);
  const img = labelVolume("d", "uint8", (k) => 40 + k * 9);
  const centre = [20, 25, 30];
  const v = (layers: Array<[LayerState, LayerData]>, angles: [number, number, number], zoom: number) =>
    view3d(layers, centre, angles, zoom);
  return [
    { name: "3D uint16 (folded), rotated", req: v([[L("a"), u16]], [25, 35, 70], 2.5) },
    {
      name: "3D int32 large values, rotated, 'translucent' rendering ignored",
      req: v([[L("b", { rendering: "translucent" }), i32]], [-15, 50, 100], 2.8),
    },
    { name: "3D float64 beyond 2^53, rotated", req: v([[L("c"), f64]], [10, -30, 95], 3) },
    {
      name: "3D show_selected_label int32 (the ray passes hidden labels)",
      req: v([[L("b", { show_selected_label: true, selected_label: 2e9 - 4 * 7919 }), i32]], [30, 20, 60], 2.5),
    },
    {
      name: "3D labels at opacity 0.7 over an image mip",
      req: v(
        [
          [layer("d", { colormap: "magma", contrast_limits: [0, 255] }), img],
          [L("a", { opacity: 0.7, num_colors: 12 }), u16],
        ],
        [20, 40, 80],
        2.5,
      ),
    },
  ];
}
