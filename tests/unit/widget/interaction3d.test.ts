import assert from "node:assert/strict";
import { test } from "node:test";
import { cameraFrame, orbit, worldToScreen3d, type Vec3 } from "../../../src/protocol/camera3d.js";
import type { Camera, Canvas } from "../../../src/protocol/state.js";
import { CAMERA_WRITE_MS, CameraControl } from "../../../src/widget/interaction/camera-control.js";
import { DragState, resetCamera } from "../../../src/widget/interaction/interaction.js";
import {
  center3d,
  dragMode,
  orbitDrag,
  panDrag3d,
  wheelZoom3d,
} from "../../../src/widget/interaction/interaction3d.js";
import { LocalViewerState } from "../../../src/widget/state/state-sync.js";
import { readDims, type LayerTrait } from "../../../src/widget/state/traits.js";
import { ManualClock } from "./clock.js";
import { layerTrait } from "./layer-fixture.js";

const canvas: Canvas = { width: 1600, height: 1200, pixel_ratio: 2 }; // 800 x 600 CSS px
const cam3: Camera = { center: [32, 100, 200], zoom: 2, angles: [0, 0, 90] };

const close = (a: readonly number[], b: readonly number[], tol = 1e-9) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol);

test("drag modes: 2D unchanged (primary pans); 3D primary orbits, shift/middle/right pan", () => {
  assert.equal(dragMode(2, 0, false), "pan");
  assert.equal(dragMode(2, 0, true), "pan");
  assert.equal(dragMode(2, 2, false), null);
  assert.equal(dragMode(3, 0, false), "orbit");
  assert.equal(dragMode(3, 0, true), "pan");
  assert.equal(dragMode(3, 1, false), "pan");
  assert.equal(dragMode(3, 2, false), "pan");
  assert.equal(dragMode(3, 3, false), null);
});

test("orbit drag: angles follow orbit() step by step, centre and zoom stay", () => {
  const d = new DragState();
  d.start(1, [400, 300], "orbit", 3);
  assert.equal(d.kind, "orbit");
  let cam = cam3;
  let expected = cam3.angles as readonly number[];
  for (const [x, y] of [
    [420, 300],
    [450, 290],
    [450, 250],
  ] as const) {
    const prev = d.move(cam, 1, [x, y]);
    assert.ok(prev !== null);
    cam = prev;
  }
  expected = orbit(orbit(orbit(expected, 20, 0), 30, -10), 0, -40);
  assert.ok(close(cam.angles, expected), `${cam.angles} vs ${expected}`);
  assert.deepEqual(cam.center, cam3.center);
  assert.equal(cam.zoom, cam3.zoom);
  // A horizontal drag turns about the screen's up axis: the up vector is unchanged.
  const turned = orbitDrag(cam3, 90, 0);
  assert.ok(close(cameraFrame(turned.angles).up, cameraFrame(cam3.angles).up));
  assert.ok(!close(cameraFrame(turned.angles).view, cameraFrame(cam3.angles).view, 1e-3));
  // Dragging back returns to the start.
  assert.ok(close(orbitDrag(turned, -90, 0).angles, cam3.angles, 1e-6));
});

test("3D pan: the world point under the pointer follows it, at default and rotated angles", () => {
  for (const angles of [
    [0, 0, 90],
    [30, -20, 60],
    [-75, 40, 10],
  ] as Array<[number, number, number]>) {
    const cam = { ...cam3, angles };
    const p: Vec3 = [40, 90, 210];
    const s0 = worldToScreen3d(cam, canvas, p);
    const next = panDrag3d(cam, 25, -12);
    const s1 = worldToScreen3d(next, canvas, p);
    assert.ok(close([s1[0] - s0[0], s1[1] - s0[1]], [25, -12]), `angles ${angles}: moved ${s1} from ${s0}`);
    assert.deepEqual(next.angles, angles);
    assert.equal(next.zoom, cam.zoom);
  }
  // At the default orientation a 3D pan equals the 2D pan on (y, x); z stays.
  const d = new DragState();
  d.start(4, [0, 0], "pan", 3);
  const moved = d.move(cam3, 4, [10, 20])!;
  assert.ok(close(moved.center, [32, 100 - 20 / 2, 200 - 10 / 2]));
  // A 2-element centre (kernel not switched yet) is taken at z = 0.
  assert.deepEqual(center3d({ ...cam3, center: [5, 6] }), [0, 5, 6]);
  assert.equal(panDrag3d({ ...cam3, center: [5, 6] }, 0, 0).center.length, 3);
});

test("3D wheel zooms about the centre, clamped", () => {
  const z = wheelZoom3d(cam3, 1.5);
  assert.equal(z.zoom, 3);
  assert.deepEqual(z.center, cam3.center);
  assert.equal(wheelZoom3d(cam3, 1e12).zoom, 1e5);
});

const volume: LayerTrait = layerTrait({
  id: "v",
  name: "v",
  interpolation: "linear",
  scale: [2, 1, 1],
  translate: [10, 0, 0],
  shape: [20, 100, 300],
});

test("reset in 3D: centred on the volume (scaled depth), (y, x) plus depth fitted, default angles; 2D unchanged", () => {
  const cam = { ...cam3, angles: [12, 34, 56] as [number, number, number] };
  const r3 = resetCamera(cam, canvas, [volume], 3)!;
  // z: 10 + 2 * (-0.5 .. 19.5) = 9 .. 49 -> 29; y: -0.5 .. 99.5; x: -0.5 .. 299.5.
  assert.ok(close(r3.center, [29, 49.5, 149.5]));
  assert.deepEqual(r3.angles, [0, 0, 90]);
  assert.ok(Math.abs(r3.zoom - Math.min(800 / Math.hypot(300, 40), 600 / Math.hypot(100, 40)) * 0.95) < 1e-12);
  const r2 = resetCamera({ ...cam3, center: [0, 0] }, canvas, [volume], 2)!;
  assert.deepEqual(r2.center, [49.5, 149.5]);
});

test("camera control: moves sent at once with their input time, model writes throttled + final", () => {
  const clock = new ManualClock();
  const state = new LocalViewerState({
    camera: cam3,
    dims: readDims({ ndisplay: 3, nsteps: [20, 100, 300], current_step: [10, 50, 150] }),
    layers: [volume],
  });
  const sent: Array<[number, number]> = [];
  const writes: Camera[] = [];
  const control = new CameraControl(
    { state, canvas: () => canvas, send: (seq, t) => sent.push([seq, t]), write: (c) => writes.push(c) },
    clock,
  );
  assert.equal(control.ndisplay(), 3);
  for (let i = 0; i < 10; i++) {
    control.apply(orbitDrag(control.camera(), 5, 0), clock.t);
    clock.advance(20);
  }
  assert.deepEqual(
    sent.map(([seq]) => seq),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.equal(sent[3]![1], 60);
  // 200 ms of dragging: the leading write at 0, then one per CAMERA_WRITE_MS.
  assert.equal(writes.length, 1 + 200 / CAMERA_WRITE_MS);
  control.apply(orbitDrag(control.camera(), 5, 0), clock.t);
  assert.equal(writes.length, 3, "held until the interval passes");
  control.gestureEnd();
  assert.equal(writes.length, 4);
  assert.deepEqual(writes.at(-1), state.camera, "the final write is where the gesture ended");
  assert.equal(state.applyModelCamera(writes[0]!, clock.t), null, "an echo of an earlier write is ignored");
  control.reset(clock.t);
  assert.deepEqual(state.camera.angles, [0, 0, 90]);
  assert.deepEqual(writes.at(-1), state.camera, "reset is written at once");
});
