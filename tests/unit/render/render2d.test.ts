import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { colorIndex, colormapLut } from "../../../src/daemon/render/colormaps.js";
import { renderLayers2D } from "../../../src/daemon/render/render2d.js";
import type { RenderRequest } from "../../../src/daemon/render/types.js";
import { isNapariCudaError, type DType } from "../../../src/protocol/index.js";
import { layer, layerData, pixel, redRows, request, rng } from "./helpers.js";

function render(req: RenderRequest): Uint8Array {
  const out = new Uint8Array(req.canvas.width * req.canvas.height * 4);
  renderLayers2D(req, out);
  return out;
}

const zeros = (n: number): number[] => new Array<number>(n).fill(0);

describe("renderLayers2D geometry", () => {
  const H = 20;
  const W = 30;
  const img = layerData("img", "uint8", [H, W], (i) => (i * 37 + 11) % 256);
  const centred = { width: W, height: H, center: [(H - 1) / 2, (W - 1) / 2] };

  it("reproduces the data pixel for pixel at zoom 1 with a centred camera", () => {
    const out = render(request([[layer("img"), img]], centred));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = img.data[y * W + x]!;
        assert.deepEqual(pixel(out, W, x, y), [v, v, v, 255], `(${x}, ${y})`);
      }
    }
  });

  it("applies the colormap to every pixel at zoom 1", () => {
    const data = layerData("u16", "uint16", [H, W], (i) => (i * 7919) % 4096);
    const out = render(request([[layer("u16", { colormap: "viridis", contrast_limits: [100, 3000] }), data]], centred));
    const lut = colormapLut("viridis");
    for (let i = 0; i < H * W; i++) {
      const k = colorIndex(data.data[i]!, 100, 3000, 1) * 4;
      assert.deepEqual([...out.subarray(i * 4, i * 4 + 4)], [lut[k], lut[k + 1], lut[k + 2], 255], `pixel ${i}`);
    }
  });

  it("nearest: blows a 2x2 image up into 8x8 blocks at zoom 8", () => {
    const d = layerData("d", "uint8", [2, 2], (i) => [10, 20, 30, 40][i]!);
    const out = render(request([[layer("d"), d]], { width: 16, height: 16, center: [0.5, 0.5], zoom: 8 }));
    const rows = redRows(out, 16, 16);
    for (let y = 0; y < 16; y++) {
      const [a, b] = y < 8 ? [10, 20] : [30, 40];
      assert.deepEqual(rows[y], [...new Array<number>(8).fill(a), ...new Array<number>(8).fill(b)], `row ${y}`);
    }
  });

  it("nearest: rounds half up; the data spans [-0.5, size - 0.5)", () => {
    const d = layerData("d", "uint8", [1, 2], (i) => [100, 200][i]!);
    // Column c samples world x = c - 7.5, row r samples y = r - 7.5.
    const out = render(request([[layer("d"), d]], { width: 16, height: 16, center: [0, 0] }));
    const rows = redRows(out, 16, 16);
    for (let y = 0; y < 16; y++) {
      const want = zeros(16);
      if (y === 7) {
        want[7] = 100; // x = -0.5: inside, pixel 0
        want[8] = 200; // x = 0.5: rounds up to pixel 1
      } // x = 1.5 (= size - 0.5) and y = 0.5 (= size - 0.5) are outside
      assert.deepEqual(rows[y], want, `row ${y}`);
    }
    assert.deepEqual(pixel(out, 16, 0, 0), [0, 0, 0, 255], "background is opaque black");
  });

  it("linear: interpolates between pixel centres and clamps at the edges", () => {
    const d = layerData("d", "uint8", [1, 2], (i) => [0, 255][i]!);
    const out = render(
      request([[layer("d", { interpolation: "linear" }), d]], { width: 16, height: 16, center: [0, 0.5], zoom: 8 }),
    );
    const rows = redRows(out, 16, 16);
    // x = (c - 3.5) / 8; v = 255 * clamp(x, 0, 1); index = floor(x * 256) capped at 255.
    const inside = [0, 0, 0, 0, 16, 48, 80, 112, 144, 176, 208, 240, 255, 255, 255, 255];
    for (let y = 0; y < 16; y++) assert.deepEqual(rows[y], y >= 4 && y < 12 ? inside : zeros(16), `row ${y}`);
  });

  it("linear: bilinear weights in 2D", () => {
    const d = layerData("d", "uint8", [2, 2], (i) => [0, 100, 200, 255][i]!);
    const l = layer("d", { interpolation: "linear", contrast_limits: [0, 256] });
    // Pixel (8, 8) samples (y, x) = (0.25, 0.5); pixel (7, 8) samples (0.25, -0.5).
    const out = render(request([[l, d]], { width: 16, height: 16, center: [-0.25, 0] }));
    assert.equal(pixel(out, 16, 8, 8)[0], 94); // 50 + (227.5 - 50) * 0.25 = 94.375
    assert.equal(pixel(out, 16, 7, 8)[0], 50); // column clamped to 0: 0 + (200 - 0) * 0.25
    assert.equal(pixel(out, 16, 9, 8)[0], 0); // x = 1.5: outside
  });

  it("pans: moving the camera right by 3 moves the content left by 3 pixels", () => {
    const out = render(request([[layer("img"), img]], { ...centred, center: [(H - 1) / 2, (W - 1) / 2 + 3] }));
    const rows = redRows(out, W, H);
    for (let y = 0; y < H; y++) {
      const want = Array.from({ length: W }, (_, x) => (x + 3 < W ? img.data[y * W + x + 3]! : 0));
      assert.deepEqual(rows[y], want, `row ${y}`);
    }
  });

  it("zooms about the camera centre", () => {
    const out = render(request([[layer("img"), img]], { ...centred, zoom: 2 }));
    const row = redRows(out, W, H)[10]!; // y = 9.5 + (10.5 - 10) / 2 = 9.75 -> data row 10
    const data = (x: number): number => img.data[10 * W + x]!;
    // x(c) = 14.5 + (c - 14.5) / 2
    assert.deepEqual(row.slice(11, 17), [data(13), data(13), data(14), data(14), data(15), data(15)]);
  });

  it("pixel_ratio 2 shows what zoom 2 shows", () => {
    const opts = { width: 60, height: 40, center: [9.5, 14.5] };
    const a = render(request([[layer("img"), img]], { ...opts, pixelRatio: 2 }));
    const b = render(request([[layer("img"), img]], { ...opts, zoom: 2 }));
    assert.deepEqual(a, b);
  });

  it("translate and scale place the layer in world space", () => {
    const shifted = render(request([[layer("img", { translate: [0, 5] }), img]], { ...centred, center: [9.5, 19.5] }));
    assert.deepEqual(shifted, render(request([[layer("img"), img]], centred)));
    const scaled = render(request([[layer("img", { scale: [2, 2] }), img]], { ...centred, center: [19, 29] }));
    assert.deepEqual(scaled, render(request([[layer("img"), img]], { ...centred, zoom: 2 })));
  });

  it("renders bands that add up to the whole frame", () => {
    const req = request([[layer("img", { colormap: "magma" }), img]], { ...centred, zoom: 1.7 });
    const banded = new Uint8Array(W * H * 4);
    for (const [y0, y1] of [
      [0, 5],
      [5, 11],
      [11, 20],
    ] as const)
      renderLayers2D(req, banded, { y0, y1 });
    assert.deepEqual(banded, render(req));
  });
});

