/** 3D scenes the GPU ray caster must draw like the CPU one (render3d.ts): every rendering mode, views and blendings. */
import type { LayerData } from "../../src/daemon/data/types.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import type { LayerState } from "../../src/protocol/index.js";
import { layer, layerData, request, rng } from "../unit/render/helpers.js";
import type { Scenario } from "./scenarios.js";

/** A 3D view of `layers`: camera centre (z, y, x), angles in degrees. */
export function view3d(
  layers: Array<[LayerState, LayerData]>,
  center: number[],
  angles: [number, number, number],
  zoom: number,
  width = 480,
  height = 320,
): RenderRequest {
  const req = request(layers, { width, height, center: [0, 0] });
  return {
    ...req,
    state: {
      ...req.state,
      camera: { center, zoom, angles },
      dims: { ...req.state.dims, ndisplay: 3, current_step: [0, 0, 0] },
    },
  };
}

const r = rng(42n);
const blob = (z: number, y: number, x: number): number =>
  Math.exp(-((z - 20) ** 2 + (y - 30) ** 2 + (x - 40) ** 2) / 300) +
  0.5 * Math.exp(-((z - 45) ** 2 + (y - 50) ** 2 + (x - 25) ** 2) / 120);
const [NZ, NY, NX] = [60, 70, 80];
/** Two Gaussian blobs plus seeded noise. */
export const u16 = layerData("v", "uint16", [NZ, NY, NX], (i) => {
  const x = i % NX;
  const y = Math.floor(i / NX) % NY;
  const z = Math.floor(i / (NX * NY));
  return Math.floor(blob(z, y, x) * 50000 + r() * 3000);
});
export const f32 = layerData("f", "float32", [NZ, NY, NX], (i) => u16.data[i]! / 50000 - 0.1);
/** A constant block filling its volume: iso shading of a flat neighbourhood (lit head-on). */
const block = layerData("k", "uint8", [20, 30, 40], () => 200);
export const centre = [NZ / 2, NY / 2, NX / 2];

// Tolerances. The shader repeats the CPU's float64 arithmetic; where it cannot (float32 exp, lambert^40 by
// squaring, GLSL's float64 division and sqrt), or where a tie between two voxels can round either way, a pixel
// can be a level or a colormap step off. Axis-aligned views at zoom 2 keep sample points a quarter voxel from the
// rounding ties. Measured on an H100: iso, translucent and additive exact but one translucent pixel (1 level).
const EXACT = { maxDiff: 0, minPsnr: Infinity };
const NEAR = { maxDiff: 4, minPsnr: 60 };

/** One layer over `data`, seen from `angles` around the volume centre. */
const rotated = (over: Partial<LayerState>, data: LayerData, angles: [number, number, number], zoom = 2.5) =>
  view3d([[layer(data === u16 ? "v" : "f", over), data]], centre, angles, zoom);

export function scenarios3d(): Scenario[] {
  return [
    // Axis-aligned at zoom 3 puts many samples within an ulp of a voxel boundary (x.5); there the GPU's ray
    // set-up can round to the neighbouring voxel. Measured on an H100: 2.2% of pixels, max 19 levels, PSNR 50 dB.
    {
      name: "mip, axis-aligned, nearest (voxel-boundary ties)",
      req: view3d([[layer("v", { contrast_limits: [0, 50000] }), u16]], centre, [0, 0, 90], 3),
      maxDiff: 32,
      minPsnr: 45,
    },
    {
      name: "mip, rotated, linear, viridis",
      req: rotated({ colormap: "viridis", contrast_limits: [2000, 45000], interpolation: "linear" }, u16, [25, 35, 70]),
      ...EXACT,
    },
    {
      name: "minip, rotated, nearest, float32",
      req: rotated({ rendering: "minip", colormap: "magma", contrast_limits: [-0.1, 0.5] }, f32, [-15, 50, 100], 2.8),
      ...EXACT,
    },
    {
      name: "average, rotated, linear, scaled z",
      req: view3d(
        [
          [
            layer("v", {
              rendering: "average",
              colormap: "inferno",
              contrast_limits: [0, 20000],
              scale: [2, 1, 1],
              interpolation: "linear",
            }),
            u16,
          ],
        ],
        [NZ, NY / 2, NX / 2],
        [10, -30, 95],
        2,
      ),
      ...EXACT,
    },
    {
      name: "two channels additive mip",
      req: view3d(
        [
          [layer("a", { colormap: "green", blending: "additive", contrast_limits: [0, 50000] }), u16],
          [layer("b", { colormap: "magenta", blending: "additive", opacity: 0.6, contrast_limits: [0, 0.9] }), f32],
        ],
        centre,
        [30, 20, 60],
        2.2,
      ),
      ...EXACT,
    },
    {
      name: "attenuated_mip (float32 exp on the GPU)",
      req: rotated({ rendering: "attenuated_mip", attenuation: 0.3, contrast_limits: [0, 50000] }, u16, [20, 40, 80]),
      maxDiff: 255,
      minPsnr: 30,
    },
    ...isoScenarios(),
    ...translucentScenarios(),
    ...additiveScenarios(),
  ];
}

