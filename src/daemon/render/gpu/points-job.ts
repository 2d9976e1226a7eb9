/**
 * Points layers -> native point passes. The per-point values come from points-records.ts (the CPU's own
 * arithmetic); here the drawn points are binned into 16x16 pixel tiles (the shader's work groups) by their
 * pixel box, each tile's list in table order, so a pixel composites exactly the points whose box holds it, in
 * the order points-draw.ts blends them. The shader (native/src/points_glsl.cc) repeats vispy's marker distance,
 * markerColor and the RGBA8 blend in float64, with V8's exp (fdlibm) ported so each alpha is the same double.
 * A layer whose tile lists would exceed POINT_PASS_LIMIT is split into several passes, still in table order.
 */
import type { Blending, Canvas, LayerState, ViewerState } from "../../../protocol/index.js";
import type { LayerData } from "../../data/types.js";
import type { NativePointsJob } from "./native.js";
import { pointRecords, RECORD_DOUBLES, recordBox, type PointRecords } from "./points-records.js";

/** Tile side in device pixels: the shader's work-group size. */
export const POINT_TILE = 16;
/** Most (tile, point) entries one pass uploads (default 2^22: 16 MiB of indices); tests lower it to split layers. */
export const POINT_PASS_LIMIT = { entries: 1 << 22 };

/** Native blend codes of points (native/src/job.h PointsJob::blend). */
const BLENDS: Record<Blending, number> = { translucent: 0, translucent_no_depth: 0, additive: 1, opaque: 2 };

const SQRT2 = Math.SQRT2;
const SQRT3 = Math.sqrt(3);

/**
 * The constants of point-markers.ts (and V8's exp, fdlibm e_exp.c), as the doubles JavaScript has: the shader
 * reads them from this array (uniform `pc`), so no decimal literal is parsed by the GLSL compiler.
 */
export function markerConstants(): Float64Array {
  const c = [SQRT2, SQRT3, SQRT3 / 2, 0.32, 0.36 / SQRT3, -0.05, Math.cos(Math.PI / 10), Math.sin(Math.PI / 10)];
  for (let k = 0; k < 3; k++) {
    const t = -Math.PI / 2 + (k * 2 * Math.PI) / 3;
    c.push(Math.cos(t), Math.sin(t));
  }
  for (let i = 1; i <= 4; i++) {
    const a = (i * 2 * Math.PI) / 5;
    c.push(Math.cos(a), Math.sin(a));
  }
  // fdlibm exp: ln2HI, ln2LO, invln2, P1..P5, twom1000, o_threshold, u_threshold, E (pc[22..35]).
  c.push(6.9314718036912381649e-1, 1.90821492927058770002e-10, 1.442695040888963387);
  c.push(1.66666666666666019037e-1, -2.77777777770155933842e-3, 6.61375632143793436117e-5);
  c.push(-1.6533902205465251539e-6, 4.13813679705723846039e-8, 9.3326361850321887899e-302);
  c.push(7.09782712893383973096e2, -7.4513321910194110842e2, Math.E);
  return new Float64Array(c);
}

const CONSTANTS = markerConstants();

/** The passes that draw points layer `layer` (`before` set by the caller). */
export function pointsJobs(
  layer: LayerState,
  data: LayerData,
  state: ViewerState,
  canvas: Canvas,
  before: number,
): NativePointsJob[] {
  const rec = pointRecords(layer, data, state, canvas);
  const jobs: NativePointsJob[] = [];
  const common = { layer, canvas, before };
  let first = 0;
  let entries = 0;
  for (let k = 0; k < rec.count; k++) {
    const n = tileCount(recordBox(rec, k));
    if (k > first && entries + n > POINT_PASS_LIMIT.entries) {
      jobs.push(pass(rec, first, k, entries, common));
      first = k;
      entries = 0;
    }
    entries += n;
  }
  if (rec.count > first) jobs.push(pass(rec, first, rec.count, entries, common));
  return jobs;
}

function tileCount([c0, c1, r0, r1]: [number, number, number, number]): number {
  const t = POINT_TILE;
  return (Math.floor((c1 - 1) / t) - Math.floor(c0 / t) + 1) * (Math.floor((r1 - 1) / t) - Math.floor(r0 / t) + 1);
}

/** One pass over points [from, to): their records, per-tile start offsets then the indices, and the tile box. */
function pass(
  rec: PointRecords,
  from: number,
  to: number,
  entries: number,
  { layer, canvas, before }: { layer: LayerState; canvas: Canvas; before: number },
): NativePointsJob {
  const t = POINT_TILE;
  const tilesX = Math.ceil(canvas.width / t);
  const tilesY = Math.ceil(canvas.height / t);
  const ntiles = tilesX * tilesY;
  const tiles = new Uint32Array(ntiles + 1 + entries);
  let [tx0, tx1, ty0, ty1] = [tilesX, 0, tilesY, 0];
  const each = (fn: (tile: number, k: number) => void): void => {
    for (let k = from; k < to; k++) {
      const [c0, c1, r0, r1] = recordBox(rec, k);
      const [x0, x1, y0, y1] = [
        Math.floor(c0 / t),
        Math.floor((c1 - 1) / t),
        Math.floor(r0 / t),
        Math.floor((r1 - 1) / t),
      ];
      [tx0, tx1, ty0, ty1] = [Math.min(tx0, x0), Math.max(tx1, x1 + 1), Math.min(ty0, y0), Math.max(ty1, y1 + 1)];
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) fn(y * tilesX + x, k - from);
    }
  };
  // Counting pass, prefix sums (tiles[i] = start of tile i's list), then the fill in table order.
  each((tile) => (tiles[tile + 1] = tiles[tile + 1]! + 1));
  for (let i = 0; i < ntiles; i++) tiles[i + 1] = tiles[i + 1]! + tiles[i]!;
  const next = tiles.slice(0, ntiles);
  const base = ntiles + 1;
  each((tile, k) => {
    tiles[base + next[tile]!] = k;
    next[tile] = next[tile]! + 1;
  });
  const f64 = rec.f64.subarray(from * RECORD_DOUBLES, to * RECORD_DOUBLES);
  return {
    before,
    records: new Uint8Array(f64.buffer, f64.byteOffset, f64.byteLength),
    tiles,
    tilesX,
    tilesY,
    x0: tx0 * t,
    x1: Math.min(tx1 * t, canvas.width),
    y0: ty0 * t,
    y1: Math.min(ty1 * t, canvas.height),
    aa: layer.antialiasing,
    opacity: layer.opacity,
    blend: BLENDS[layer.blending],
    constants: CONSTANTS,
  };
}
