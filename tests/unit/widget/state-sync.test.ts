import assert from "node:assert/strict";
import { test } from "node:test";
import { ECHO_WINDOW_MS, LocalViewerState } from "../../../src/widget/state/state-sync.js";
import {
  cameraEqual,
  DEFAULT_CAMERA,
  readCamera,
  readDims,
  type LayerTrait,
} from "../../../src/widget/state/traits.js";
import { layerTrait } from "./layer-fixture.js";

const layer: LayerTrait = layerTrait({
  id: "l1",
  name: "img",
  colormap: "magma",
  contrast_limits: [0, 255],
  shape: [64, 64],
});

function fresh() {
  return new LocalViewerState({ camera: { ...DEFAULT_CAMERA }, dims: readDims({}), layers: [layer] });
}

test("local changes bump seq monotonically; wire snapshot carries the state", () => {
  const s = fresh();
  assert.equal(s.seq, 0);
  assert.equal(s.setCamera({ center: [5, 6], zoom: 3, angles: [0, 0, 90] }), 1);
  assert.equal(s.bump(), 2);
  const w = s.wire();
  assert.deepEqual(w.camera.center, [5, 6]);
  assert.equal(w.layers[0]!.colormap, "magma");
  assert.equal(w.dims.ndisplay, 2);
});

test("model camera: equal to local or a recent own write is an echo; a new value applies", () => {
  const s = fresh();
  const a = { center: [1, 1], zoom: 2, angles: [0, 0, 90] as [number, number, number] };
  const b = { center: [2, 2], zoom: 2, angles: [0, 0, 90] as [number, number, number] };
  s.setCamera(a);
  s.noteWrite(a, 1000);
  s.setCamera(b); // the drag went on after the throttled write
  assert.equal(s.applyModelCamera(b, 1010), null, "same as local");
  assert.equal(s.applyModelCamera({ ...a, center: [1 + 1e-12, 1] }, 1020), null, "late echo of our write");
  assert.ok(cameraEqual(s.camera, b));
  const seq = s.seq;
  assert.equal(s.applyModelCamera(a, 1000 + ECHO_WINDOW_MS + 1), seq + 1, "old write, long ago: a real change");
  const k = { center: [50, 60], zoom: 4, angles: [0, 0, 90] as [number, number, number] };
  assert.equal(s.applyModelCamera(k, 1100), seq + 2, "kernel set a new camera");
  assert.deepEqual(s.camera.center, [50, 60]);
});

test("model dims and layers apply only when changed", () => {
  const s = fresh();
  assert.equal(s.applyModelDims(readDims({}), 0), null);
  assert.equal(s.applyModelDims(readDims({ ndisplay: 2, current_step: [3, 0, 0] }), 0), 1);
  assert.equal(s.applyModelLayers([layer]), null);
  assert.equal(s.applyModelLayers([{ ...layer, gamma: 2 }]), 2);
  assert.equal(s.layers[0]!.gamma, 2);
});

test("trait readers are defensive", () => {
  assert.deepEqual(readCamera(null), DEFAULT_CAMERA);
  assert.deepEqual(readCamera({ center: [3, 4], zoom: -1 }).zoom, DEFAULT_CAMERA.zoom);
  assert.deepEqual(readCamera({ center: [3, 4], zoom: 2, angles: [1, 2, 3] }), {
    center: [3, 4],
    zoom: 2,
    angles: [1, 2, 3],
  });
  assert.equal(readDims({ ndisplay: 3 }).ndisplay, 3);
});

test("layer writes: stale echoes are dropped, but a later kernel change equal to an old write applies", () => {
  const s = new LocalViewerState({ camera: DEFAULT_CAMERA, dims: readDims({}), layers: [layer] });
  const a = [{ ...layer, gamma: 2 }];
  const b = [{ ...layer, gamma: 3 }];
  s.setLayers(a);
  s.noteLayersWrite(a, 0);
  s.setLayers(b);
  s.noteLayersWrite(b, 10);
  assert.equal(s.applyModelLayers(a, 20), null, "echo of the first write while the control moved on");
  assert.equal(s.layers[0]!.gamma, 3);
  assert.equal(s.applyModelLayers(b, 30), null, "echo of the last write: equal to the local state");
  // The kernel now sets gamma back to 2 itself (e.g. a cell ran): not an echo any more.
  assert.notEqual(s.applyModelLayers(a, 40), null);
  assert.equal(s.layers[0]!.gamma, 2);
});

test("camera writes: a kernel camera equal to an old, settled write applies", () => {
  const s = new LocalViewerState({ camera: DEFAULT_CAMERA, dims: readDims({}), layers: [] });
  const c1 = { ...DEFAULT_CAMERA, zoom: 2 };
  const c2 = { ...DEFAULT_CAMERA, zoom: 3 };
  s.setCamera(c1);
  s.noteWrite(c1, 0);
  s.setCamera(c2);
  s.noteWrite(c2, 5);
  assert.equal(s.applyModelCamera(c2, 10), null, "echo of the newest write settles both");
  assert.notEqual(s.applyModelCamera(c1, 20), null, "c1 from the kernel now is a real change");
  assert.ok(cameraEqual(s.camera, c1));
});