function isoScenarios(): Scenario[] {
  const iso = { rendering: "iso" as const, colormap: "viridis" as const };
  return [
    {
      name: "iso, axis-aligned, nearest",
      req: view3d(
        [[layer("v", { ...iso, iso_threshold: 20000, contrast_limits: [0, 70000] }), u16]],
        centre,
        [0, 0, 90],
        2,
      ),
      ...NEAR,
    },
    {
      name: "iso, rotated, linear, float32",
      req: rotated(
        { ...iso, colormap: "magma", iso_threshold: 0.3, contrast_limits: [0, 1.2], interpolation: "linear" },
        f32,
        [25, 35, 70],
      ),
      ...NEAR,
    },
    {
      name: "iso, rotated, nearest, scaled z, translucent blending 0.7 over mip",
      req: view3d(
        [
          [layer("a", { colormap: "green", contrast_limits: [0, 50000] }), u16],
          [
            layer("b", { ...iso, iso_threshold: 15000, contrast_limits: [0, 70000], scale: [2, 1, 1], opacity: 0.7 }),
            u16,
          ],
        ],
        [NZ, NY / 2, NX / 2],
        [-20, 40, 110],
        2,
      ),
      ...NEAR,
    },
    {
      name: "iso, flat neighbourhood (a block filling the volume), rotated",
      req: view3d(
        [[layer("k", { ...iso, iso_threshold: 100, contrast_limits: [0, 300] }), block]],
        [10, 15, 20],
        [15, 25, 75],
        5,
      ),
      ...NEAR,
    },
  ];
}

function translucentScenarios(): Scenario[] {
  const tr = { rendering: "translucent" as const, contrast_limits: [5000, 50000] as [number, number] };
  return [
    {
      name: "translucent, axis-aligned, nearest",
      req: view3d([[layer("v", tr), u16]], centre, [0, 0, 90], 2),
      ...NEAR,
    },
    {
      name: "translucent, rotated, linear, float32, translucent blending 0.7 over mip",
      req: view3d(
        [
          [layer("a", { colormap: "green", contrast_limits: [0, 50000] }), u16],
          [
            layer("f", { ...tr, colormap: "magma", contrast_limits: [0, 0.8], interpolation: "linear", opacity: 0.7 }),
            f32,
          ],
        ],
        centre,
        [25, 35, 70],
        2.5,
      ),
      ...NEAR,
    },
    {
      name: "translucent, rotated, nearest, additive and opaque blendings",
      req: view3d(
        [
          [layer("a", { ...tr, colormap: "cyan", blending: "opaque" }), u16],
          [layer("b", { ...tr, colormap: "magenta", blending: "additive", opacity: 0.8, gamma: 0.5 }), u16],
        ],
        centre,
        [-15, 50, 100],
        2.8,
      ),
      ...NEAR,
    },
  ];
}

function additiveScenarios(): Scenario[] {
  const add = { rendering: "additive" as const, colormap: "inferno" as const };
  return [
    {
      name: "additive, axis-aligned, nearest",
      req: view3d([[layer("v", { ...add, contrast_limits: [0, 500000] }), u16]], centre, [0, 0, 90], 2),
      ...NEAR,
    },
    {
      name: "additive, rotated, linear, float32, additive blending 0.6 over mip",
      req: view3d(
        [
          [layer("a", { colormap: "green", contrast_limits: [0, 50000] }), u16],
          [
            layer("f", {
              ...add,
              colormap: "magenta",
              blending: "additive",
              opacity: 0.6,
              contrast_limits: [0, 12],
              interpolation: "linear",
            }),
            f32,
          ],
        ],
        centre,
        [30, 20, 60],
        2.2,
      ),
      ...NEAR,
    },
  ];
}
