/** The status bar over a labels layer: the label under the cursor as an exact integer, and its colour. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { labelColor, labelColorTable } from "../../../src/protocol/label-colors.js";
import type { StreamValue } from "../../../src/protocol/stream.js";
import { formatLabel, valueText } from "../../../src/widget/statusbar/format.js";
import { statusLine } from "../../../src/widget/statusbar/line.js";
import { labelCss } from "../../../src/widget/util/label-swatch.js";
import { layerTrait } from "./layer-fixture.js";

const rgb = (c: readonly number[]) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

function reply(value: number | string | null, status: StreamValue["status"] = "ok"): StreamValue {
  return { type: "value", id: 1, layer_id: "a", status, value, level: 0, level_count: 1, data_position: [3, 4] };
}

function line(layer: ReturnType<typeof layerTrait>, r: StreamValue) {
  const base = { layers: [layer], layer, axisLabels: ["y", "x"], hovering: true, meta: undefined };
  return statusLine({ ...base, world: [3, 4], answer: { position: [3, 4], reply: r } });
}

test("labels values are exact integers whatever the dtype (wide int64 labels arrive as float64)", () => {
  assert.equal(formatLabel(5), "5");
  assert.equal(formatLabel(123456), "123456", "not %.4g's 1.235e+05");
  assert.equal(formatLabel(2 ** 53 - 1), "9007199254740991");
  assert.equal(formatLabel(-7), "-7");
  assert.equal(formatLabel(null), "");
  assert.equal(valueText("ok", 123456, "float64", true), "123456");
  assert.equal(valueText("ok", 123456, "float64"), "1.235e+05", "images keep napari's float format");
  assert.equal(valueText("loading", null, "int32", true), "…");
});

test("a label's swatch is the colour the daemon draws it with (napari's cyclic table)", () => {
  const layer = layerTrait({ kind: "labels", dtype: "int32" });
  const table = labelColorTable(49, 0.5);
  for (const v of [1, 2, 7, 49, 50, 1000, -3]) assert.equal(labelCss(layer, v), rgb(labelColor(v, table)), String(v));
  assert.equal(labelCss(layer, 50), labelCss(layer, 1), "49 colours cycle");
  assert.equal(labelCss(layer, 0), null, "the background is transparent");
  assert.equal(labelCss(layer, 1.5), null);
  assert.equal(labelCss(layer, 2 ** 53 + 2), null, "not an exact integer");
  assert.equal(labelCss(layer, null), null);
  const other = layerTrait({ kind: "labels", dtype: "int32", num_colors: 10, seed: 0.25 });
  assert.equal(labelCss(other, 3), rgb(labelColor(3, labelColorTable(10, 0.25))));
  assert.notEqual(labelCss(other, 3), labelCss(layer, 3), "num_colors and seed change the colours");
  // napari's dtype edge: int8 -128 takes row 127 mod 49 + 1, not the floor-modulo row.
  const int8 = layerTrait({ kind: "labels", dtype: "int8" });
  assert.equal(labelCss(int8, -128), rgb(labelColor(-128, table, { dtype: "int8" })));
  assert.notEqual(labelCss(int8, -128), rgb(labelColor(-128, table)));
});

test("the line over a labels layer: 'Labels [y x]: 5' and the label's colour; 0 has none", () => {
  const labels = layerTrait({ name: "Labels", kind: "labels", dtype: "int32" });
  const five = line(labels, reply(5));
  assert.equal(`${five.name} ${five.text}`, "Labels [y 3, x 4]: 5");
  assert.equal(five.value, "5");
  assert.equal(five.swatch, rgb(labelColor(5, labelColorTable())));
  const zero = line(labels, reply(0));
  assert.deepEqual([zero.value, zero.swatch], ["0", null]);
  const wide = line(layerTrait({ name: "Labels", kind: "labels", dtype: "float64" }), reply(4294967301));
  assert.equal(wide.text, "[y 3, x 4]: 4294967301");
  assert.equal(wide.swatch, rgb(labelColor(4294967301, labelColorTable())));
  // show_selected_label hides the other labels on the canvas; the bar still names their colour.
  const only = line(
    layerTrait({ kind: "labels", dtype: "int32", show_selected_label: true, selected_label: 2 }),
    reply(5),
  );
  assert.equal(only.swatch, five.swatch);
  assert.equal(line(labels, reply(null, "loading")).swatch, null);
  assert.equal(line(labels, reply(null, "outside")).swatch, null);
  // Images: no swatch, values as before.
  const image = line(layerTrait({ dtype: "float32" }), reply(123456));
  assert.deepEqual([image.value, image.swatch], ["1.235e+05", null]);
});
