/**
 * A CPU replay of native points passes (no GPU): each pixel walks its tile's list in order and draws with the
 * CPU's own marker code (point-markers.ts) and blend arithmetic, from the job's records alone. Equal to the
 * CPU frame, it shows the records, pixel boxes, tile lists and pass split carry everything the shader needs.
 * Also fdlibm's exp as native/src/points_glsl.cc ports it, to check it against V8's Math.exp.
 */
import { markerColor, MARKERS } from "../../src/daemon/render/point-markers.js";
import type { NativeFrameJob } from "../../src/daemon/render/gpu/native.js";
import { POINT_SYMBOLS } from "../../src/protocol/index.js";

/** The frame of a job whose layers are all points (black start, passes in order). */
export function replayPoints(job: NativeFrameJob): Uint8Array {
  const { width, height } = job;
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) out[i * 4 + 3] = 255;
  const px = new Float64Array(4);
  for (const pass of job.points ?? []) {
    const f64 = new Float64Array(pass.records.buffer, pass.records.byteOffset, pass.records.byteLength / 8);
    const i32 = new Int32Array(pass.records.buffer, pass.records.byteOffset, pass.records.byteLength / 4);
    const ntiles = pass.tilesX * pass.tilesY;
    for (let y = pass.y0; y < pass.y1; y++) {
      for (let x = pass.x0; x < pass.x1; x++) {
        const t = (y >> 4) * pass.tilesX + (x >> 4);
        for (let j = pass.tiles[t]!; j < pass.tiles[t + 1]!; j++) {
          const k = pass.tiles[ntiles + 1 + j]!;
          const d = k * 17;
          const w = k * 34 + 28;
          if (x < i32[w + 1]! || x >= i32[w + 2]! || y < i32[w + 3]! || y >= i32[w + 4]!) continue;
          const sdf = MARKERS[POINT_SYMBOLS[i32[w]!]!];
          const face = [f64[d + 6]!, f64[d + 7]!, f64[d + 8]!, f64[d + 9]!];
          const edge = f64[d + 3]!;
          const border = [f64[d + 10]!, f64[d + 11]!, f64[d + 12]!, f64[d + 13]!];
          if (!markerColor(sdf(x - f64[d]!, y - f64[d + 1]!, f64[d + 2]!), edge, pass.aa, face, border, px)) continue;
          blend(pass.blend, pass.opacity, out, (y * width + x) * 4, px);
        }
      }
    }
  }
  return out;
}

function blend(mode: number, opacity: number, out: Uint8Array, o: number, px: Float64Array): void {
  const a = px[3]! * opacity;
  if (!(a > 0)) return;
  for (let c = 0; c < 3; c++) {
    const src = px[c]!;
    const dst = out[o + c]!;
    const v =
      mode === 0
        ? Math.floor(src * a + dst * (1 - a) + 0.5)
        : mode === 1
          ? Math.min(255, Math.floor(dst + src * a + 0.5))
          : Math.round(src);
    out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

const words = new DataView(new ArrayBuffer(8));
const highWord = (x: number): number => (words.setFloat64(0, x), words.getUint32(0));
const fromHigh = (hi: number): number => (words.setUint32(0, hi >>> 0), words.setUint32(4, 0), words.getFloat64(0));
const [LN2HI, LN2LO, INVLN2] = [6.9314718036912381649e-1, 1.90821492927058770002e-10, 1.442695040888963387];
const PS = [1.66666666666666019037e-1, -2.77777777770155933842e-3, 6.61375632143793436117e-5];
const [P4, P5] = [-1.6533902205465251539e-6, 4.13813679705723846039e-8];

/** fdlibm's e_exp.c as V8 has it (src/base/ieee754.cc), step for step as points_glsl.cc ports it. */
export function fdlibmExp(x: number): number {
  let hx = highWord(x);
  const xsb = hx >>> 31;
  hx = (hx & 0x7fffffff) >>> 0;
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) return Number.isNaN(x) ? x : xsb === 0 ? x : 0;
    if (x > 7.09782712893383973096e2) return Infinity;
    if (x < -7.4513321910194110842e2) return 0;
  }
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      if (x === 1) return Math.E;
      hi = x - (xsb === 0 ? LN2HI : -LN2HI);
      lo = xsb === 0 ? LN2LO : -LN2LO;
      k = 1 - xsb - xsb;
    } else {
      k = Math.trunc(INVLN2 * x + (xsb === 0 ? 0.5 : -0.5));
      hi = x - k * LN2HI;
      lo = k * LN2LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1 + x;
  }
  const t = x * x;
  const twopk = fromHigh(0x3ff00000 + ((k >= -1021 ? k : k + 1000) << 20));
  const c = x - t * (PS[0]! + t * (PS[1]! + t * (PS[2]! + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - (lo - (x * c) / (2.0 - c) - hi);
  if (k >= -1021) return k === 1024 ? y * 2.0 * 8.98846567431158e307 : y * twopk;
  return y * twopk * 9.3326361850321887899e-302;
}
