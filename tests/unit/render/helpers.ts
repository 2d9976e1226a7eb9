/** Scene builders and a seeded RNG for the render tests. */
import { allocPixels } from "../../../src/daemon/data/dtype.js";
import { createLayerData } from "../../../src/daemon/data/layer-store.js";
import type { LayerData } from "../../../src/daemon/data/types.js";
import type { RenderRequest } from "../../../src/daemon/render/types.js";
import type { Canvas, DType, LayerState, ViewerState } from "../../../src/protocol/index.js";

/** splitmix64 from a 64-bit seed: deterministic across runs and platforms. */
export function rng(seed: bigint): () => number {
  let s = BigInt.asUintN(64, seed);
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z = z ^ (z >> 31n);
    return Number(z >> 11n) / 2 ** 53;
  };
}

/** Layer data whose element i (C order) is fill(i), through the real store (SharedArrayBuffer). */
export function layerData(id: string, dtype: DType, shape: number[], fill: (i: number) => number): LayerData {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = allocPixels(dtype, n);
  for (let i = 0; i < n; i++) values[i] = fill(i);
  return createLayerData(id, dtype, shape, new Uint8Array(values.buffer));
}

/** A layer state with napari-like defaults. */
export function layer(id: string, over: Partial<LayerState> = {}): LayerState {
  return {
    id,
    name: id,
    visible: true,
    opacity: 1,
    colormap: "gray",
    contrast_limits: [0, 255],
    gamma: 1,
    interpolation: "nearest",
    blending: "translucent",
    rendering: "mip",
    attenuation: 0.05,
    iso_threshold: 0.5,
    locked_data_level: null,
    kind: "image",
    num_colors: 49,
    seed: 0.5,
    selected_label: 1,
    show_selected_label: false,
    contour: 0,
    border_width: 0.05,
    border_width_is_relative: true,
    out_of_slice_display: false,
    antialiasing: 1,
    scale: [],
    translate: [],
    ...over,
  };
}

/** A request; camera centre (y, x) and zoom, canvas in device px. */
export function request(
  layers: Array<[LayerState, LayerData]>,
  opts: { width: number; height: number; center: number[]; zoom?: number; pixelRatio?: number; step?: number[] },
): RenderRequest {
  const state: ViewerState = {
    camera: { center: opts.center, zoom: opts.zoom ?? 1, angles: [0, 0, 90] },
    dims: { ndisplay: 2, current_step: opts.step ?? [0, 0], axis_labels: [] },
    layers: layers.map(([l]) => l),
  };
  const canvas: Canvas = { width: opts.width, height: opts.height, pixel_ratio: opts.pixelRatio ?? 1 };
  return { state, canvas, layers: new Map(layers.map(([l, d]) => [l.id, d])) };
}

/** RGBA of device pixel (x, y). */
export function pixel(rgba: Uint8Array, width: number, x: number, y: number): number[] {
  const o = (y * width + x) * 4;
  return [rgba[o]!, rgba[o + 1]!, rgba[o + 2]!, rgba[o + 3]!];
}

/** The R channel as rows, for hand-checkable gray images. */
export function redRows(rgba: Uint8Array, width: number, height: number): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < height; y++) rows.push(Array.from({ length: width }, (_, x) => rgba[(y * width + x) * 4]!));
  return rows;
}
