import assert from "node:assert/strict";
import { test } from "node:test";
import type { Camera } from "../../../../src/protocol/state.js";
import { CameraLog, type PredictView } from "../../../../src/widget/predict/camera-log.js";

const view = (x: number): PredictView => ({
  camera: { center: [0, x], zoom: 1, angles: [0, 0, 90] } as Camera,
  ndisplay: 2,
});
const x = (v: PredictView | undefined): number | undefined => v?.camera.center[1];

test("at(seq) is the entry with the largest recorded seq <= seq", () => {
  const log = new CameraLog();
  assert.equal(log.at(5), undefined);
  log.record(3, view(30));
  log.record(7, view(70));
  log.record(8, view(80));
  assert.equal(x(log.at(2)), undefined); // before anything recorded
  assert.equal(x(log.at(3)), 30);
  assert.equal(x(log.at(6)), 30); // seqs 4..6 were never sent: the frame still shows seq 3's camera
  assert.equal(x(log.at(7)), 70);
  assert.equal(x(log.at(8)), 80);
  assert.equal(x(log.at(1000)), 80);
});

test("re-recording the newest seq replaces it; a lower seq restarts the log", () => {
  const log = new CameraLog();
  log.record(1, view(10));
  log.record(2, view(20));
  log.record(2, view(21));
  assert.equal(x(log.at(2)), 21);
  assert.equal(log.length, 2);
  log.record(1, view(99)); // seq counter restarted (reconnect)
  assert.equal(log.length, 1);
  assert.equal(x(log.at(1)), 99);
  assert.equal(x(log.at(2)), 99);
});

test("bounded: the oldest entries are evicted and then unknown", () => {
  const log = new CameraLog(4);
  for (let s = 10; s <= 60; s += 10) log.record(s, view(s));
  assert.equal(log.length, 4);
  assert.equal(x(log.at(10)), undefined);
  assert.equal(x(log.at(25)), undefined); // 20 evicted: no entry <= 25 is known
  assert.equal(x(log.at(30)), 30);
  assert.equal(x(log.at(45)), 40);
  assert.equal(x(log.at(55)), 50);
  assert.equal(x(log.at(61)), 60);
  // Wrap-around keeps the binary search ordered.
  for (let s = 61; s <= 70; s++) log.record(s, view(s));
  assert.deepEqual(
    [66, 67, 68, 69, 70, 71].map((s) => x(log.at(s))),
    [undefined, 67, 68, 69, 70, 70],
  );
});

test("clear forgets everything; capacity must be positive", () => {
  const log = new CameraLog(2);
  log.record(1, view(1));
  log.clear();
  assert.equal(log.at(1), undefined);
  assert.equal(log.length, 0);
  log.record(1, view(5));
  assert.equal(x(log.at(1)), 5);
  assert.throws(() => new CameraLog(0), /capacity/);
});
