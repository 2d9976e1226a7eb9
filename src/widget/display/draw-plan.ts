/**
 * How to draw a stored picture onto the canvas (pure): the prediction's warp (CSS px of the
 * picture's view -> CSS px of the current view, predict/warp.ts) composed with the picture's
 * pixels per CSS px, its overscan margins and the canvas's backing pixels per CSS px.
 *
 * A software canvas (this machine's Chromium) blits an integer translation for 0.1-0.3 ms at
 * 1280x720 but resamples a fractional one for ~1.6 ms (a scaled one 0.3 ms nearest, 1.5-2.8 ms
 * bilinear), so a plan whose linear part is the identity becomes an integer blit.
 */
import type { Affine } from "../predict/warp.js";

/** The stored picture: its size (the coded frame) and overscan margins, in its own pixels. */
export interface PictureGeometry {
  width: number;
  height: number;
  marginX: number;
  marginY: number;
}

export interface Size {
  width: number;
  height: number;
}

export type DrawPlan =
  /** drawImage(picture, x, y); `covers`: the picture covers the whole canvas (no clear needed). */
  | { kind: "blit"; x: number; y: number; covers: boolean }
  /** Clear to black, then setTransform(m) and drawImage(picture, 0, 0); `covers` as for a blit. */
  | { kind: "affine"; m: Affine; covers: boolean };

/** Linear parts this close to the identity draw as a translation (under 1 px across 2000 px). */
const LINEAR_EPS = 5e-4;

/** The view region of a picture: the coded size less the margins (at least 1 px). */
export function viewSize(p: PictureGeometry): Size {
  return { width: Math.max(1, p.width - 2 * p.marginX), height: Math.max(1, p.height - 2 * p.marginY) };
}

/**
 * The plan drawing `picture` warped by `warp` (null: as rendered) onto a canvas of `backing`
 * pixels that shows a view of `css` CSS px. Canvas px = B · warp · F⁻¹ · (p - margin), with
 * F and B the picture's and the canvas's pixels per CSS px.
 */
export function drawPlan(warp: Readonly<Affine> | null, picture: PictureGeometry, backing: Size, css: Size): DrawPlan {
  const view = viewSize(picture);
  const cw = css.width > 0 ? css.width : view.width;
  const ch = css.height > 0 ? css.height : view.height;
  const fx = view.width / cw;
  const fy = view.height / ch;
  const bx = backing.width / cw;
  const by = backing.height / ch;
  const [a, b, c, d, e, f] = warp ?? [1, 0, 0, 1, 0, 0];
  // B · A · F⁻¹: scale each column by 1/F, each row by B.
  const m0 = (bx * a) / fx;
  const m1 = (by * b) / fx;
  const m2 = (bx * c) / fy;
  const m3 = (by * d) / fy;
  // ... then · T(-margin).
  const m4 = bx * e - m0 * picture.marginX - m2 * picture.marginY;
  const m5 = by * f - m1 * picture.marginX - m3 * picture.marginY;
  const linearIdentity =
    Math.abs(m0 - 1) < LINEAR_EPS &&
    Math.abs(m3 - 1) < LINEAR_EPS &&
    Math.abs(m1) < LINEAR_EPS &&
    Math.abs(m2) < LINEAR_EPS;
  if (linearIdentity) {
    const x = Math.round(m4);
    const y = Math.round(m5);
    const covers = x <= 0 && y <= 0 && x + picture.width >= backing.width && y + picture.height >= backing.height;
    return { kind: "blit", x, y, covers };
  }
  const m: Affine = [m0, m1, m2, m3, m4, m5];
  return { kind: "affine", m, covers: coversCanvas(m, picture, backing) };
}

/** Does the picture, drawn through `m`, cover every corner of the canvas (so no black shows)? */
function coversCanvas(m: Readonly<Affine>, picture: Size, backing: Size): boolean {
  const det = m[0] * m[3] - m[1] * m[2];
  if (Math.abs(det) < 1e-12) return false;
  for (const [x, y] of [
    [0, 0],
    [backing.width, 0],
    [0, backing.height],
    [backing.width, backing.height],
  ] as const) {
    // The canvas corner in picture pixels (inverse of m).
    const dx = x - m[4];
    const dy = y - m[5];
    const u = (m[3] * dx - m[2] * dy) / det;
    const v = (-m[1] * dx + m[0] * dy) / det;
    if (u < -0.5 || v < -0.5 || u > picture.width + 0.5 || v > picture.height + 0.5) return false;
  }
  return true;
}

/** Whether two plans draw the same (a redraw can be skipped). */
export function samePlan(p: DrawPlan, q: DrawPlan): boolean {
  if (p.kind === "blit" && q.kind === "blit") return p.x === q.x && p.y === q.y;
  if (p.kind === "affine" && q.kind === "affine") return p.m.every((v, i) => Math.abs(v - q.m[i]!) < 1e-9);
  return false;
}
