/** The daemon's `sync` message in the widget: parsing, and ViewSync's adoption and stale-echo checks. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Camera, Dims } from "../../../src/protocol/state.js";
import type { StreamSync } from "../../../src/protocol/stream.js";
import { LocalViewerState } from "../../../src/widget/state/state-sync.js";
import { parseServerMessage } from "../../../src/widget/stream/messages.js";
import { SYNC_ECHO_MS, ViewSync } from "../../../src/widget/stream/view-sync.js";

const cam = (x: number): Camera => ({ center: [10, x], zoom: 2, angles: [0, 0, 90] });
const dims = (step: number): Dims => ({ ndisplay: 2, current_step: [step, 0, 0], axis_labels: ["z", "y", "x"] });
const sync = (seq: number, x: number, step = 0): StreamSync => ({
  type: "sync",
  seq,
  camera: cam(x),
  dims: dims(step),
});

function local(): LocalViewerState {
  return new LocalViewerState({
    camera: cam(0),
    dims: { ...dims(0), nsteps: [5, 100, 100] },
    layers: [],
  });
}

test("sync messages parse; a bad camera or dims names the property", () => {
  assert.deepEqual(parseServerMessage(JSON.stringify(sync(3, 7, 2))), sync(3, 7, 2));
  assert.throws(
    () => parseServerMessage(JSON.stringify({ ...sync(3, 7), camera: { center: [1], zoom: 1 } })),
    (e: Error & { path?: string }) => e.path?.startsWith("camera.") === true,
  );
  assert.throws(
    () => parseServerMessage(JSON.stringify({ ...sync(3, 7), dims: { ndisplay: 4, current_step: [] } })),
    (e: Error & { path?: string }) => e.path?.startsWith("dims.") === true,
  );
  assert.throws(
    () => parseServerMessage(JSON.stringify({ ...sync(3, 7), seq: -1 })),
    (e: Error & { path?: string }) => e.path === "seq",
  );
});

test("a sync of the view's seq is adopted under a new seq; dims keep their nsteps", () => {
  const state = local();
  state.seq = 4;
  const vs = new ViewSync(state);
  assert.equal(vs.adopt(sync(4, 50, 3), 0), 6, "camera then dims: two bumps");
  assert.equal(state.seq, 6);
  assert.deepEqual(state.camera, cam(50));
  assert.deepEqual(state.dims.current_step, [3, 0, 0]);
  assert.deepEqual(state.dims.nsteps, [5, 100, 100]);
  assert.equal(vs.adopt(sync(6, 50, 3), 1), null, "nothing changed");
});

test("a sync older than the view's last state is ignored (the daemon settles that state)", () => {
  const state = local();
  state.setCamera(cam(5));
  const vs = new ViewSync(state);
  assert.equal(vs.adopt(sync(state.seq - 1, 50), 0), null);
  assert.deepEqual(state.camera, cam(5));
});

test("syncs sent before the daemon had the view's answer to an earlier sync are adopted", () => {
  const state = local();
  state.seq = 10;
  const vs = new ViewSync(state);
  // A drag's three quick moves, all fanned out while the daemon still had seq 10 from this view.
  assert.equal(vs.adopt(sync(10, 20), 0), 11);
  assert.equal(vs.adopt(sync(10, 30), 1), 12, "the second move is not dropped");
  assert.equal(vs.adopt(sync(11, 40), 2), 13, "nor the third, once the daemon has the first answer");
  assert.deepEqual(state.camera, cam(40));
  // The view's own move (not a sync's) is newer than any sync based on an earlier seq.
  state.setCamera(cam(99));
  assert.equal(vs.adopt(sync(13, 50), 3), null);
  assert.deepEqual(state.camera, cam(99));
  assert.equal(vs.adopt(sync(14, 60), 4), 15, "a sync of its own latest seq is taken again");
  assert.equal(vs.adopt(sync(13, 70), 5), null, "older than the view's own move at 14");
});

test("while syncs come, model values other than the latest synced are stale", () => {
  const state = local();
  const vs = new ViewSync(state);
  for (const [i, x] of [10, 20, 30].entries()) vs.adopt(sync(state.seq, x, i), i);
  assert.equal(vs.staleCamera(cam(10), 5), true);
  assert.equal(vs.staleCamera(cam(20), 5), true);
  assert.equal(vs.staleCamera(cam(30), 5), false, "the latest");
  assert.equal(vs.staleCamera(cam(99), 5), true, "an echo of a write whose state never reached the daemon");
  assert.equal(vs.staleDims(dims(0), 5), true);
  assert.equal(vs.staleDims(dims(2), 5), false);
  assert.equal(vs.staleDims({ ...dims(0), current_step: [0, 0] }, 5), false, "other axes: the kernel's change");
  assert.equal(vs.staleCamera(cam(10), 2 + SYNC_ECHO_MS + 1), false, "no sync for a while: a model change");
  assert.equal(new ViewSync(local()).staleCamera(cam(10), 0), false, "no sync yet");
  // The model's echo of a synced camera is then applied as usual (it equals the local camera).
  assert.equal(state.applyModelCamera(cam(30), 6), null);
});
