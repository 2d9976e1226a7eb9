/**
 * Which part of a pyramid level a frame needs: non-displayed axes at the dims step
 * (converted to the level's nearest sample), displayed axes over what the canvas shows
 * (2D: the device-pixel centres mapped through camera and layer transform, plus one
 * sample for bilinear taps; 3D: the whole level), widened to whole chunks so a pan
 * inside the loaded chunks reuses the assembled region.
 */
import { devicePixelToWorld, type Canvas, type LayerState, type ViewerState } from "../../protocol/index.js";
import type { Region } from "../data/chunk-store.js";
import type { LayerEntry, LayerLevel } from "./layer-entry.js";
import { selectionAt } from "./layer-entry.js";

/** Level-`level` index of the dims step on layer axis `axis` (nearest sample, clamped). */
function stepAt(entry: LayerEntry, level: LayerLevel, axis: number, state: ViewerState): number {
  const steps = state.dims.current_step;
  const shift = steps.length - level.shape.length;
  const step0 = axis + shift >= 0 ? (steps[axis + shift] ?? 0) : 0;
  const clamped0 = Math.min(Math.max(step0, 0), entry.levels[0]!.shape[axis]! - 1);
  const i = Math.floor((clamped0 - level.offset[axis]!) / level.factors[axis]! + 0.5);
  return Math.min(Math.max(i, 0), level.shape[axis]! - 1);
}

/** Range [lo, hi) of level samples along one displayed axis that device pixels [0, n) touch. */
function visibleRange(
  origin: number,
  step: number,
  n: number,
  layer: { scale: number; translate: number },
  level: { factor: number; offset: number; size: number },
): [number, number] {
  const toLevel = (world: number): number => ((world - layer.translate) / layer.scale - level.offset) / level.factor;
  const a = toLevel(origin);
  const b = toLevel(origin + (n - 1) * step);
  const lo = Math.floor(Math.min(a, b));
  const hi = Math.floor(Math.max(a, b) + 0.5) + 2;
  return [Math.min(Math.max(lo, 0), level.size), Math.min(Math.max(hi, 0), level.size)];
}

/**
 * Region of `entry`'s level `levelIndex` (layer axes) that a frame of `state` on `canvas` draws,
 * chunk aligned on displayed axes; null when nothing of the layer is on screen.
 */
export function frameRegion(
  entry: LayerEntry,
  levelIndex: number,
  layer: LayerState,
  state: ViewerState,
  canvas: Canvas,
): Region | null {
  const level = entry.levels[levelIndex]!;
  const nd = level.shape.length;
  const ndisp = state.dims.ndisplay;
  const start: number[] = [];
  const stop: number[] = [];
  for (let a = 0; a < nd - ndisp; a++) {
    const i = stepAt(entry, level, a, state);
    start.push(i);
    stop.push(i + 1);
  }
  if (ndisp === 3) {
    for (let a = Math.max(0, nd - 3); a < nd; a++) {
      start.push(0);
      stop.push(level.shape[a]!);
    }
    return start.length === nd ? { start, stop } : null;
  }
  const view = devicePixelToWorld(state.camera, canvas);
  const axes: Array<[number, number, number]> = [
    [nd - 2, view.originY, canvas.height],
    [nd - 1, view.originX, canvas.width],
  ];
  for (const [a, origin, n] of axes) {
    const [lo, hi] = visibleRange(
      origin,
      view.step,
      n,
      { scale: layer.scale[a] ?? 1, translate: layer.translate[a] ?? 0 },
      { factor: level.factors[a]!, offset: level.offset[a]!, size: level.shape[a]! },
    );
    if (lo >= hi) return null;
    const c = level.chunks[a]!;
    start.push(Math.floor(lo / c) * c);
    stop.push(Math.min(Math.ceil(hi / c) * c, level.shape[a]!));
  }
  return { start, stop };
}

/** The same region in source axes: selected axes put back at their fixed (level) index. */
export function sourceRegion(entry: LayerEntry, levelIndex: number, region: Region): Region {
  if (entry.kind !== "source" || entry.select.length === 0) return region;
  const start: number[] = [];
  const stop: number[] = [];
  let k = 0;
  const ndim = entry.source.info.levels[0]!.shape.length;
  for (let axis = 0; axis < ndim; axis++) {
    const s = entry.select.find((x) => x.axis === axis);
    if (s) {
      const i = selectionAt(entry.source, levelIndex, s);
      start.push(i);
      stop.push(i + 1);
    } else {
      start.push(region.start[k]!);
      stop.push(region.stop[k]!);
      k++;
    }
  }
  return { start, stop };
}

/** Centre of the displayed part of a region (level coords, source axes): loads start there. */
export function regionFocus(region: Region): number[] {
  return region.start.map((s, i) => (s + region.stop[i]!) / 2);
}