describe("renderLayers2D colour and blending", () => {
  const flat = (id: string, v: number, dtype: DType = "uint8") => layerData(id, dtype, [16, 16], () => v);
  const view = { width: 16, height: 16, center: [7.5, 7.5] };
  const at = (out: Uint8Array): number[] => pixel(out, 16, 5, 9);

  it("translucent: src*a + dst*(1-a), rounded half up", () => {
    const low = flat("low", 200);
    const top = flat("top", 100);
    const two = (opacity: number) =>
      at(
        render(
          request(
            [
              [layer("low"), low],
              [layer("top", { opacity }), top],
            ],
            view,
          ),
        ),
      );
    assert.deepEqual(two(0.5), [150, 150, 150, 255]);
    assert.deepEqual(two(0), [200, 200, 200, 255]);
    assert.deepEqual(two(1), [100, 100, 100, 255]);
    const one = (v: number, opacity: number) => at(render(request([[layer("a", { opacity }), flat("a", v)]], view)));
    assert.deepEqual(one(200, 0.3), [60, 60, 60, 255]);
    assert.deepEqual(one(101, 0.5), [51, 51, 51, 255]); // 50.5 rounds up
  });

  it("translucent_no_depth blends like translucent", () => {
    const req = (blending: "translucent" | "translucent_no_depth") =>
      request(
        [
          [layer("low"), flat("low", 200)],
          [layer("top", { opacity: 0.35, blending }), flat("top", 10)],
        ],
        view,
      );
    assert.deepEqual(render(req("translucent_no_depth")), render(req("translucent")));
  });

  it("additive: min(255, dst + src*a)", () => {
    const two = (opacity: number) =>
      at(
        render(
          request(
            [
              [layer("low"), flat("low", 200)],
              [layer("top", { opacity, blending: "additive" }), flat("top", 100)],
            ],
            view,
          ),
        ),
      );
    assert.deepEqual(two(1), [255, 255, 255, 255]);
    assert.deepEqual(two(0.25), [225, 225, 225, 255]);
    assert.deepEqual(two(0.3), [230, 230, 230, 255]);
    const rg = render(
      request(
        [
          [layer("r", { colormap: "red" }), flat("r", 200)],
          [layer("g", { colormap: "green", blending: "additive" }), flat("g", 100)],
        ],
        view,
      ),
    );
    assert.deepEqual(at(rg), [200, 100, 0, 255]);
  });

  it("opaque: replaces what is below, ignoring opacity", () => {
    const out = render(
      request(
        [
          [layer("low"), flat("low", 200)],
          [layer("top", { opacity: 0.3, blending: "opaque" }), flat("top", 100)],
        ],
        view,
      ),
    );
    assert.deepEqual(at(out), [100, 100, 100, 255]);
  });

  it("draws in state order and skips hidden layers and layers without data", () => {
    const a = flat("a", 10);
    const b = flat("b", 20);
    assert.equal(
      at(
        render(
          request(
            [
              [layer("a"), a],
              [layer("b"), b],
            ],
            view,
          ),
        ),
      )[0],
      20,
    );
    assert.equal(
      at(
        render(
          request(
            [
              [layer("b"), b],
              [layer("a"), a],
            ],
            view,
          ),
        ),
      )[0],
      10,
    );
    assert.equal(
      at(
        render(
          request(
            [
              [layer("a"), a],
              [layer("b", { visible: false }), b],
            ],
            view,
          ),
        ),
      )[0],
      10,
    );
    const req = request([[layer("a"), a]], view);
    req.state.layers.push(layer("missing"));
    assert.equal(at(render(req))[0], 10);
  });

  it("NaN is transparent: the layer below shows through", () => {
    const low = flat("low", 50);
    const top = layerData("top", "float32", [16, 16], (i) => (i === 9 * 16 + 5 ? NaN : 0.5));
    const out = render(
      request(
        [
          [layer("low"), low],
          [layer("top", { contrast_limits: [0, 1] }), top],
        ],
        view,
      ),
    );
    assert.deepEqual(at(out), [50, 50, 50, 255]);
    assert.deepEqual(pixel(out, 16, 6, 9), [128, 128, 128, 255]);
  });

  it("the folded 8/16-bit tables equal the per-pixel path", () => {
    const next = rng(0xfeed_beef_0000_0042n);
    for (const [dtype, span, offset] of [
      ["uint16", 65536, 0],
      ["int16", 65536, -32768],
      ["uint8", 256, 0],
      ["int8", 256, -128],
    ] as const) {
      const values = Array.from({ length: 256 }, () => Math.floor(next() * span) + offset);
      const fast = layerData("x", dtype, [16, 16], (i) => values[i]!);
      const slow = layerData("x", "float64", [16, 16], (i) => values[i]!);
      for (const gamma of [1, 0.7, 2.3]) {
        const l = layer("x", {
          colormap: "inferno",
          gamma,
          contrast_limits: [offset + span * 0.1, offset + span * 0.8],
        });
        assert.deepEqual(render(request([[l, fast]], view)), render(request([[l, slow]], view)), `${dtype} ${gamma}`);
      }
    }
  });
});

