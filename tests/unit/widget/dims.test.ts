import assert from "node:assert/strict";
import { test } from "node:test";
import { DIMS_WRITE_MS, DimsControl } from "../../../src/widget/interaction/dims-control.js";
import { AxisPlayer, clampFps, DEFAULT_FPS, nextStep } from "../../../src/widget/controls/player.js";
import { sliderLabel, sliderValueText } from "../../../src/widget/controls/slider-label.js";
import { clampStep, sliderAxes, withStep } from "../../../src/widget/state/dims-model.js";
import { ECHO_WINDOW_MS, LocalViewerState } from "../../../src/widget/state/state-sync.js";
import { DEFAULT_CAMERA, readDims, type DimsTrait } from "../../../src/widget/state/traits.js";
import { ManualClock } from "./clock.js";

/** The kernel's dims trait for a (t, c, z, y, x) = (5, 2, 1, 64, 48) image (Dims._wire). */
const tczyx: DimsTrait = readDims({
  ndisplay: 2,
  nsteps: [5, 2, 1, 64, 48],
  current_step: [2, 0, 0, 32, 24],
  axis_labels: ["t", "c", "z", "y", "x"],
});

test("sliders: one per sliced axis of size > 1, labelled, outermost first", () => {
  const specs = sliderAxes(tczyx);
  assert.deepEqual(specs, [
    { axis: 0, label: "t", size: 5, value: 2 },
    { axis: 1, label: "c", size: 2, value: 0 },
  ]);
  assert.equal(sliderLabel(specs[0]!.value, specs[0]!.size), "2 / 4", "napari: index / highest index");
  // 3D: z is displayed too; y and x never get sliders.
  const d3 = sliderAxes({ ...tczyx, ndisplay: 3, nsteps: [5, 2, 30, 64, 48] });
  assert.deepEqual(
    d3.map((s) => s.axis),
    [0, 1],
  );
  // A 3D volume shown in 2D: z gets the only slider.
  const zyx = readDims({ ndisplay: 2, nsteps: [30, 64, 48], current_step: [15, 0, 0], axis_labels: ["z", "y", "x"] });
  assert.deepEqual(sliderAxes(zyx), [{ axis: 0, label: "z", size: 30, value: 15 }]);
  assert.deepEqual(sliderAxes({ ...zyx, ndisplay: 3 }), [], "nothing sliced: hidden");
  assert.deepEqual(sliderAxes(readDims({ ndisplay: 2, nsteps: [64, 48], current_step: [0, 0] })), []);
});

test("sliders: missing labels fall back to the axis index; out-of-range steps are clamped", () => {
  const d = readDims({ ndisplay: 2, nsteps: [4, 7, 8, 8], current_step: [9, -3, 0, 0], axis_labels: ["", "q"] });
  assert.deepEqual(sliderAxes(d), [
    { axis: 0, label: "0", size: 4, value: 3 },
    { axis: 1, label: "q", size: 7, value: 0 },
  ]);
  assert.equal(clampStep(2.6, 4), 3);
  assert.equal(clampStep(Number.NaN, 4), 0);
  assert.equal(clampStep(5, 0), 0);
});

test("withStep: clamps, pads current_step to ndim, refuses displayed axes and no-ops", () => {
  assert.deepEqual(withStep(tczyx, 0, 4)?.current_step, [4, 0, 0, 32, 24]);
  assert.deepEqual(withStep(tczyx, 0, 99)?.current_step, [4, 0, 0, 32, 24]);
  assert.equal(withStep(tczyx, 0, 2), null, "unchanged");
  assert.equal(withStep(tczyx, 3, 1), null, "displayed axis");
  assert.equal(withStep(tczyx, -1, 1), null);
  const short = readDims({ ndisplay: 2, nsteps: [3, 8, 8], current_step: [] });
  assert.deepEqual(withStep(short, 0, 1)?.current_step, [1, 0, 0]);
  const next = withStep(tczyx, 1, 1)!;
  assert.deepEqual(next.nsteps, tczyx.nsteps, "other fields kept");
  assert.deepEqual(next.axis_labels, tczyx.axis_labels);
});

function harness() {
  const clock = new ManualClock();
  const state = new LocalViewerState({ camera: { ...DEFAULT_CAMERA }, dims: tczyx, layers: [] });
  const sent: Array<{ seq: number; step: number[]; t: number }> = [];
  const writes: Array<{ at: number; step: number[] }> = [];
  const control = new DimsControl(
    {
      state,
      send: (seq, t) => sent.push({ seq, step: [...state.wire().dims.current_step], t }),
      write: (dims) => writes.push({ at: clock.t, step: [...dims.current_step] }),
    },
    clock,
  );
  return { clock, state, sent, writes, control };
}

test("slider drag: every move goes to the daemon at once; the model is written throttled + on release", () => {
  const { clock, sent, writes, control } = harness();
  for (let i = 1; i <= 4; i++) {
    assert.equal(control.move(0, i % 5, clock.t), true);
    clock.advance(30);
  }
  assert.deepEqual(
    sent.map((s) => [s.seq, s.step[0]]),
    [
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ],
  );
  assert.equal(control.move(0, 4, clock.t), false, "same position: nothing sent");
  // Leading write at t=0, then one per DIMS_WRITE_MS.
  assert.deepEqual(writes, [
    { at: 0, step: [1, 0, 0, 32, 24] },
    { at: DIMS_WRITE_MS, step: [4, 0, 0, 32, 24] },
  ]);
  control.move(1, 1, clock.t);
  control.release();
  assert.deepEqual(writes.at(-1), { at: clock.t, step: [4, 1, 0, 32, 24] }, "final write on release");
  const n = writes.length;
  clock.advance(500);
  control.release();
  assert.equal(writes.length, n, "nothing pending: no extra write");
});

