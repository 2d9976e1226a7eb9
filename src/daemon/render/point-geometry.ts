/**
 * Where a point lands and how far its marker reaches: shared by the CPU renderer (points-draw.ts)
 * and the GPU job (gpu/points-records.ts), whose frames must be equal byte for byte.
 */
import { deviceRays, POINT_SYMBOLS, type Canvas, type ViewerState } from "../../protocol/index.js";

/** Device position (col, row) of a world point (displayed axes), and device pixels per world unit. */
export interface Projector {
  ndisplay: 2 | 3;
  project(world: readonly number[], out: number[]): void;
  pxPerWorld: number;
}

/** The projection of the view: 2D devicePixelToWorld inverted, 3D the orthographic rays of camera3d.ts. */
export function projector(state: ViewerState, canvas: Canvas): Projector {
  if (state.dims.ndisplay === 3) {
    const rays = deviceRays(state.camera, canvas);
    const { origin, stepRight: r, stepDown: d } = rays;
    const rr = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    const dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    return {
      ndisplay: 3,
      pxPerWorld: 1 / rays.step,
      project(w, out) {
        const p0 = w[0]! - origin[0];
        const p1 = w[1]! - origin[1];
        const p2 = w[2]! - origin[2];
        out[0] = (p0 * r[0] + p1 * r[1] + p2 * r[2]) / rr;
        out[1] = (p0 * d[0] + p1 * d[1] + p2 * d[2]) / dd;
      },
    };
  }
  const step = 1 / (state.camera.zoom * canvas.pixel_ratio);
  const [cy, cx] = state.camera.center.slice(-2) as [number, number];
  const originY = cy + (0.5 - canvas.height / 2) * step;
  const originX = cx + (0.5 - canvas.width / 2) * step;
  return {
    ndisplay: 2,
    pxPerWorld: 1 / step,
    project(w, out) {
      out[0] = (w[1]! - originX) / step;
      out[1] = (w[0]! - originY) / step;
    },
  };
}

export const DISC = POINT_SYMBOLS.indexOf("disc");
const STAR = POINT_SYMBOLS.indexOf("star");
const RING = POINT_SYMBOLS.indexOf("ring");
const SQUARE = POINT_SYMBOLS.indexOf("square");
/**
 * How far from its centre (per axis) a marker of diameter s draws anything: vispy draws where
 * r <= pad (edge/2 + aa). A disc, ring or square's r is the distance beyond s/2; the slanted
 * symbols' r is scaled down (by up to 1/sqrt2; above a star's tip by sin 18 deg, 0.309) and a star's
 * tips reach 0.55 s. tests/unit/render/points.test.ts checks every symbol against its reach.
 */
export function markerReach(symbol: number, s: number, pad: number): number {
  if (symbol === DISC || symbol === RING || symbol === SQUARE) return s / 2 + pad;
  if (symbol === STAR) return 0.55 * s + pad / Math.sin(Math.PI / 10);
  return 0.55 * s + Math.SQRT2 * pad;
}
