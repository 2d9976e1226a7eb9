import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labelPalette, labelRgba } from "../../../src/daemon/render/label-palette.js";
import { renderLayers2D } from "../../../src/daemon/render/render2d.js";
import { labelColor, labelColorTable, type DType, type LayerState } from "../../../src/protocol/index.js";
import { layer, layerData, pixel, request } from "./helpers.js";

const labels = (id: string, over: Partial<LayerState> = {}): LayerState => layer(id, { kind: "labels", ...over });

describe("label palette", () => {
  for (const dtype of ["uint8", "int8", "uint16", "int16"] as DType[]) {
    it(`${dtype}: the folded table equals labelColor for every value`, () => {
      const p = labelPalette(labels("a", { seed: 0.3, num_colors: 20 }), dtype);
      const table = labelColorTable(20, 0.3);
      const { lut } = p;
      assert.ok(lut);
      const signed = dtype.startsWith("int");
      const count = lut.table.length;
      for (let k = 0; k < count; k += 7) {
        const v: number = k - lut.offset;
        const rgba = labelColor(v, table, { dtype: dtype as "uint8" });
        const packed = new Uint32Array(new Uint8Array(rgba).buffer)[0]!;
        assert.equal(lut.table[k], packed, `${dtype} value ${v}`);
      }
      assert.equal(lut.table[lut.offset], 0, "0 is transparent");
      assert.equal(signed, lut.offset > 0);
    });
  }

  it("wide values follow (v - 1) mod n + 1, negative and beyond 2^32 too", () => {
    const p = labelPalette(labels("a"), "float64");
    const table = labelColorTable();
    for (const v of [1, 48, 49, 50, 97, -1, -48, -49, 2 ** 31 - 1, 2 ** 32 + 5, 2 ** 52 + 3]) {
      const packed = new Uint32Array(new Uint8Array(labelColor(v, table)).buffer)[0]!;
      assert.equal(labelRgba(p, v), packed, `value ${v}`);
    }
    assert.equal(labelRgba(p, 0), 0);
    assert.equal(labelRgba(p, Number.NaN), 0);
  });

  it("show_selected_label hides every other label", () => {
    const p = labelPalette(labels("a", { show_selected_label: true, selected_label: 7 }), "int32");
    assert.notEqual(labelRgba(p, 7), 0);
    assert.equal(labelRgba(p, 8), 0);
    const small = labelPalette(labels("a", { show_selected_label: true, selected_label: 7 }), "uint8");
    assert.notEqual(small.lut!.table[7], 0);
    assert.equal(small.lut!.table[8], 0);
  });
});

describe("labels in the 2D renderer", () => {
  const H = 24;
  const W = 30;
  // Blocks of labels: 0 on the left third, 5 in the middle, 1000 on the right.
  const data = layerData("lab", "int32", [H, W], (i) => {
    const x = i % W;
    return x < 10 ? 0 : x < 20 ? 5 : 1000;
  });
  const view = { width: W, height: H, center: [(H - 1) / 2, (W - 1) / 2] };

  it("draws label colours, the background transparent, never interpolated", () => {
    const out = new Uint8Array(W * H * 4);
    renderLayers2D(request([[labels("lab", { interpolation: "linear" }), data]], view), out);
    const table = labelColorTable();
    assert.deepEqual(pixel(out, W, 3, 4), [0, 0, 0, 255]);
    assert.deepEqual(pixel(out, W, 15, 4), labelColor(5, table));
    assert.deepEqual(pixel(out, W, 25, 4), labelColor(1000, table));
    // On the 5|1000 boundary: no mixed colour between the two.
    assert.deepEqual(pixel(out, W, 19, 4), labelColor(5, table));
    assert.deepEqual(pixel(out, W, 20, 4), labelColor(1000, table));
  });

  it("contour keeps w pixels each side of a boundary, the same in bands as whole", () => {
    const state = labels("lab", { contour: 2 });
    const whole = new Uint8Array(W * H * 4);
    renderLayers2D(request([[state, data]], view), whole);
    const banded = new Uint8Array(W * H * 4);
    for (const [y0, y1] of [
      [0, 7],
      [7, 8],
      [8, H],
    ] as const) {
      renderLayers2D(request([[state, data]], view), banded, { y0, y1 });
    }
    assert.deepEqual(banded, whole);
    const drawn = (x: number) =>
      pixel(whole, W, x, 12)
        .slice(0, 3)
        .some((c) => c > 0);
    const row = Array.from({ length: W }, (_, x) => (drawn(x) ? "#" : "."));
    // 5 occupies 10..19 (its edge with 0 at 10, with 1000 at 19/20); the image edges are no contour.
    assert.equal(row.join(""), "..........##......####........");
  });
});