test("slider vs kernel: stale echoes of our writes are ignored, kernel moves apply", () => {
  const { clock, state, control } = harness();
  control.move(0, 1, clock.t); // written at t=0
  clock.advance(20);
  control.move(0, 3, clock.t); // still dragging: pending write
  const echo = { ...tczyx, current_step: [1, 0, 0, 32, 24] };
  assert.equal(state.applyModelDims(echo, clock.t), null, "our own earlier step comes back");
  assert.equal(state.dims.current_step[0], 3);
  const kernel = { ...tczyx, current_step: [0, 1, 0, 32, 24] };
  assert.notEqual(state.applyModelDims(kernel, clock.t), null, "a step the kernel set moves the slider");
  assert.deepEqual(
    sliderAxes(state.dims).map((s) => s.value),
    [0, 1],
  );
  // Long after the write, the same value from the kernel is a real change again.
  control.move(0, 2, clock.t);
  control.release();
  clock.advance(ECHO_WINDOW_MS + 1);
  control.move(0, 4, clock.t);
  assert.notEqual(state.applyModelDims({ ...tczyx, current_step: [2, 1, 0, 32, 24] }, clock.t), null);
  // The kernel changing the shape (new layer) always applies, whatever the steps.
  const grown = readDims({ ndisplay: 2, nsteps: [9, 5, 2, 1, 64, 48], current_step: [4, 2, 0, 0, 32, 24] });
  assert.notEqual(state.applyModelDims(grown, clock.t), null);
  assert.deepEqual(state.dims.current_step, [4, 2, 0, 0, 32, 24]);
});

test("dispose writes a pending step once and nothing afterwards", () => {
  const { clock, writes, control } = harness();
  control.move(0, 1, clock.t);
  control.move(0, 2, clock.t);
  assert.equal(writes.length, 1);
  control.dispose();
  assert.equal(writes.length, 2);
  assert.deepEqual(writes[1]!.step, [2, 0, 0, 32, 24]);
  control.move(0, 3, clock.t);
  clock.advance(1000);
  assert.equal(writes.length, 2);
});

test("slider labels count as napari does: index of 0..n-1", () => {
  assert.equal(sliderLabel(12, 64), "12 / 63");
  assert.equal(sliderLabel(0, 2), "0 / 1");
  assert.equal(sliderValueText("z", 12, 64), "z 12 of 0 to 63");
});

test("play: loops over the axis at fps through the slider's path; the kernel gets each step and the stop", () => {
  const { clock, state, sent, writes, control } = harness();
  const changes: Array<number | null> = [];
  const player = new AxisPlayer(
    {
      current: (axis) => {
        const s = sliderAxes(state.dims).find((x) => x.axis === axis);
        return s === undefined ? null : { value: s.value, size: s.size };
      },
      move: (axis, value, t) => control.move(axis, value, t),
      release: () => control.release(),
      changed: (axis) => changes.push(axis),
    },
    clock,
  );
  assert.equal(DEFAULT_FPS, 10);
  player.play(0, 10); // t: 5 steps, at 2
  assert.equal(player.axis, 0);
  clock.advance(99);
  assert.equal(sent.length, 0, "first step after one frame period");
  clock.advance(1);
  clock.advance(400); // 5 frames: 3, 4, 0 (loop), 1, 2
  assert.deepEqual(
    sent.map((s) => s.step[0]),
    [3, 4, 0, 1, 2],
  );
  assert.deepEqual(
    writes.map((w) => w.step[0]),
    [3, 4, 0, 1, 2],
    "at 10 fps every step reaches the kernel",
  );
  player.setFps(20);
  clock.advance(150); // the pending 100 ms frame, then one of 50 ms
  assert.deepEqual(
    sent.slice(5).map((s) => s.step[0]),
    [3, 4],
  );
  player.play(1, 10); // another play stops this one
  assert.deepEqual(changes, [0, null, 1]);
  clock.advance(100);
  assert.deepEqual(sent.at(-1)!.step.slice(0, 2), [4, 1], "c plays (2 steps), t stays");
  player.stop();
  assert.equal(player.axis, null);
  assert.deepEqual(writes.at(-1)!.step.slice(0, 2), [4, 1], "the last position is written on stop");
  const n = sent.length;
  clock.advance(1000);
  assert.equal(sent.length, n, "stopped: no more steps");
});

test("play: stops when its axis loses its slider; fps input is clamped", () => {
  const { clock, state, control } = harness();
  const player = new AxisPlayer(
    {
      current: (axis) => {
        const s = sliderAxes(state.dims).find((x) => x.axis === axis);
        return s === undefined ? null : { value: s.value, size: s.size };
      },
      move: (axis, value, t) => control.move(axis, value, t),
      release: () => control.release(),
      changed: () => {},
    },
    clock,
  );
  player.play(0, 5);
  clock.advance(200);
  state.applyModelDims({ ...tczyx, nsteps: [1, 2, 1, 64, 48], current_step: [0, 0, 0, 32, 24] }, clock.t);
  clock.advance(200);
  assert.equal(player.axis, null, "t has no slider any more");
  player.play(3, 10);
  assert.equal(player.axis, null, "a displayed axis cannot play");
  assert.equal(clampFps(0), DEFAULT_FPS);
  assert.equal(clampFps(Number.NaN), DEFAULT_FPS);
  assert.equal(clampFps(500), 60);
  assert.equal(nextStep(4, 5), 0);
  assert.equal(nextStep(1, 1), 0);
});
