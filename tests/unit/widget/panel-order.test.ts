import assert from "node:assert/strict";
import { test } from "node:test";
import { collapsedFor, NARROW_PX } from "../../../src/widget/panel/collapse.js";
import { bottomFirst, gapAt, moveBy, moveToGap, nextSelection, topFirst } from "../../../src/widget/panel/order.js";

// Draw order (the `layers` trait, bottom first): a at the bottom, c on top.
const layers = [{ id: "a" }, { id: "b" }, { id: "c" }];

test("the list shows the top layer first; moveLayers gets bottom first", () => {
  assert.deepEqual(topFirst(layers), ["c", "b", "a"]);
  assert.deepEqual(bottomFirst(["c", "b", "a"]), ["a", "b", "c"]);
  assert.deepEqual(bottomFirst(topFirst(layers)), ["a", "b", "c"]);
});

test("dropping a row into a gap of the top-first list", () => {
  const top = ["c", "b", "a"];
  // The bottom layer dragged above the top one: it is drawn last.
  assert.deepEqual(moveToGap(top, "a", 0), ["a", "c", "b"]);
  assert.deepEqual(bottomFirst(moveToGap(top, "a", 0)!), ["b", "c", "a"]);
  // The top layer dragged below the last row.
  assert.deepEqual(moveToGap(top, "c", 3), ["b", "a", "c"]);
  // Into the middle, from above and from below.
  assert.deepEqual(moveToGap(top, "c", 2), ["b", "c", "a"]);
  assert.deepEqual(moveToGap(top, "a", 1), ["c", "a", "b"]);
  // The gaps next to the row itself, an unknown id: no change.
  assert.equal(moveToGap(top, "b", 1), null);
  assert.equal(moveToGap(top, "b", 2), null);
  assert.equal(moveToGap(top, "x", 0), null);
  // Out-of-range gaps clamp to the ends.
  assert.deepEqual(moveToGap(top, "c", 99), ["b", "a", "c"]);
  assert.deepEqual(moveToGap(top, "a", -5), ["a", "c", "b"]);
});

test("keyboard moves: one row up or down, nothing past the ends", () => {
  const top = ["c", "b", "a"];
  assert.deepEqual(moveBy(top, "b", -1), ["b", "c", "a"]);
  assert.deepEqual(moveBy(top, "b", 1), ["c", "a", "b"]);
  assert.equal(moveBy(top, "c", -1), null);
  assert.equal(moveBy(top, "a", 1), null);
  assert.equal(moveBy(top, "b", 0), null);
  assert.deepEqual(moveBy(top, "c", 2), ["b", "a", "c"]);
});

test("the drop gap under the pointer: above a row's middle is the gap before it", () => {
  const rows = [
    { top: 0, height: 20 },
    { top: 20, height: 20 },
    { top: 40, height: 20 },
  ];
  assert.equal(gapAt(rows, -3), 0);
  assert.equal(gapAt(rows, 9), 0);
  assert.equal(gapAt(rows, 11), 1);
  assert.equal(gapAt(rows, 29), 1);
  assert.equal(gapAt(rows, 31), 2);
  assert.equal(gapAt(rows, 55), 3);
  assert.equal(gapAt([], 5), 0);
});

test("selection: the top layer by default, kept while it exists, a new layer is selected", () => {
  assert.equal(nextSelection(null, new Set(), ["c", "b", "a"]), "c");
  assert.equal(nextSelection("b", new Set(["a", "b", "c"]), ["c", "b", "a"]), "b");
  // Reordered: the selection stays with its layer.
  assert.equal(nextSelection("b", new Set(["a", "b", "c"]), ["b", "c", "a"]), "b");
  // Removed: the top layer.
  assert.equal(nextSelection("b", new Set(["a", "b", "c"]), ["c", "a"]), "c");
  // Added (as napari selects a new layer).
  assert.equal(nextSelection("b", new Set(["a", "b", "c"]), ["d", "c", "b", "a"]), "d");
  // At start nothing is "new": the top layer.
  assert.equal(nextSelection(null, new Set(), ["d", "c"]), "d");
  assert.equal(nextSelection("x", new Set(["x"]), []), null);
});

test("collapsed by default when narrow; the user's choice wins", () => {
  assert.equal(collapsedFor(null, NARROW_PX - 1), true);
  assert.equal(collapsedFor(null, NARROW_PX), false);
  assert.equal(collapsedFor(null, 1400), false);
  // Not laid out yet: open (it collapses once measured narrow).
  assert.equal(collapsedFor(null, 0), false);
  assert.equal(collapsedFor(false, 300), false);
  assert.equal(collapsedFor(true, 1400), true);
});
