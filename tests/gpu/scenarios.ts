/** 2D scenes the GPU must draw like the CPU reference: every dtype, both interpolations, every blending. */
import type { RenderRequest } from "../../src/daemon/render/types.js";
import type { DType } from "../../src/protocol/index.js";
import { layer, layerData, request, rng } from "../unit/render/helpers.js";

export interface Scenario {
  name: string;
  req: RenderRequest;
  /** Largest allowed |GPU - CPU| per channel, and the lowest allowed PSNR (dB). */
  maxDiff: number;
  minPsnr: number;
}

/** Seeded noise plus a gradient, scaled to the dtype's useful range. */
function image(id: string, dtype: DType, shape: number[], seed: bigint, scale: number, offset = 0) {
  const r = rng(seed);
  const nx = shape[shape.length - 1]!;
  return layerData(id, dtype, shape, (i) => {
    const v = ((i % nx) / nx) * 0.6 + r() * 0.4;
    return dtype.startsWith("float") ? v * scale + offset : Math.floor(v * scale + offset);
  });
}

// Exact scenarios: the shader repeats the CPU's float64 arithmetic and uses its tables, so equality is
// expected. Gamma other than 1, 2 and 0.5 is a float32 pow on the GPU: one colormap step off at most.
const EXACT = { maxDiff: 0, minPsnr: Infinity };
const POW = { maxDiff: 12, minPsnr: 45 };

export function scenarios(width = 640, height = 360): Scenario[] {
  const size = { width, height };
  const u8 = image("u8", "uint8", [300, 500], 1n, 256);
  const u16 = image("u16", "uint16", [257, 389], 2n, 60000);
  const i16 = image("i16", "int16", [200, 300], 3n, 60000, -30000);
  const i8 = image("i8", "int8", [120, 160], 4n, 250, -125);
  const u32 = image("u32", "uint32", [150, 170], 5n, 4e9);
  const i32 = image("i32", "int32", [150, 170], 6n, 2e9, -1e9);
  const f32 = image("f32", "float32", [211, 307], 7n, 10, -2);
  const f64 = image("f64", "float64", [190, 230], 8n, 1e6, 5e5);
  f32.data[5 * 307 + 7] = NaN; // NaN is transparent
  const vol = image("vol", "uint16", [6, 120, 180], 9n, 4000);
  const list: Scenario[] = [
    { name: "uint8 gray nearest zoom 1", req: request([[layer("u8"), u8]], { ...size, center: [150, 250] }), ...EXACT },
    {
      name: "uint16 viridis nearest zoom 2.3, gamma 2, scale/translate",
      req: request(
        [
          [
            layer("u16", {
              colormap: "viridis",
              contrast_limits: [1000, 50000],
              gamma: 2,
              scale: [1.5, 0.75],
              translate: [10, -20],
            }),
            u16,
          ],
        ],
        { ...size, center: [180, 120], zoom: 2.3 },
      ),
      ...EXACT,
    },
    {
      name: "uint16 magma linear zoom 3.7",
      req: request([[layer("u16", { colormap: "magma", contrast_limits: [0, 60000], interpolation: "linear" }), u16]], {
        ...size,
        center: [100, 150],
        zoom: 3.7,
      }),
      ...EXACT,
    },
    {
      name: "int16 turbo nearest zoom 0.6",
      req: request([[layer("i16", { colormap: "turbo", contrast_limits: [-20000, 25000] }), i16]], {
        ...size,
        center: [100, 150],
        zoom: 0.6,
      }),
      ...EXACT,
    },
    {
      name: "int8 plasma linear zoom 4, gamma 0.5",
      req: request(
        [[layer("i8", { colormap: "plasma", contrast_limits: [-100, 100], gamma: 0.5, interpolation: "linear" }), i8]],
        {
          ...size,
          center: [60, 80],
          zoom: 4,
        },
      ),
      ...EXACT,
    },
    {
      name: "uint32 inferno nearest, int32 gray_r linear (translucent 0.5)",
      req: request(
        [
          [layer("u32", { colormap: "inferno", contrast_limits: [0, 4e9] }), u32],
          [
            layer("i32", {
              colormap: "gray_r",
              contrast_limits: [-1e9, 1e9],
              interpolation: "linear",
              opacity: 0.5,
              translate: [20, 30],
            }),
            i32,
          ],
        ],
        { ...size, center: [80, 90], zoom: 1.9 },
      ),
      ...EXACT,
    },
    {
      name: "float32 magma linear zoom 5.3 with NaN",
      req: request([[layer("f32", { colormap: "magma", contrast_limits: [-1, 7], interpolation: "linear" }), f32]], {
        ...size,
        center: [8, 9],
        zoom: 5.3,
      }),
      ...EXACT,
    },
    {
      name: "float64 cyan nearest zoom 0.45",
      req: request([[layer("f64", { colormap: "cyan", contrast_limits: [6e5, 1.3e6] }), f64]], {
        ...size,
        center: [95, 115],
        zoom: 0.45,
      }),
      ...EXACT,
    },
    {
      name: "three channels additive (red, green 0.7, blue)",
      req: request(
        [
          [layer("c0", { colormap: "red", blending: "additive" }), u8],
          [layer("c1", { colormap: "green", blending: "additive", opacity: 0.7, translate: [5, 9] }), u8],
          [layer("c2", { colormap: "blue", blending: "additive", contrast_limits: [50, 200] }), u8],
        ],
        { ...size, center: [150, 250], zoom: 1.3 },
      ),
      ...EXACT,
    },
    {
      name: "opaque over translucent 0.35 (yellow over magenta)",
      req: request(
        [
          [layer("a", { colormap: "magenta" }), u8],
          [layer("b", { colormap: "yellow", opacity: 0.35, translate: [40, 60] }), u8],
          [
            layer("c", {
              colormap: "gray",
              blending: "opaque",
              opacity: 0.2,
              scale: [0.5, 0.5],
              translate: [100, 100],
            }),
            u8,
          ],
        ],
        { ...size, center: [150, 250] },
      ),
      ...EXACT,
    },
    {
      name: "n-D uint16 plane 4 of 6 (dims slider)",
      req: request([[layer("vol", { colormap: "green", contrast_limits: [0, 4000] }), vol]], {
        ...size,
        center: [60, 90],
        zoom: 2,
        step: [4, 0, 0],
      }),
      ...EXACT,
    },
    {
      name: "float32 viridis linear, gamma 0.7 (float32 pow)",
      req: request(
        [[layer("f32", { colormap: "viridis", contrast_limits: [-1, 7], gamma: 0.7, interpolation: "linear" }), f32]],
        {
          ...size,
          center: [100, 150],
          zoom: 1.7,
        },
      ),
      ...POW,
    },
  ];
  return list;
}
