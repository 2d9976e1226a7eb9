import assert from "node:assert/strict";
import { test } from "node:test";
import { builtinLut, gradientCss, layerLut, parseLutHex } from "../../../src/widget/panel/swatch.js";

/** A 256-entry ramp from black to (r, g, b), as the kernel's colormap_lut hex. */
function rampHex(r: number, g: number, b: number): string {
  let s = "";
  for (let i = 0; i < 256; i++) {
    for (const c of [r, g, b])
      s += Math.round((c * i) / 255)
        .toString(16)
        .padStart(2, "0");
  }
  return s;
}

test("colormap_lut hex: 256 RGB entries; anything else is null", () => {
  const lut = parseLutHex(rampHex(255, 128, 0));
  assert.ok(lut !== null);
  assert.equal(lut.length, 768);
  assert.deepEqual([...lut.subarray(0, 3)], [0, 0, 0]);
  assert.deepEqual([...lut.subarray(765, 768)], [255, 128, 0]);
  assert.equal(parseLutHex(null), null);
  assert.equal(parseLutHex("ff"), null);
  assert.equal(parseLutHex("zz".repeat(768)), null);
});

test("a custom LUT wins over the name; the swatch is a gradient through its colours", () => {
  const hex = rampHex(0, 255, 255);
  const lut = layerLut({ colormap: "my cyan", colormap_lut: hex });
  assert.ok(lut !== null);
  const css = gradientCss(lut, 3);
  assert.equal(css, "linear-gradient(to right, rgb(0, 0, 0) 0.0%, rgb(0, 128, 128) 50.0%, rgb(0, 255, 255) 100.0%)");
  assert.equal((gradientCss(lut).match(/rgb\(/g) ?? []).length, 17);
  // An unknown name without a LUT has no swatch.
  assert.equal(layerLut({ colormap: "no such colormap", colormap_lut: null }), null);
});

test("built-in names use the colormap tables; unknown names have none", () => {
  const gray = builtinLut("gray");
  assert.ok(gray !== null);
  assert.deepEqual([...gray.subarray(0, 3)], [0, 0, 0]);
  assert.deepEqual([...gray.subarray(765, 768)], [255, 255, 255]);
  assert.deepEqual(layerLut({ colormap: "gray", colormap_lut: null }), gray);
  assert.equal(builtinLut("not a colormap"), null);
});
