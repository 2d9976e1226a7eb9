import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MARKERS } from "../../../src/daemon/render/point-markers.js";
import { renderLayers2D } from "../../../src/daemon/render/render2d.js";
import { packPointColor, POINT_SYMBOLS, type LayerState } from "../../../src/protocol/index.js";
import { layer, layerData, request } from "./helpers.js";

const points = (over: Partial<LayerState> = {}): LayerState => layer("pts", { kind: "points", ...over });
const WHITE = packPointColor(255, 255, 255, 255);
const GRAY = packPointColor(105, 105, 105, 255);

/** A table of points (y, x, size, face, border, symbol). */
function table(rows: number[][]) {
  return layerData("pts", "float64", [rows.length, 6], (i) => rows[Math.floor(i / 6)]![i % 6]!);
}

describe("points in the 2D renderer", () => {
  const W = 64;
  const H = 48;
  const view = { width: W, height: H, center: [(H - 1) / 2, (W - 1) / 2] };

  it("bands join without seams", () => {
    const data = table(POINT_SYMBOLS.map((_, k) => [8 + 16 * Math.floor(k / 5), 6 + 12 * (k % 5), 9, WHITE, GRAY, k]));
    const whole = new Uint8Array(W * H * 4);
    renderLayers2D(request([[points(), data]], view), whole);
    const banded = new Uint8Array(W * H * 4);
    for (const [y0, y1] of [
      [0, 9],
      [9, 10],
      [10, 31],
      [31, H],
    ] as const) {
      renderLayers2D(request([[points(), data]], view), banded, { y0, y1 });
    }
    assert.deepEqual(banded, whole);
  });

  it("every symbol lies within the reach the renderer scans", () => {
    // vispy draws where r <= edge/2 + aa; sample a wide box around a marker of size 10.
    const s = 10;
    const pad = 0.5 + 1;
    for (const name of POINT_SYMBOLS) {
      const round = name === "disc" || name === "ring" || name === "square";
      const slant = name === "star" ? 1 / Math.sin(Math.PI / 10) : Math.SQRT2;
      const reach = round ? s / 2 + pad : 0.55 * s + slant * pad;
      for (let y = -20; y <= 20; y += 0.25) {
        for (let x = -20; x <= 20; x += 0.25) {
          if (Math.max(Math.abs(x), Math.abs(y)) <= reach) continue;
          assert.ok(MARKERS[name](x, y, s) > pad, `${name} reaches (${x}, ${y})`);
        }
      }
    }
  });

  it("a point with a NaN coordinate (the empty table's row) draws nothing", () => {
    const out = new Uint8Array(W * H * 4);
    renderLayers2D(request([[points(), table([[NaN, NaN, 10, WHITE, GRAY, 4]])]], view), out);
    for (let i = 0; i < W * H; i++) assert.deepEqual([...out.subarray(i * 4, i * 4 + 3)], [0, 0, 0]);
  });
});
