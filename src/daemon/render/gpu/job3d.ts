/**
 * 3D (dims.ndisplay = 3) layers -> native ray-casting jobs. The ray set-up constants come from the CPU
 * ray caster's own code (deviceRays, volumeOf, RayFamily, cutoffs); the shader repeats its per-pixel
 * arithmetic (native/src/shader3d.cc) for every napari rendering mode.
 *
 * Blending: a `translucent` rendering yields pixels with their own alpha, blended as volume-blend.ts does
 * (opaque copies; additive adds src*a; the others mix with a = pixel alpha * opacity, even at opacity 1);
 * every other mode yields opaque pixels blended as blend.ts does. Labels layers cast mode 8 whatever their
 * `rendering`: the first shown label along the ray, nearest (render3d.ts firstLabel), blended as blend.ts does.
 */
import { deviceRays, type LayerState, type Rendering } from "../../../protocol/index.js";
import { drawnLayers, type BlendOp, type DrawnLayer } from "../blend.js";
import { layerColormap } from "../colormaps.js";
import type { RenderRequest } from "../types.js";
import { cutoffs } from "../volume-modes.js";
import { RayFamily, volumeOf } from "../volume-geometry.js";
import { generationOf } from "./generation.js";
import { DTYPE_CODES } from "./job.js";
import { labelJobFields } from "./label-job.js";
import type { NativeFrameJob, NativeLayerJob, NativePointsJob } from "./native.js";
import { pointsJobs } from "./points-job.js";

/** Native mode codes (native/src/job.h LayerJob::mode). */
const MODES: Record<Rendering, number> = {
  mip: 1,
  minip: 2,
  average: 3,
  attenuated_mip: 4,
  translucent: 5,
  additive: 6,
  iso: 7,
};

/** Labels layers cast for the first shown label (label-palette.ts firstLabel), whatever their `rendering`. */
const LABELS_MODE = 8;

/** Float64 constants per 3D layer (native/src/job.h kParams3d). */
const PARAMS = 30;

function layerJob3d(
  { layer, data, op }: DrawnLayer,
  req: RenderRequest,
  rays: ReturnType<typeof deviceRays>,
): NativeLayerJob | null {
  const vol = volumeOf(layer, data, req.state.dims);
  if (!vol) return null;
  const family = new RayFamily(vol, rays.direction);
  const [lo, hi] = layer.contrast_limits;
  const labels = layer.kind === "labels";
  const mode = labels ? LABELS_MODE : MODES[layer.rendering];
  const cut = cutoffs(layer.blending, lo, hi);
  const params = new Float64Array(PARAMS);
  params.set(rays.origin, 0);
  params.set(rays.stepRight, 3);
  params.set(rays.stepDown, 6);
  params.set(family.b, 9);
  params.set(family.r, 12);
  params.set(vol.translate, 15);
  params.set(vol.scale, 18);
  params[21] = family.k;
  params[22] = mode === 2 ? cut.minip : cut.mip;
  params[23] = layer.attenuation;
  params[24] = family.stepVoxels;
  params[25] = hi;
  params[26] = layer.iso_threshold;
  params.set(family.unit, 27);
  const { width, height } = req.canvas;
  const { blend, alpha, beta } = blending(layer, op);
  const colormap = layerColormap(layer);
  const job: NativeLayerJob = {
    key: `${layer.id}|3d|${data.dtype}|${data.shape.join("x")}|${vol.base}`,
    generation: generationOf(data.data),
    data: data.data,
    dtype: DTYPE_CODES[data.dtype],
    planeOffset: vol.base,
    nx: vol.size[2],
    ny: vol.size[1],
    nz: vol.size[0],
    mode,
    params,
    cols: new Uint8Array(0),
    rows: new Uint8Array(0),
    x0: 0,
    x1: width,
    y0: 0,
    y1: height,
    // Labels are sampled nearest (render3d.ts).
    linear: !labels && layer.interpolation === "linear",
    folded: false,
    lut: colormap.rgba32,
    lutKey: `c|${colormap.key}`,
    lutOffset: 0,
    lo,
    range: hi - lo,
    gamma: layer.gamma,
    blend,
    alpha,
    beta,
  };
  return labels ? { ...job, ...labelJobFields(layer, data.dtype) } : job;
}

/** Native blend (0 replace, 1 mix, 2 add) and weights; `translucent` pixels scale alpha by their own alpha. */
function blending(layer: LayerState, op: BlendOp): { blend: number; alpha: number; beta: number } {
  const additive = layer.blending === "additive";
  // Label pixels are opaque colours: blended like images (render3d.ts), never by their own alpha.
  if (layer.rendering === "translucent" && layer.kind !== "labels") {
    if (layer.blending === "opaque") return { blend: 0, alpha: 1, beta: 0 };
    return { blend: additive ? 2 : 1, alpha: layer.opacity, beta: 0 };
  }
  if (op.kind === "replace") return { blend: 0, alpha: 1, beta: 0 };
  return { blend: additive ? 2 : 1, alpha: layer.opacity, beta: 1 - layer.opacity };
}

/** The native job for a 3D request. */
export function frameJob3d(req: RenderRequest, out: { rgba: boolean; nv12: boolean }): NativeFrameJob {
  const rays = deviceRays(req.state.camera, req.canvas);
  const layers: NativeLayerJob[] = [];
  const points: NativePointsJob[] = [];
  for (const drawn of drawnLayers(req)) {
    if (drawn.layer.kind === "points") {
      // Drawn as in 2D, projected along the camera's rays, with no depth test (render3d.ts).
      points.push(...pointsJobs(drawn.layer, drawn.data, req.state, req.canvas, layers.length));
      continue;
    }
    const job = layerJob3d(drawn, req, rays);
    if (job) layers.push(job);
  }
  return { width: req.canvas.width, height: req.canvas.height, rgba: out.rgba, nv12: out.nv12, layers, points };
}
