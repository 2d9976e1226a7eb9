/**
 * Overscan: margins within the pixel budget, the frame geometry at each scale, pixels of the
 * overscanned render whose centre equals the render without overscan (2D and 3D, HiDPI, off-centre
 * camera), and a real daemon whose frames grow by the margins the view asks for, reported in the header.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LayerData } from "../../../src/daemon/data/types.js";
import { renderLayers } from "../../../src/daemon/render/render3d.js";
import {
  clampMargins,
  DEFAULT_OVERSCAN_MAX_AREA,
  frameGeometry,
  overscanMaxAreaFromEnv,
} from "../../../src/daemon/server/overscan.js";
import { decodeFrame, type Canvas, type ViewerState } from "../../../src/protocol/index.js";
import {
  openViewer,
  layer,
  startTestDaemon,
  streamHello,
  TestClient,
  viewerState,
  type TestDaemon,
} from "./helpers.js";

describe("overscan margins", () => {
  const view: Canvas = { width: 1280, height: 720, pixel_ratio: 1 };

  it("keep what fits the budget, shrink the rest keeping x:y, and respect the 8192 side", () => {
    assert.deepEqual(clampMargins(undefined, view, 1.6), [0, 0]);
    assert.deepEqual(clampMargins([64, 32], view, 1.6), [64, 32]);
    const [x, y] = clampMargins([1024, 1024], view, 1.6);
    assert.ok((1280 + 2 * x) * (720 + 2 * y) <= 1.6 * 1280 * 720, `${x}, ${y} over budget`);
    assert.ok((1280 + 2 * (x + 1)) * (720 + 2 * (y + 1)) > 1.6 * 1280 * 720, `${x}, ${y} shrunk too far`);
    assert.ok(Math.abs(x - y) <= 1, "x:y kept");
    assert.deepEqual(clampMargins([100, 100], view, 1), [0, 0], "budget 1: no overscan");
    const wide: Canvas = { width: 8000, height: 100, pixel_ratio: 1 };
    assert.equal(clampMargins([500, 0], wide, 16)[0], 96, "no side beyond 8192");
  });

  it("frame geometry: the scaled view plus floor(margin / scale) per side, even sizes", () => {
    assert.deepEqual(frameGeometry(view, [64, 33], 1), {
      canvas: { width: 1408, height: 786, pixel_ratio: 1 },
      marginX: 64,
      marginY: 33,
    });
    assert.deepEqual(frameGeometry(view, [64, 33], 2), {
      canvas: { width: 704, height: 392, pixel_ratio: 0.5 },
      marginX: 32,
      marginY: 16,
    });
    assert.deepEqual(frameGeometry(view, [64, 33], 4), {
      canvas: { width: 352, height: 196, pixel_ratio: 0.25 },
      marginX: 16,
      marginY: 8,
    });
  });

  it("NAPARI_CUDA_OVERSCAN_MAX_AREA: default 1.6, 1..16, errors name it", () => {
    assert.equal(overscanMaxAreaFromEnv({}), 1.6);
    assert.equal(overscanMaxAreaFromEnv({ NAPARI_CUDA_OVERSCAN_MAX_AREA: "2.5" }), 2.5);
    for (const bad of ["0.5", "17", "lots", "-1"]) {
      assert.throws(
        () => overscanMaxAreaFromEnv({ NAPARI_CUDA_OVERSCAN_MAX_AREA: bad }),
        /NAPARI_CUDA_OVERSCAN_MAX_AREA/,
      );
    }
  });
});

/** A deterministic pattern volume (or image when depth is 1). */
function pattern(shape: number[]): LayerData {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = (i * 37 + (i >> 5) * 11) & 0xff;
  return { id: "a", dtype: "uint8", shape, data };
}

function render(state: ViewerState, canvas: Canvas, data: LayerData): Uint8Array {
  const out = new Uint8Array(canvas.width * canvas.height * 4);
  renderLayers({ state, canvas, layers: new Map([["a", data]]) }, out);
  return out;
}

