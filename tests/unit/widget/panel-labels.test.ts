/** The layer panel for labels layers: which rows show, integer entry, and the layer list's type tag. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { layerKind, parseInteger, visibleRows } from "../../../src/widget/panel/rows.js";
import { layerTrait } from "./layer-fixture.js";

test("a labels layer shows napari's labels rows, none of the image's colormap rows", () => {
  const labels = layerTrait({ kind: "labels" });
  const want = ["label", "opacity", "brush size", "blending", "contour", "show selected"];
  assert.deepEqual(visibleRows(labels, 2), ["mode", ...want], "2D: the mode buttons first, as napari's");
  assert.deepEqual(visibleRows({ ...labels, rendering: "iso" }, 3), want, "3D: no rendering choice, no painting");
});

test("labels read from a Zarr store also show whether their edits are saved", () => {
  const stored = layerTrait({ kind: "labels", store: "/data/cells.zarr/labels/cells", unsaved: true });
  const want = ["label", "opacity", "brush size", "blending", "contour", "show selected", "store"];
  assert.deepEqual(visibleRows(stored, 2), ["mode", ...want]);
  assert.deepEqual(visibleRows(stored, 3), want);
  assert.ok(!visibleRows(layerTrait({ kind: "labels" }), 2).includes("store"), "an array from the kernel: no row");
  assert.ok(!visibleRows(layerTrait({ store: "/x.zarr" }), 2).includes("store"), "images never show it");
});

test("an image keeps its rows (3D rendering rows only in 3D)", () => {
  const image = layerTrait();
  const base = ["opacity", "blending", "contrast limits", "auto-contrast", "gamma", "colormap", "interpolation"];
  assert.deepEqual(visibleRows(image, 2), base);
  assert.deepEqual(visibleRows({ ...image, rendering: "mip" }, 3), [...base, "rendering"]);
  assert.deepEqual(visibleRows({ ...image, rendering: "iso" }, 3), [...base, "rendering", "iso threshold"]);
  assert.deepEqual(visibleRows({ ...image, rendering: "attenuated_mip" }, 3), [...base, "rendering", "attenuation"]);
  // A layer from a kernel without kinds is an image.
  const { kind: _, ...old } = image;
  assert.deepEqual(visibleRows(old as typeof image, 2), base);
});

test("integer entry: complete integers clamped to the bounds; anything else waits", () => {
  assert.equal(parseInteger("12", 0, 64), 12);
  assert.equal(parseInteger(" 7 ", 0, 64), 7);
  assert.equal(parseInteger("100", 0, 64), 64);
  assert.equal(parseInteger("-3", 0, 64), 0);
  assert.equal(parseInteger("-3", -100, 100), -3);
  assert.equal(parseInteger("-0", -1, 1), 0);
  assert.ok(Object.is(parseInteger("-0", -1, 1), 0), "not -0");
  for (const t of ["", "-", "+", "1.5", "1e3", "abc", "99999999999999999999"]) {
    assert.equal(parseInteger(t, -1e6, 1e6), null, JSON.stringify(t));
  }
});

test("the layer list tags each row with its type", () => {
  assert.equal(layerKind({ kind: "labels" }), "labels");
  assert.equal(layerKind({ kind: "image" }), "image");
  assert.equal(layerKind({}), "image");
  assert.equal(layerKind({ kind: "points" }), "points");
});
