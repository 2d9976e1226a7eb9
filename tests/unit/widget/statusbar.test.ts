/** The status bar's texts (napari's formats) and the cursor's world position. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { worldToScreen } from "../../../src/protocol/camera.js";
import { cursorWorld, describedLayer } from "../../../src/widget/statusbar/cursor.js";
import {
  coordDecimals,
  formatCoords,
  formatG,
  formatValue,
  levelText,
  valueText,
} from "../../../src/widget/statusbar/format.js";
import type { StreamValue } from "../../../src/protocol/stream.js";
import { statusLine } from "../../../src/widget/statusbar/line.js";
import type { DimsTrait, LayerTrait } from "../../../src/widget/state/traits.js";
import { layerTrait } from "./layer-fixture.js";

test("floats as Python's %.4g (napari formats values with g)", () => {
  // Expected strings from CPython: '%.4g' % v.
  const cases: Array<[number, string]> = [
    [0.1, "0.1"],
    [1234.0, "1234"],
    [12345.6, "1.235e+04"],
    [123456.7, "1.235e+05"],
    [9999.6, "1e+04"],
    [0.00012345, "0.0001234"],
    [1.2345e-5, "1.234e-05"],
    [-2.5e-7, "-2.5e-07"],
    [3.14159, "3.142"],
    [1e-5, "1e-05"],
    [100.0, "100"],
    [0.5, "0.5"],
    [-0.0001, "-0.0001"],
    [1e100, "1e+100"],
    [65504.0, "6.55e+04"],
    [1.0, "1"],
    [0, "0"],
  ];
  for (const [v, want] of cases) assert.equal(formatG(v), want, String(v));
});

test("values: integers as integers, floats with 4 significant digits, numpy's names for non-finite", () => {
  assert.equal(formatValue(65535, "uint16"), "65535");
  assert.equal(formatValue(-128, "int8"), "-128");
  assert.equal(formatValue(123456789, "uint32"), "123456789");
  assert.equal(formatValue(Math.fround(0.1), "float32"), "0.1");
  assert.equal(formatValue(1234.5678, "float64"), "1235");
  assert.equal(formatValue(3, "float32"), "3");
  assert.equal(formatValue("NaN", "float32"), "nan");
  assert.equal(formatValue("Infinity", "float32"), "inf");
  assert.equal(formatValue("-Infinity", "float64"), "-inf");
  assert.equal(formatValue(null, "uint8"), "");
  assert.equal(valueText("ok", 7, "uint8"), "7");
  assert.equal(valueText("loading", null, "uint8"), "…");
  for (const s of ["outside", "no_layer", "busy"] as const) assert.equal(valueText(s, null, "uint8"), "");
});

test("coordinates: the layer's axes with the dims' labels; whole numbers without a transform", () => {
  assert.equal(coordDecimals([1, 1], [0, 0]), null);
  assert.equal(formatCoords([12, 340.4, 101.6], ["z", "y", "x"], 3, null), "z 12, y 340, x 102");
  assert.equal(formatCoords([-0.4, 2], ["y", "x"], 2, null), "y 0, x 2");
  // napari: ceil(-log10(|scale|)) decimals, at least -2, plus 2.
  assert.equal(coordDecimals([1, 1], [5, 0]), 2);
  assert.equal(coordDecimals([0.01, 1], [0, 0]), 4);
  assert.equal(coordDecimals([0.009, 2], [0, 0]), 5);
  assert.equal(coordDecimals([1000, 1000], [0, 0]), 0);
  assert.equal(formatCoords([12, 340.456, 101.2], ["z", "y", "x"], 3, 2), "z 12.00, y 340.46, x 101.20");
  // A 2D layer in a 3D viewer shows its own two axes; missing labels are axis indices.
  assert.equal(formatCoords([4, 7, 9], ["t", "", "x"], 2, null), "1 7, x 9");
  assert.equal(levelText(1, 4), "level 1/3");
  assert.equal(levelText(3, 4), "level 3/3");
  assert.equal(levelText(0, 1), "");
});

const CANVAS = { width: 200, height: 100, pixel_ratio: 2 }; // 100 x 50 CSS px
const CAMERA = { center: [40, 60], zoom: 4, angles: [0, 0, 90] as [number, number, number] };

const layer = (over: Partial<LayerTrait> & Record<string, unknown> = {}): LayerTrait =>
  layerTrait({ shape: [10, 10], ...over });

test("cursor world: the inverse of worldToScreen on the displayed axes", () => {
  const dims: DimsTrait = { ndisplay: 2, current_step: [0, 0], axis_labels: ["y", "x"], nsteps: [10, 10] };
  for (const w of [
    [40, 60],
    [31.25, 72.5],
    [45.5, 50],
  ] as const) {
    const screen = worldToScreen(CAMERA, CANVAS, [w[0], w[1]]);
    const got = cursorWorld(CAMERA, CANVAS, dims, layer(), screen)!;
    assert.deepEqual(
      got.map((v) => Math.round(v * 1e9) / 1e9),
      [...w],
    );
  }
  // The canvas centre (CSS px) is the camera centre.
  assert.deepEqual(cursorWorld(CAMERA, CANVAS, dims, layer(), [50, 25]), [40, 60]);
});

test("cursor world: sliced axes at their slice, placed by the layer's transform (right-aligned)", () => {
  const dims: DimsTrait = { ndisplay: 2, current_step: [3, 5, 0, 0], axis_labels: [], nsteps: [4, 9, 10, 10] };
  const vol = layer({ shape: [9, 10, 10], scale: [2, 1, 1], translate: [100, 0, 0] });
  // Viewer axis 0 is not the layer's: its step as is; axis 1 is the layer's z: 5 * 2 + 100.
  assert.deepEqual(cursorWorld(CAMERA, CANVAS, dims, vol, [50, 25]), [3, 110, 40, 60]);
  assert.equal(cursorWorld(CAMERA, CANVAS, { ...dims, ndisplay: 3 }, vol, [50, 25]), null, "3D: no point");
  assert.equal(cursorWorld(CAMERA, null, dims, vol, [50, 25]), null, "no canvas yet");
});

test("the layer described is the top visible one", () => {
  const a = layer({ id: "a" });
  const b = layer({ id: "b" });
  const hidden = layer({ id: "c", visible: false });
  assert.equal(describedLayer([a, b, hidden], null)?.id, "b");
  assert.equal(describedLayer([a, b, hidden], "a")?.id, "a", "the selected layer when visible");
  assert.equal(describedLayer([a, b, hidden], hidden.id)?.id, "b", "a hidden selection falls back to the top visible");
  assert.equal(describedLayer([hidden], null), undefined);
  assert.equal(describedLayer([], null), undefined);
});

function value(over: Partial<StreamValue> = {}): StreamValue {
  return {
    type: "value",
    id: 1,
    layer_id: "a",
    status: "ok",
    value: 25041,
    level: 0,
    level_count: 1,
    data_position: [25, 41],
    ...over,
  };
}

test("the line: layer name, the answered position with its value, and the level", () => {
  const a = layer({ name: "ramp", shape: [64, 80], dtype: "uint16" });
  const base = { layers: [a], layer: a, axisLabels: ["y", "x"], hovering: true, meta: undefined };
  const answer = { position: [25.3, 40.8], reply: value() };
  assert.deepEqual(statusLine({ ...base, world: [25.3, 40.8], answer }), {
    name: "ramp",
    text: "[y 25, x 41]: 25041",
    coords: "y 25, x 41",
    value: "25041",
    swatch: null,
    level: "",
  });
  // The cursor moved on and its answer is on its way: the last position and its value stay together.
  const moving = statusLine({ ...base, world: [30, -3], answer });
  assert.deepEqual([moving.coords, moving.value], ["y 25, x 41", "25041"]);
  // No answer (no stream yet): the cursor's coordinates, no value.
  const bare = statusLine({ ...base, world: [30, -3], answer: null });
  assert.deepEqual([bare.text, bare.value], ["[y 30, x -3]", ""]);
  // An answer about another layer is not this layer's value.
  const other = statusLine({ ...base, world: [1, 2], answer: { position: [9, 9], reply: value({ layer_id: "b" }) } });
  assert.equal(other.text, "[y 1, x 2]");
  const outside = statusLine({
    ...base,
    world: [30, -3],
    answer: { position: [30, -3], reply: value({ status: "outside", value: null }) },
  });
  assert.equal(outside.text, "[y 30, x -3]");
  const loading = statusLine({
    ...base,
    world: [1, 2],
    answer: { position: [1, 2], reply: value({ status: "loading", value: null, level: 2, level_count: 4 }) },
  });
  assert.deepEqual([loading.text, loading.level], ["[y 1, x 2]: …", "level 2/3"]);
});

test("the line without a cursor, in 3D, for an empty viewer and with no visible layer", () => {
  const a = layer({ name: "ramp" });
  const meta = { id: "a", shape: [8, 8], dtype: "uint8", loaded: true, data_level: 1, level_count: 3 };
  const base = { layers: [a], layer: a, axisLabels: [], answer: null, meta };
  assert.deepEqual(statusLine({ ...base, hovering: false, world: null }), {
    name: "ramp",
    text: "",
    coords: "",
    value: "",
    swatch: null,
    level: "level 1/2",
  });
  assert.deepEqual(
    [
      statusLine({ ...base, hovering: true, world: null }).text,
      statusLine({ ...base, hovering: true, world: null }).coords,
    ],
    ["[—]", "—"],
  );
  const empty = statusLine({ ...base, layers: [], layer: undefined, hovering: true, world: [1, 1] });
  assert.deepEqual([empty.name, empty.text], ["", "add a layer with viewer.add_image(...)"]);
  const hidden = layer({ visible: false });
  assert.equal(
    statusLine({ ...base, layers: [hidden], layer: undefined, hovering: false, world: null }).text,
    "no visible layer",
  );
});
