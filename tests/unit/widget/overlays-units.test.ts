import assert from "node:assert/strict";
import { test } from "node:test";
import { PREFERRED_VALUES, scaleBarGroup, scaleBarLength } from "../../../src/widget/overlays/scale-bar.js";
import { formatG, parseUnit, prettyG, thousandsExponent } from "../../../src/widget/overlays/units.js";

const near = (a: number, b: number, rtol = 1e-9) => Math.abs(a - b) <= rtol * Math.max(1, Math.abs(b));

test("parseUnit: SI lengths and times by name, symbol, plural and alias; quantities; others kept", () => {
  const table: Array<[string | null, number, "m" | "s" | null, string]> = [
    ["micrometer", 1e-6, "m", "m"],
    ["Micrometers", 1e-6, "m", "m"],
    ["um", 1e-6, "m", "m"],
    ["µm", 1e-6, "m", "m"], // micro sign U+00B5
    ["μm", 1e-6, "m", "m"], // Greek mu U+03BC
    ["micron", 1e-6, "m", "m"],
    ["nanometer", 1e-9, "m", "m"],
    ["nm", 1e-9, "m", "m"],
    ["mm", 1e-3, "m", "m"],
    ["Mm", 1e6, "m", "m"],
    ["millimetre", 1e-3, "m", "m"],
    ["m", 1, "m", "m"],
    ["meter", 1, "m", "m"],
    ["pm", 1e-12, "m", "m"],
    ["angstrom", 1e-10, "m", "m"],
    ["Å", 1e-10, "m", "m"],
    ["10 nm", 1e-8, "m", "m"],
    ["0.5um", 5e-7, "m", "m"],
    ["second", 1, "s", "s"],
    ["ms", 1e-3, "s", "s"],
    ["milliseconds", 1e-3, "s", "s"],
    ["px", 1, null, "px"],
    ["pixel", 1, null, "px"],
    ["inch", 1, null, "inch"],
    [null, 1, null, ""],
    ["", 1, null, ""],
    ["2.5", 2.5, null, ""],
  ];
  for (const [text, factor, base, symbol] of table) {
    const u = parseUnit(text);
    assert.ok(near(u.factor, factor), `${text}: factor ${u.factor} != ${factor}`);
    assert.equal(u.base, base, `${text}: base`);
    assert.equal(u.symbol, symbol, `${text}: symbol`);
  }
});

test("thousandsExponent puts a value in [1, 1000) even where log10 is inexact", () => {
  assert.equal(thousandsExponent(1e-6), -6);
  assert.equal(thousandsExponent(999.9e-6), -6);
  assert.equal(thousandsExponent(1e-3), -3);
  assert.equal(thousandsExponent(0.0010000000000000002), -3);
  assert.equal(thousandsExponent(1), 0);
  assert.equal(thousandsExponent(999), 0);
  assert.equal(thousandsExponent(1000), 3);
  assert.equal(thousandsExponent(1.5e6), 6);
});

test("formatG writes numbers as Python's {:g}", () => {
  const table: Array<[number, string]> = [
    [125, "125"],
    [1, "1"],
    [0.5, "0.5"],
    [0.0005, "0.0005"],
    [5e-6, "5e-06"],
    [125000, "125000"],
    [1e6, "1e+06"],
    [1234567, "1.23457e+06"],
    [7.5e-10, "7.5e-10"],
  ];
  for (const [v, s] of table) assert.equal(formatG(v), s, String(v));
  assert.equal(prettyG(1e6), "1×10⁶");
  assert.equal(prettyG(5e-6), "5×10⁻⁶");
  assert.equal(prettyG(1.5e12), "1.5×10¹²");
  assert.equal(prettyG(125), "125");
});

test("scale bar: napari's preferred value below the 150 px target, in a compact SI unit", () => {
  // [zoom (CSS px per world unit), unit, label, bar length in CSS px]
  const table: Array<[number, string | null, string, number]> = [
    [2, "micrometer", "50 µm", 100], // 75 µm -> 50
    [1, "um", "125 µm", 125], // 150 -> 125: an exact preferred value goes one down, as bisect_left - 1
    [0.1, "micrometer", "1 mm", 100], // 1500 µm = 1.5 mm -> 1 mm
    [0.15, "micrometer", "1 mm", 150], // 1000 µm = 1 mm: the smallest preferred value
    [30, "micrometer", "2 µm", 60], // 5 µm -> 2 µm
    [300, "micrometer", "200 nm", 60], // 0.5 µm = 500 nm -> 200 nm
    [2, "10 nm", "500 nm", 100], // 75 world units of 10 nm = 750 nm -> 500 nm = 50 world units
    [1e-3, "m", "125 km", 125],
    [1, "ms", "125 ms", 125],
    [1, null, "125", 125], // no unit: a plain number
    [1e-3, null, "125000", 125],
    [1e-4, null, "1×10⁶", 100], // pint's pretty format, as napari writes it
    [1000, null, "0.125", 125],
    [1, "px", "125 px", 125],
    [0.01, "pixel", "10000 px", 100], // pint would write "10 kpixel"
    [1e-3, "angstrom", "10 µm", 100], // 15 µm -> 10 µm (pint keeps "125 kÅ")
    [0.01, "nm", "10 µm", 100],
  ];
  for (const [zoom, unit, label, css] of table) {
    const bar = scaleBarLength(zoom, unit);
    assert.equal(bar.label, label, `zoom ${zoom} ${unit}`);
    assert.ok(near(bar.css, css), `zoom ${zoom} ${unit}: ${bar.css} px != ${css}`);
    assert.ok(near(bar.world * zoom, bar.css));
  }
  // Whatever the zoom, the bar is a preferred value and at most the target length.
  for (let zoom = 1e-3; zoom < 1e3; zoom *= 1.37) {
    const bar = scaleBarLength(zoom, "micrometer");
    assert.ok(bar.css <= 150 + 1e-9 && bar.css > 150 / 7.5, `zoom ${zoom}: ${bar.css}`);
    const value = Number(bar.label.split(" ")[0]);
    assert.ok(PREFERRED_VALUES.includes(value), `zoom ${zoom}: ${bar.label}`);
  }
});

test("scale bar group: bottom-right, the bar's length and the label above it", () => {
  const g = scaleBarGroup(scaleBarLength(2, "um"), 400, 300);
  assert.equal(g.name, "napari-cuda-scale-bar");
  assert.equal(g.data.label, "50 µm");
  const bar = g.items[0]!;
  assert.equal(bar.kind, "line");
  if (bar.kind !== "line") return;
  const [[x0, y0], [x1, y1]] = bar.points as [[number, number], [number, number]];
  assert.equal(x1, 390);
  assert.equal(x1 - x0, 100);
  assert.equal(y0, y1);
  assert.ok(y0 > 270 && y0 < 300);
  const text = g.items.find((i) => i.kind === "text");
  assert.ok(text !== undefined && text.kind === "text");
  assert.equal(text.text, "50 µm");
  assert.equal(text.at[0], 340);
  assert.ok(text.at[1] < y0);
});
