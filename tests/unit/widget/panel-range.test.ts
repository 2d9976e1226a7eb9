import assert from "node:assert/strict";
import { test } from "node:test";
import { readRange } from "../../../src/widget/panel/auto-contrast.js";
import {
  formatValue,
  fraction,
  moveThumb,
  rangeDecimals,
  roundTo,
  sliderRange,
  stepOf,
} from "../../../src/widget/panel/range.js";

test("slider range: the layer's contrast_limits_range trait when present", () => {
  assert.deepEqual(sliderRange({ contrast_limits: [10, 200], dtype: "float32" }, [0, 1000]), [0, 1000]);
  // Widened to hold limits set outside it (as napari does).
  assert.deepEqual(sliderRange({ contrast_limits: [-5, 2000], dtype: "float32" }, [0, 1000]), [-5, 2000]);
  // Malformed or reversed trait values are ignored.
  assert.deepEqual(sliderRange({ contrast_limits: [10, 200], dtype: "uint8" }, [5, 1]), [0, 255]);
  assert.deepEqual(sliderRange({ contrast_limits: [10, 200], dtype: "uint8" }, ["a", 3]), [0, 255]);
});

test("slider range fallback: dtype range for small ints, else [min(lo, 0), hi]", () => {
  assert.deepEqual(sliderRange({ contrast_limits: [0, 7000], dtype: "uint16" }), [0, 65535]);
  assert.deepEqual(sliderRange({ contrast_limits: [-100, 100], dtype: "int8" }), [-128, 127]);
  assert.deepEqual(sliderRange({ contrast_limits: [300, 500], dtype: "uint8" }), [0, 500]);
  assert.deepEqual(sliderRange({ contrast_limits: [0.2, 0.8], dtype: "float32" }), [0, 0.8]);
  assert.deepEqual(sliderRange({ contrast_limits: [-3, -1], dtype: "float64" }), [-3, -1]);
  assert.deepEqual(sliderRange({ contrast_limits: [5, 9], dtype: "int32" }), [0, 9]);
});

test("decimals as napari's range_to_decimals", () => {
  assert.equal(rangeDecimals([0, 65535], "uint16"), 0);
  assert.equal(rangeDecimals([0, 1], "float32"), 3);
  assert.equal(rangeDecimals([0, 10], "float32"), 2);
  assert.equal(rangeDecimals([0, 100], "float32"), 1);
  assert.equal(rangeDecimals([0, 5000], "float32"), 0);
  assert.equal(rangeDecimals([0, 0.5], "float64"), 3);
  assert.equal(rangeDecimals([0, 0.01], "float64"), 5);
  assert.equal(stepOf(0), 1);
  assert.equal(stepOf(3), 0.001);
});

test("values: rounding, readouts, position along the track", () => {
  assert.equal(roundTo(0.1 + 0.2, 2), 0.3);
  assert.equal(roundTo(1234.56, 0), 1235);
  assert.equal(formatValue(0.5, 3), "0.500");
  assert.equal(formatValue(7000, 0), "7000");
  assert.equal(fraction(0, [0, 100]), 0);
  assert.equal(fraction(25, [0, 100]), 0.25);
  assert.equal(fraction(-5, [0, 100]), 0);
  assert.equal(fraction(500, [0, 100]), 1);
  assert.equal(fraction(3, [3, 3]), 0);
});

test("thumbs stay ordered and inside the range; the moved one yields", () => {
  const r: [number, number] = [0, 255];
  assert.deepEqual(moveThumb([10, 200], 0, 50, r, 1), [50, 200]);
  assert.deepEqual(moveThumb([10, 200], 1, 100, r, 1), [10, 100]);
  // Pushed past the other thumb: stops one step short.
  assert.deepEqual(moveThumb([10, 200], 0, 230, r, 1), [199, 200]);
  assert.deepEqual(moveThumb([10, 200], 1, 5, r, 1), [10, 11]);
  // Clamped to the range.
  assert.deepEqual(moveThumb([10, 200], 0, -40, r, 1), [0, 200]);
  assert.deepEqual(moveThumb([10, 200], 1, 999, r, 1), [10, 255]);
  // At the ends the other thumb makes room, so low < high always holds.
  assert.deepEqual(moveThumb([0, 0.5], 1, 0, [0, 1], 0.01), [0, 0.01]);
  assert.deepEqual(moveThumb([0.99, 1], 0, 1, [0, 1], 0.01), [0.99, 1]);
  const [lo, hi] = moveThumb([0, 1], 1, 0, [0, 1], 0.001);
  assert.ok(lo < hi, `${lo} < ${hi}`);
});

test("auto-contrast answers: [min, max] or {min, max}; flat data gets a unit span", () => {
  assert.deepEqual(readRange([2, 9]), [2, 9]);
  assert.deepEqual(readRange({ min: -1.5, max: 3 }), [-1.5, 3]);
  assert.deepEqual(readRange([4, 4]), [4, 5]);
  assert.equal(readRange([9, 2]), null);
  assert.equal(readRange([Number.NaN, 2]), null);
  assert.equal(readRange(null), null);
  assert.equal(readRange({ min: 1 }), null);
});
