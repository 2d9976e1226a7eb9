import assert from "node:assert/strict";
import { test } from "node:test";
import { currentAxis, focusAxis, movedAxis, stepDims } from "../../../src/widget/keys/dims-keys.js";
import { SHORTCUTS, shortcutAction, shortcutsText, type KeyLike } from "../../../src/widget/keys/shortcuts.js";
import { readDims } from "../../../src/widget/state/traits.js";

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

test("shortcuts: napari's keys map to their actions", () => {
  assert.equal(shortcutAction(key("ArrowLeft"), false), "step-left");
  assert.equal(shortcutAction(key("ArrowRight"), false), "step-right");
  assert.equal(shortcutAction(key("ArrowUp", { altKey: true }), false), "axis-up");
  assert.equal(shortcutAction(key("ArrowDown", { altKey: true }), false), "axis-down");
  assert.equal(shortcutAction(key("r", { ctrlKey: true }), false), "reset-view");
  assert.equal(shortcutAction(key("R", { metaKey: true }), false), "reset-view", "Cmd on macOS");
  assert.equal(shortcutAction(key("y", { ctrlKey: true }), false), "toggle-ndisplay");
  assert.equal(shortcutAction(key("v"), false), "toggle-visibility");
  assert.equal(shortcutAction(key("V"), false), "toggle-visibility");
});

test("shortcuts: other keys pass; fields keep their plain keys, not the Ctrl ones", () => {
  for (const k of [
    key("ArrowUp"),
    key("a"),
    key("r"),
    key("v", { shiftKey: true }),
    key("r", { ctrlKey: true, shiftKey: true }),
  ]) {
    assert.equal(shortcutAction(k, false), null, JSON.stringify(k));
  }
  assert.equal(shortcutAction(key("ArrowLeft"), true), null, "a focused slider moves itself");
  assert.equal(shortcutAction(key("v"), true), null, "typing a v");
  assert.equal(shortcutAction(key("r", { ctrlKey: true }), true), "reset-view");
  assert.equal(shortcutAction(key("ArrowUp", { altKey: true }), true), "axis-up");
});

test("shortcuts list: every action once, one line each", () => {
  assert.equal(new Set(SHORTCUTS.map((s) => s.action)).size, SHORTCUTS.length);
  assert.equal(shortcutsText().split("\n").length, SHORTCUTS.length);
  assert.match(shortcutsText(), /^Ctrl\+R: reset the view/m);
});

/** (t, z, y, x) = (5, 30, 64, 48) in 2D: sliders t and z. */
const tzyx = readDims({
  ndisplay: 2,
  nsteps: [5, 30, 64, 48],
  current_step: [2, 29, 0, 0],
  axis_labels: ["t", "z", "y", "x"],
});

test("dims keys: the current axis is the last slider moved, else the first (napari's last_used)", () => {
  assert.equal(currentAxis(tzyx, null), 0);
  assert.equal(currentAxis(tzyx, 1), 1);
  assert.equal(currentAxis(tzyx, 3), 0, "a displayed axis is not steppable");
  assert.equal(currentAxis(readDims({ ndisplay: 2, nsteps: [64, 48], current_step: [0, 0] }), null), null);
  assert.equal(movedAxis(tzyx, { ...tzyx, current_step: [2, 10, 0, 0] }), 1);
  assert.equal(movedAxis(tzyx, tzyx), null);
  assert.equal(movedAxis(tzyx, { ...tzyx, ndisplay: 3 }), null);
});

test("dims keys: Left/Right step by one and stop at the ends; Alt+Up/Down cycle the sliders", () => {
  assert.deepEqual(stepDims(tzyx, null, 1)?.current_step, [3, 29, 0, 0]);
  assert.deepEqual(stepDims(tzyx, null, -1)?.current_step, [1, 29, 0, 0]);
  assert.equal(stepDims(tzyx, 1, 1), null, "z at its last step");
  assert.deepEqual(stepDims(tzyx, 1, -1)?.current_step, [2, 28, 0, 0]);
  assert.equal(focusAxis(tzyx, null, 1), 1);
  assert.equal(focusAxis(tzyx, 1, 1), 0, "wraps");
  assert.equal(focusAxis(tzyx, 0, -1), 1);
  assert.equal(focusAxis({ ...tzyx, ndisplay: 3 }, null, 1), 0, "in 3D only t has a slider");
});
