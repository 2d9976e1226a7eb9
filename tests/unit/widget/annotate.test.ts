/**
 * Annotation in the widget: what a gesture sends and draws for each mode, when an edit's overlay
 * goes (only with a frame at the seq after the kernel's new version), the modes and the drag gate,
 * and napari's layer keys.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Camera, Canvas } from "../../../src/protocol/state.js";
import { Gesture, selectedInSlice } from "../../../src/widget/annotate/gesture.js";
import { dragsPanFor, layerMode, modesOf, type AnnotatedLayer } from "../../../src/widget/annotate/modes.js";
import { Overlay } from "../../../src/widget/annotate/overlay.js";
import { PendingEdits, STALE_MS } from "../../../src/widget/annotate/pending.js";
import { dragsPan, setPanGate } from "../../../src/widget/interaction/gate.js";
import { layerKeyAction } from "../../../src/widget/keys/layer-keys.js";
import type { KeyLike } from "../../../src/widget/keys/shortcuts.js";
import { layerTrait } from "./layer-fixture.js";

const labels = (over: Record<string, unknown> = {}): AnnotatedLayer =>
  layerTrait({ id: "L", kind: "labels", mode: "paint", brush_size: 10, ...over }) as AnnotatedLayer;
const points = (over: Record<string, unknown> = {}): AnnotatedLayer =>
  layerTrait({ id: "P", kind: "points", mode: "add", ...over }) as AnnotatedLayer;

test("an edit's overlay stays until a frame at the seq that follows the kernel's new version", () => {
  const p = new PendingEdits<string>();
  p.add("e-1", "L", "stroke", 0);
  p.state(new Map([["L", 0]]), 5);
  assert.equal(p.frame(5), false, "not answered yet: no frame shows it");
  assert.ok(p.done("e-1", true, 1));
  p.state(new Map([["L", 0]]), 6); // the kernel's layer change has not reached this view
  assert.equal(p.frame(6), false);
  p.state(new Map([["L", 1]]), 7); // it has: the state went out as seq 7
  assert.equal(p.frame(6), false, "a frame of an older seq was rendered before the data changed");
  assert.equal(p.size, 1);
  assert.equal(p.frame(7), true);
  assert.equal(p.size, 0);
});

test("the answer may come after the layer change; refusals, gone layers and silence drop edits", () => {
  const p = new PendingEdits<string>();
  p.add("a", "L", "x", 0);
  p.state(new Map([["L", 3]]), 4); // version 3 already here, but which edit it holds is unknown yet
  assert.ok(p.done("a", true, 3));
  p.state(new Map([["L", 3]]), 4);
  assert.ok(p.frame(4));
  p.add("b", "L", "x", 0);
  p.done("b", false, null);
  assert.equal(p.size, 0, "refused");
  assert.equal(p.done("zzz", true, 1), false, "not ours");
  p.add("c", "L", "x", 0);
  p.add("d", "Q", "x", 0);
  assert.ok(p.prune(new Set(["L"]), 10));
  assert.deepEqual(
    p.list().map((i) => i.id),
    ["c"],
  );
  assert.ok(p.prune(new Set(["L"]), STALE_MS + 1), "never answered");
  assert.equal(p.size, 0);
});

test("an answer that comes after the layer change and its frame drops the edit at once", () => {
  // The kernel's layer change reached the view and the daemon's frame of it was shown before the
  // kernel's answer: no later frame need come (a view at rest), so the edit must go with the answer
  // (CI once saw the overlay's pending count stay 1 for 10 s after the kernel had the stroke).
  const p = new PendingEdits<string>();
  p.add("a", "L", "x", 0);
  assert.equal(p.state(new Map([["L", 3]]), 4), false, "not answered: which edit version 3 holds is unknown");
  assert.equal(p.frame(4), false);
  assert.ok(p.done("a", true, 3));
  assert.equal(p.state(new Map([["L", 3]]), 4), true, "the frame of seq 4 already shows it");
  assert.equal(p.size, 0);
  // A frame of an older seq does not count.
  p.add("b", "L", "x", 0);
  p.done("b", true, 4);
  assert.equal(p.state(new Map([["L", 4]]), 5), false);
  assert.equal(p.size, 1);
  assert.ok(p.frame(5));
});

test("points add: the press sends the world position with the slice, and draws the new point", () => {
  const g = new Gesture(
    { layer: points({ scale: [2, 2] }), mode: "add", step: [3, 0, 0], label: 1, color: null },
    [11, 21],
    false,
  );
  const out = g.press();
  assert.deepEqual(out.send, { op: "add_point", step: [3, 0, 0], position: [11, 21] });
  assert.equal(out.pending?.[0]?.kind, "marker");
  assert.equal((out.pending?.[0] as { diameter: number }).diameter, 20, "napari's size 10 in data units");
  assert.deepEqual(g.release(), { send: null, pending: null });
});

test("points select: press selects (shift adds), a drag moves the selection by the world delta", () => {
  const layer = points({
    mode: "select",
    selected: {
      count: 2,
      coords: [
        [3, 5, 10],
        [2, 1, 1],
      ],
      sizes: [10, 10],
    },
  });
  const g = new Gesture({ layer, mode: "select", step: [3, 0, 0], label: 1, color: null }, [5, 10], true);
  assert.deepEqual(g.press().send, { op: "select_point", step: [3, 0, 0], position: [5, 10], shift: true });
  g.move([6, 10], 1);
  assert.deepEqual(g.release(), { send: null, pending: null }, "under 3 px: a click");
  const d = new Gesture({ layer, mode: "select", step: [3, 0, 0], label: 1, color: null }, [5, 10], false);
  d.press();
  d.move([9, 7], 20);
  const live = d.live();
  assert.deepEqual(
    live.filter((s) => s.kind === "marker").map((s) => (s as { world: number[] }).world),
    [[9, 7]],
    "only the point of this slice",
  );
  const out = d.release();
  assert.deepEqual(out.send, { op: "move_selected", delta: [4, -3] });
  assert.equal(selectedInSlice(layer, [2, 0, 0]).length, 1);
});

test("labels paint: a drag collects the stroke, sent once on release with label and brush; erase paints 0", () => {
  const layer = labels({ brush_size: 5, opacity: 0.5 });
  const g = new Gesture({ layer, mode: "paint", step: [0, 0], label: 4, color: "rgb(1, 2, 3)" }, [10, 10], false);
  assert.equal(g.press().send, null, "nothing sent before the stroke ends");
  g.move([10, 10.2], 1); // less than a tenth of a brush: no new disc
  g.move([10, 12], 8);
  g.move([14, 12], 16);
  const out = g.release();
  assert.deepEqual(out.send, {
    op: "paint",
    step: [0, 0],
    positions: [
      [10, 10],
      [10, 12],
      [14, 12],
    ],
    label: 4,
    brush_size: 5,
  });
  const stroke = out.pending?.[0] as { kind: string; radius: number; color: string; alpha: number };
  assert.deepEqual([stroke.kind, stroke.radius, stroke.color, stroke.alpha], ["stroke", 2.5, "rgb(1, 2, 3)", 0.5]);
  const e = new Gesture({ layer, mode: "erase", step: [0, 0], label: 0, color: null }, [1, 1], false);
  e.press();
  const erased = e.release();
  assert.equal((erased.send as { label: number }).label, 0);
  assert.equal((erased.pending?.[0] as { color: unknown }).color, null);
  const f = new Gesture({ layer, mode: "fill", step: [2, 0, 0], label: 4, color: null }, [3, 4], false);
  assert.deepEqual(f.press().send, { op: "fill", step: [2, 0, 0], position: [3, 4], label: 4 });
});

test("modes: napari's per kind; drags pan only in pan_zoom or 3D; the canvas gate asks the part", () => {
  assert.deepEqual(modesOf(points()), ["add", "select", "pan_zoom"]);
  assert.deepEqual(modesOf(labels()), ["erase", "paint", "fill", "pan_zoom"]);
  assert.deepEqual(modesOf(layerTrait()), []);
  assert.equal(layerMode(labels({ mode: "add" })), "pan_zoom", "not a labels mode");
  assert.equal(dragsPanFor(labels(), 2), false);
  assert.equal(dragsPanFor(labels(), 3), true);
  assert.equal(dragsPanFor(labels({ mode: "pan_zoom" }), 2), true);
  assert.equal(dragsPanFor(null, 2), true);
  const el = {} as HTMLElement;
  assert.equal(dragsPan(el), true, "no gate: drags pan");
  let pans = false;
  const remove = setPanGate(el, () => pans);
  assert.equal(dragsPan(el), false);
  pans = true;
  assert.equal(dragsPan(el), true);
  remove();
  pans = false;
  assert.equal(dragsPan(el), true);
});

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

test("layer keys: napari's digits, Delete, brackets, Ctrl+Z; nothing for images or in fields", () => {
  assert.deepEqual(layerKeyAction(key("2"), false, "points"), { kind: "mode", mode: "add" });
  assert.deepEqual(layerKeyAction(key("3"), false, "points"), { kind: "mode", mode: "select" });
  assert.deepEqual(layerKeyAction(key("Backspace"), false, "points"), { kind: "delete" });
  assert.deepEqual(layerKeyAction(key("1"), false, "labels"), { kind: "mode", mode: "erase" });
  assert.deepEqual(layerKeyAction(key("4"), false, "labels"), { kind: "mode", mode: "fill" });
  assert.deepEqual(layerKeyAction(key("]"), false, "labels"), { kind: "brush", by: 1 });
  assert.deepEqual(layerKeyAction(key("z", { ctrlKey: true }), false, "labels"), { kind: "undo" });
  assert.deepEqual(layerKeyAction(key("Z", { metaKey: true, shiftKey: true }), true, "labels"), { kind: "redo" });
  assert.equal(layerKeyAction(key("2"), true, "labels"), null, "typing a 2 in a field");
  assert.equal(layerKeyAction(key("2"), false, "image"), null);
  assert.equal(layerKeyAction(key("v"), false, "labels"), null, "V stays the viewer's");
  assert.equal(layerKeyAction(key("r", { ctrlKey: true }), false, "labels"), null, "Ctrl+R stays the viewer's");
});

/** A stand-in for the browser's 2D canvas (node has none): records what touches its pixels. */
function recordingDoc() {
  const calls: string[] = [];
  const ctx = new Proxy(
    {},
    {
      get: (_t, name) => (name === "canvas" ? undefined : (..._args: unknown[]) => calls.push(String(name))),
      set: () => true,
    },
  );
  const el = {
    className: "",
    style: {},
    dataset: {},
    width: 300,
    height: 150,
    getContext: () => ctx,
  };
  return { doc: { createElement: () => el } as unknown as Document, calls, el };
}

test("a blank overlay is not touched on a camera move; it is cleared once when its shapes go", () => {
  const { doc, calls, el } = recordingDoc();
  const overlay = new Overlay(doc);
  const camera = { center: [50, 50], zoom: 1, angles: [0, 0, 90], perspective: 0 } as unknown as Camera;
  const canvas = { width: 200, height: 100, pixel_ratio: 1 } as unknown as Canvas;
  overlay.draw([], camera, canvas);
  overlay.draw([], camera, canvas);
  assert.equal(calls.length, 0, "nothing drawn on a blank canvas: the browser has no changed canvas to commit");
  assert.equal(el.width, 200, "sized to the view");
  overlay.draw([{ kind: "brush", world: [10, 10], radius: 3 }], camera, canvas);
  assert.ok(calls.includes("clearRect") && calls.includes("arc"), calls.join());
  calls.length = 0;
  overlay.draw([], camera, canvas);
  assert.equal(calls.filter((c) => c === "clearRect").length, 1, "the shapes are cleared away");
  calls.length = 0;
  overlay.draw([], camera, canvas);
  assert.equal(calls.length, 0, "and then left alone");
});
