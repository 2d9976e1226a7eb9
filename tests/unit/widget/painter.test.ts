/**
 * The painter keeps the canvas's backing store at the view's device size whatever each frame's size:
 * a resize per frame made Chromium drop and reallocate the canvas's compositor buffers at every
 * switch between half- and full-resolution frames (9-18 ms of the main thread each, docs/latency.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Painter, type PainterHost } from "../../../src/widget/display/painter.js";
import { FrameClock } from "../../../src/widget/display/frame-clock.js";
import type { ViewDom } from "../../../src/widget/display/view-dom.js";
import { ViewStats } from "../../../src/widget/instrument/stats.js";
import type { FrameHeader } from "../../../src/protocol/frame.js";
import type { Camera } from "../../../src/protocol/state.js";

/** A stand-in canvas (node has none): counts size changes, records transforms and draws. */
function standInCanvas(width: number, height: number) {
  const log: string[] = [];
  let w = width;
  let h = height;
  let resizes = 0;
  const ctx = {
    fillStyle: "",
    imageSmoothingEnabled: true,
    fillRect: () => log.push("fillRect"),
    drawImage: (_src: unknown, x = 0, y = 0) => log.push(`drawImage ${x},${y} smooth=${ctx.imageSmoothingEnabled}`),
    setTransform: (...m: number[]) => log.push(`setTransform ${m.join(",")}`),
  };
  const canvas = {
    style: {} as Record<string, string>,
    get width() {
      return w;
    },
    set width(v: number) {
      if (v !== w) resizes++;
      w = v;
    },
    get height() {
      return h;
    },
    set height(v: number) {
      if (v !== h) resizes++;
      h = v;
    },
    getContext: () => ctx,
    ownerDocument: { createElement: () => standInCanvas(0, 0).canvas },
  };
  return { canvas, ctx, log, resizes: () => resizes };
}

const camera = (cx: number): Camera =>
  ({ center: [360, cx], zoom: 1, angles: [0, 0, 90], perspective: 0 }) as unknown as Camera;

function rig(device: { width: number; height: number } | null, predict: boolean) {
  const c = standInCanvas(16, 16);
  const dom = { container: {}, canvas: c.canvas, ctx: c.ctx } as unknown as ViewDom;
  let now = camera(640);
  const host: PainterHost = {
    predict: () => predict,
    view: () => ({ camera: now, ndisplay: 2 }),
    frameView: () => ({ camera: camera(640), ndisplay: 2 }),
    cssSize: () => ({ width: 1280, height: 720 }),
    deviceSize: () => device,
  };
  const ticks: Array<() => void> = [];
  const clock = new FrameClock(
    (cb) => {
      ticks.push(cb);
      return () => {};
    },
    () => () => {},
  );
  const painter = new Painter(dom, host, new ViewStats(), clock);
  const frame = (width: number, height: number) => {
    const f = { displayWidth: width, displayHeight: height } as unknown as VideoFrame;
    painter.frame(f, { seq: 1, marginX: 0, marginY: 0 } as FrameHeader);
  };
  const pan = (cx: number) => {
    now = camera(cx);
    painter.request();
    for (const t of ticks.splice(0)) t();
  };
  return { ...c, frame, pan };
}

for (const predict of [true, false]) {
  test(`half- and full-resolution frames leave the canvas at its device size (prediction ${predict ? "on" : "off"})`, () => {
    const r = rig({ width: 1280, height: 720 }, predict);
    r.frame(1280, 720);
    const after = r.resizes();
    assert.equal(r.canvas.width, 1280);
    for (let i = 0; i < 3; i++) {
      r.frame(640, 360);
      assert.deepEqual([r.canvas.width, r.canvas.height], [1280, 720], "a half-resolution frame keeps the size");
      r.frame(1280, 720);
    }
    assert.equal(r.resizes(), after, "no resize after the first frame");
    // The half-resolution frame is drawn scaled up 2x, nearest neighbour; the full one blitted.
    assert.ok(r.log.includes("setTransform 2,0,0,2,0,0"), r.log.join("\n"));
    assert.ok(r.log.includes("drawImage 0,0 smooth=false"), r.log.join("\n"));
  });
}

test("a prediction redraws on the same canvas size", () => {
  const r = rig({ width: 1280, height: 720 }, true);
  r.frame(640, 360);
  const after = r.resizes();
  r.log.length = 0;
  r.pan(600);
  assert.equal(r.resizes(), after);
  // Panning the camera right by 40 px moves the picture left by 40 CSS px (= device px here).
  assert.ok(r.log.includes("setTransform 2,0,0,2,40,0"), r.log.join("\n"));
});

test("before the first measure the canvas takes the frame's view size", () => {
  const r = rig(null, true);
  r.frame(640, 360);
  assert.deepEqual([r.canvas.width, r.canvas.height], [640, 360]);
});