describe("renderLayers2D n-D slicing", () => {
  // Shape (3, 4, 2, 2): plane (i, j) holds (i*4 + j)*10 + pixel index.
  const nd = layerData("nd", "uint8", [3, 4, 2, 2], (k) => Math.floor(k / 4) * 10 + (k % 4));
  const plane = (step: number[]): number[] => {
    const out = render(request([[layer("nd"), nd]], { width: 2, height: 2, center: [0.5, 0.5], step }));
    return redRows(out, 2, 2).flat();
  };

  it("slices the leading axes at current_step", () => {
    assert.deepEqual(plane([2, 3, 0, 0]), [110, 111, 112, 113]);
    assert.deepEqual(plane([0, 1, 0, 0]), [10, 11, 12, 13]);
  });

  it("aligns layer axes to the viewer's last axes", () => {
    assert.deepEqual(plane([9, 1, 2, 0, 0]), [60, 61, 62, 63]);
  });

  it("clamps the step to the layer's range; a missing step is 0", () => {
    assert.deepEqual(plane([7, 99, 0, 0]), [110, 111, 112, 113]);
    assert.deepEqual(plane([1]), [0, 1, 2, 3]);
  });
});

describe("renderLayers2D errors", () => {
  const d = layerData("d", "uint8", [4, 4], () => 1);

  it("refuses 3D with unsupported at dims.ndisplay", () => {
    const req = request([[layer("d"), d]], { width: 16, height: 16, center: [0, 0] });
    req.state.dims.ndisplay = 3;
    assert.throws(
      () => render(req),
      (e) => isNapariCudaError(e, "unsupported") && e.path === "dims.ndisplay",
    );
  });

  it("refuses an output buffer of the wrong size", () => {
    const req = request([[layer("d"), d]], { width: 16, height: 16, center: [0, 0] });
    assert.throws(
      () => renderLayers2D(req, new Uint8Array(16)),
      (e) => isNapariCudaError(e, "render_failed"),
    );
  });
});