/** Rows/columns [mx, mx + w) x [my, my + h) of an RGBA image `width` wide. */
function crop(rgba: Uint8Array, width: number, mx: number, my: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    out.set(rgba.subarray(((y + my) * width + mx) * 4, ((y + my) * width + mx + w) * 4), y * w * 4);
  return out;
}

describe("an overscanned render's centre is the render without overscan", () => {
  const view: Canvas = { width: 96, height: 64, pixel_ratio: 2 };
  const cases: Array<[string, ViewerState, LayerData]> = [
    [
      "2D nearest",
      viewerState([20.3, 33.7], 0.83, [layer("a", { scale: [1, 1], translate: [0, 0] })]),
      pattern([48, 64]),
    ],
    [
      "2D linear",
      viewerState([18, 29.5], 1.7, [layer("a", { interpolation: "linear", scale: [1.5, 1], translate: [2, -3] })]),
      pattern([48, 64]),
    ],
    [
      "3D",
      {
        camera: { center: [8, 12, 14], zoom: 1.9, angles: [10, 25, 80] },
        dims: { ndisplay: 3, current_step: [], axis_labels: [] },
        layers: [layer("a", { scale: [1, 1, 1], translate: [0, 0, 0], rendering: "mip" })] as ViewerState["layers"],
      },
      pattern([16, 24, 28]),
    ],
  ];
  for (const [name, state, data] of cases) {
    for (const scale of [1, 2] as const) {
      it(`${name}, scale ${scale}`, () => {
        const plain = frameGeometry(view, [0, 0], scale);
        const over = frameGeometry(view, [10, 6], scale);
        assert.equal(over.canvas.width, plain.canvas.width + 2 * over.marginX);
        assert.equal(over.canvas.height, plain.canvas.height + 2 * over.marginY);
        const a = render(state, plain.canvas, data);
        const b = render(state, over.canvas, data);
        const { width, height } = plain.canvas;
        const centre = crop(b, over.canvas.width, over.marginX, over.marginY, width, height);
        assert.ok(
          a.some((v, i) => i % 4 !== 3 && v !== 0),
          "the render shows something",
        );
        assert.deepEqual(centre, a);
      });
    }
  }
});

describe("a real daemon's frames carry the view's overscan", { timeout: 60_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon();
  });
  after(async () => {
    await t.daemon.close();
  });

  it("hello and state overscan: frame = canvas + 2 margins, margins in the header; none = the canvas", async () => {
    await openViewer(t, "os1");
    const c = await TestClient.open(t.url("/stream"));
    try {
      c.send(streamHello({ viewer_id: "os1", overscan: [8, 6] }));
      let f = decodeFrame((await c.untilBinary()).data).header;
      assert.deepEqual([f.width, f.height, f.marginX, f.marginY], [64 + 16, 48 + 12, 8, 6]);
      c.send({ type: "ack", frame_id: f.frameId });
      c.send({ type: "state", seq: 1, state: viewerState([1, 1], 1) }); // no overscan: none
      f = decodeFrame((await c.untilBinary()).data).header;
      assert.deepEqual([f.width, f.height, f.marginX, f.marginY, f.keyframe], [64, 48, 0, 0, true]);
      c.send({ type: "ack", frame_id: f.frameId });
      c.send({ type: "state", seq: 2, state: viewerState([1, 1], 1), overscan: [1024, 1024] });
      f = decodeFrame((await c.untilBinary()).data).header;
      const [mx, my] = clampMargins([1024, 1024], { width: 64, height: 48, pixel_ratio: 1 }, DEFAULT_OVERSCAN_MAX_AREA);
      assert.deepEqual([f.width, f.height, f.marginX, f.marginY], [64 + 2 * mx, 48 + 2 * my, mx, my]);
    } finally {
      await c.close();
    }
  });
});
