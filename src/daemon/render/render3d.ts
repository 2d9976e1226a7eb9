/**
 * CPU reference ray caster for 3D (dims.ndisplay = 3) image layers: pure functions, no I/O.
 *
 * The frame starts black and opaque; visible layers are drawn in state order (bottom to top),
 * each independently (no depth test between layers, so `translucent` and `translucent_no_depth`
 * blend alike). Per layer and device pixel: the orthographic ray of camera3d.ts deviceRays,
 * clipped to the layer's volume and sampled once per voxel of the dominant axis
 * (volume-geometry.ts), values read nearest or trilinear per layer.interpolation
 * (raycast-sample.ts), reduced by layer.rendering (labels layers: the first shown label, nearest) (volume-modes.ts, raycast-iso.ts), then blended
 * with layer.blending/opacity (blend.ts; volume-blend.ts for `translucent` pixels that carry alpha).
 *
 * renderLayers() dispatches on dims.ndisplay to renderLayers2D or renderLayers3D; both render
 * row bands so the worker pool splits 3D frames like 2D ones.
 */
import { deviceRays, type DeviceRays, type DType, type LayerState } from "../../protocol/index.js";
import type { RenderRequest } from "./types.js";
import { blendRow, drawnLayers } from "./blend.js";
import { layerColormap } from "./colormaps.js";
import { firstLabel, labelPalette } from "./label-palette.js";
import { drawPoints } from "./points-draw.js";
import { iso } from "./raycast-iso.js";
import { sampleLinear, sampleNearest } from "./raycast-sample.js";
import { clearBand, renderLayers2D, type RowBand } from "./render2d.js";
import { blendRowAlpha } from "./volume-blend.js";
import { RayFamily, volumeOf, type RaySpan } from "./volume-geometry.js";
import * as modes from "./volume-modes.js";

/** Render rows `band` of `req` in 2D or 3D as dims.ndisplay says. */
export function renderLayers(req: RenderRequest, out: Uint8Array, band?: RowBand): void {
  if (req.state.dims.ndisplay === 3) renderLayers3D(req, out, band);
  else renderLayers2D(req, out, band);
}

/** Render rows `band` (default: all) of a 3D `req` into `out` (width*height*4 RGBA bytes, 4-byte aligned). */
export function renderLayers3D(req: RenderRequest, out: Uint8Array, band?: RowBand): void {
  const { canvas, state } = req;
  const { width, height } = canvas;
  const cleared = clearBand(out, width, height, band);
  if (!cleared) return;
  const { out32, y0, y1 } = cleared;
  const row32 = new Uint32Array(width);
  const row8 = new Uint8Array(row32.buffer);
  const rays = deviceRays(state.camera, canvas);
  for (const { layer, data, op } of drawnLayers(req)) {
    if (layer.kind === "points") {
      drawPoints(layer, data, state, canvas, { out8: out, width, y0, y1 });
      continue;
    }
    const vol = volumeOf(layer, data, state.dims);
    if (!vol) continue;
    const caster = layerCaster(layer, data.dtype, new RayFamily(vol, rays.direction));
    for (let r = y0; r < y1; r++) {
      const [first, last] = castRow(caster, rays, r, width, row32);
      if (first >= last) continue;
      if (layer.rendering === "translucent" && layer.kind !== "labels") {
        blendRowAlpha(layer.blending, layer.opacity, row32, row8, out, r * width, first, last);
      } else {
        blendRow(op, row32, row8, out32, out, r * width, first, last);
      }
    }
  }
}

/** One layer's ray family, scratch buffers and per-ray reduction. */
interface LayerCaster {
  family: RayFamily;
  span: RaySpan;
  samples: Float64Array;
  cast: (span: RaySpan) => number;
}

function layerCaster(layer: LayerState, dtype: DType, family: RayFamily): LayerCaster {
  const [lo, hi] = layer.contrast_limits;
  const colormap = layerColormap(layer);
  const shade: modes.Shade = { lo, hi, gamma: layer.gamma, cmap32: colormap.rgba32, cmap8: colormap.rgba };
  const cut = modes.cutoffs(layer.blending, lo, hi);
  const labels = layer.kind === "labels";
  const linear = !labels && layer.interpolation === "linear";
  const samples = new Float64Array(family.maxCount);
  const span: RaySpan = { count: 0, j0: 0, dj: 1, off: new Float64Array(3) };
  const { vol, r, k } = family;
  const sample = linear ? sampleLinear : sampleNearest;
  const palette = labels ? labelPalette(layer, dtype) : null;
  const reduce: Reduce = palette
    ? (x, sp) => firstLabel(x, sp.count, palette)
    : reducer(layer, family, shade, cut, linear);
  const cast = (s: RaySpan): number => {
    sample(vol, r, k, s, samples);
    return reduce(samples, s);
  };
  return { family, span, samples, cast };
}

type Reduce = (x: Float64Array, span: RaySpan) => number;

function reducer(
  layer: LayerState,
  family: RayFamily,
  s: modes.Shade,
  cut: { mip: number; minip: number },
  linear: boolean,
): Reduce {
  switch (layer.rendering) {
    case "mip":
      return (x, sp) => modes.mip(x, sp.count, cut.mip, s);
    case "minip":
      return (x, sp) => modes.minip(x, sp.count, cut.minip, s);
    case "average":
      return (x, sp) => modes.average(x, sp.count, s);
    case "attenuated_mip":
      return (x, sp) => modes.attenuatedMip(x, sp.count, cut.mip, layer.attenuation, family.stepVoxels, s);
    case "translucent":
      return (x, sp) => modes.translucent(x, sp.count, s);
    case "additive":
      return (x, sp) => modes.additive(x, sp.count, s);
    case "iso":
      return (x, sp) => iso(x, family, sp, layer.iso_threshold, linear, s);
  }
}

/** Cast the rays of row `r` into row32 (0 = transparent); returns the [first, last) columns hit. */
function castRow(c: LayerCaster, rays: DeviceRays, r: number, width: number, row32: Uint32Array): [number, number] {
  const { origin, stepRight, stepDown } = rays;
  // Same evaluation order as devicePixelToWorld in 2D: (origin + col*stepRight) + row*stepDown.
  const d0 = r * stepDown[0];
  const d1 = r * stepDown[1];
  const d2 = r * stepDown[2];
  let first = width;
  let last = 0;
  for (let col = 0; col < width; col++) {
    const w0 = origin[0] + col * stepRight[0] + d0;
    const w1 = origin[1] + col * stepRight[1] + d1;
    const w2 = origin[2] + col * stepRight[2] + d2;
    const px = c.family.span(w0, w1, w2, c.span) ? c.cast(c.span) : 0;
    row32[col] = px;
    if (px !== 0) {
      if (col < first) first = col;
      last = col + 1;
    }
  }
  return [first, last];
}
