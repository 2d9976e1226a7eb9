/**
 * The layer panel and status bar for points layers (issue 14 point 4): napari's points rows, the
 * current style read from the state entry, the `set_point_style` edit a control change sends, and
 * the kernel hover question behind `Points [y x]: 3`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { annotateMessage } from "../../../src/widget/annotate/messages.js";
import {
  currentStyle,
  DEFAULT_STYLE,
  POINT_SYMBOLS,
  pointStyleOp,
  rgbOf,
  sizeMax,
  withAlpha,
} from "../../../src/widget/panel/point-style.js";
import { visibleRows } from "../../../src/widget/panel/rows.js";
import { statusLine } from "../../../src/widget/statusbar/line.js";
import { PickScheduler } from "../../../src/widget/statusbar/pick-scheduler.js";
import {
  HOVER_MIN_INTERVAL_MS,
  HOVER_TIMEOUT_MS,
  hoverValue,
  PointHover,
  type HoverMessage,
} from "../../../src/widget/statusbar/point-hover.js";
import { ManualClock } from "./clock.js";
import { layerTrait } from "./layer-fixture.js";

const points = (over: Record<string, unknown> = {}) => layerTrait({ id: "P", name: "Points", kind: "points", ...over });

test("a points layer shows napari's QtPointsControls rows, in napari's order", () => {
  const want = ["opacity", "point size", "blending", "symbol", "face color", "border color", "out of slice"];
  assert.deepEqual(visibleRows(points(), 2), ["mode", ...want]);
  assert.deepEqual(visibleRows(points(), 3), want, "3D: no mode buttons");
  for (const r of ["point size", "symbol", "face color", "border color"] as const) {
    assert.ok(!visibleRows(layerTrait(), 2).includes(r), `an image has no ${r} row`);
    assert.ok(!visibleRows(layerTrait({ kind: "labels" }), 2).includes(r), `labels have no ${r} row`);
  }
});

test("the controls show the layer's current values; missing or malformed ones are napari's defaults", () => {
  const layer = points({
    current_size: 7,
    current_face_color: "#ff000080",
    current_border_color: "#0000ffff",
    current_symbol: "star",
  });
  assert.deepEqual(currentStyle(layer), { size: 7, face: "#ff000080", border: "#0000ffff", symbol: "star" });
  assert.deepEqual(currentStyle(points()), DEFAULT_STYLE, "an older kernel sends none");
  const bad = points({ current_size: -1, current_face_color: "red", current_border_color: 3, current_symbol: "" });
  assert.deepEqual(currentStyle(bad), DEFAULT_STYLE);
  assert.equal(POINT_SYMBOLS.length, 14);
  assert.ok(POINT_SYMBOLS.includes("disc"));
});

test("a colour input's #rrggbb keeps the current alpha; the size slider grows with a large size", () => {
  assert.equal(rgbOf("#ff000080"), "#ff0000");
  assert.equal(withAlpha("#00FF00", "#ff000080"), "#00ff0080");
  assert.equal(withAlpha("#00ff00", "#ff0000"), "#00ff00ff", "no alpha: opaque");
  assert.equal(sizeMax(10), 100);
  assert.equal(sizeMax(250.5), 251);
});

test("a control change sends one set_point_style edit with only the changed field", () => {
  assert.deepEqual(annotateMessage("e-1", "P", pointStyleOp({ face_color: "#00ff00ff" })), {
    type: "annotate",
    id: "e-1",
    layer_id: "P",
    op: "set_point_style",
    face_color: "#00ff00ff",
  });
  assert.deepEqual(pointStyleOp({ size: 12 }), { op: "set_point_style", size: 12 });
  assert.deepEqual(pointStyleOp({ symbol: "x", border_color: undefined }), { op: "set_point_style", symbol: "x" });
});

test("status bar over points: the index of the point under the cursor, or no value", () => {
  const layer = points({ shape: [50, 60] });
  const base = { layers: [layer], layer, axisLabels: ["y", "x"], hovering: true, meta: undefined, world: [3, 4] };
  const hit = statusLine({ ...base, answer: { position: [3, 4], reply: hoverValue("P", 3) } });
  assert.equal(`${hit.name} ${hit.text}`, "Points [y 3, x 4]: 3");
  assert.equal(hit.swatch, null);
  const miss = statusLine({ ...base, answer: { position: [3, 4], reply: hoverValue("P", null) } });
  assert.equal(miss.text, "[y 3, x 4]");
  assert.equal(miss.value, "");
});

/** A kernel stand-in that answers hover questions from a table of hits (the real _hover.py is tested in Python). */
function setup(answer = true) {
  const clock = new ManualClock();
  const sent: HoverMessage[] = [];
  let listener: ((c: Record<string, unknown>) => void) | null = null;
  const hover = new PointHover(
    {
      send: (m) => {
        sent.push(m);
        if (answer)
          queueMicrotask(() => listener?.({ type: "hover_done", id: m.id, index: m.position[1] > 10 ? 5 : null }));
      },
      step: () => [2, 0, 0],
      onKernel: (fn) => {
        listener = fn;
        return () => (listener = null);
      },
    },
    clock,
  );
  return { clock, sent, hover, kernel: (c: Record<string, unknown>) => listener?.(c) };
}

test("hover: the question carries the view's step and the displayed (y, x); answers map to values", async () => {
  const { sent, hover } = setup();
  const v = await hover.ask({ position: [2, 7.5, 12.25], layerId: "P" });
  assert.deepEqual(
    { ...sent[0], id: "" },
    { type: "hover", id: "", layer_id: "P", step: [2, 0, 0], position: [7.5, 12.25] },
  );
  assert.equal(v?.status, "ok");
  assert.equal(v?.value, 5);
  assert.equal((await hover.ask({ position: [2, 1, 1], layerId: "P" }))?.value, null);
  hover.dispose();
});

test("hover: another view's answer is ignored; a kernel busy with a cell times out to no answer", async () => {
  const { clock, hover, kernel } = setup(false);
  const pending = hover.ask({ position: [0, 1, 20], layerId: "P" });
  kernel({ type: "hover_done", id: "someone-else-1", index: 9 });
  clock.advance(HOVER_TIMEOUT_MS);
  assert.equal(await pending, null);
  hover.dispose();
});

test("hover questions go at most every HOVER_MIN_INTERVAL_MS, the newest cursor winning", async () => {
  const { clock, sent, hover } = setup();
  const answers: unknown[] = [];
  const s = new PickScheduler(
    {
      send: (q) => hover.ask(q),
      result: (_q, r) => answers.push(r.value),
      minIntervalMs: HOVER_MIN_INTERVAL_MS,
    },
    clock,
  );
  s.request({ position: [0, 1, 20], layerId: "P" });
  await new Promise((r) => setTimeout(r, 0));
  for (let x = 0; x < 9; x++) {
    clock.advance(10);
    s.request({ position: [0, 1, x], layerId: "P" });
    await new Promise((r) => setTimeout(r, 0));
  }
  assert.equal(sent.length, 1, "90 ms of moves: one question so far");
  clock.advance(HOVER_MIN_INTERVAL_MS - 90);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1]!.position, [1, 8], "the newest position");
  assert.deepEqual(answers, [5, null]);
  s.dispose();
  hover.dispose();
});
