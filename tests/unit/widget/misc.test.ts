import assert from "node:assert/strict";
import { test } from "node:test";
import { isNapariCudaError } from "../../../src/protocol/errors.js";
import { PROTOCOL_VERSION } from "../../../src/protocol/version.js";
import { Backoff } from "../../../src/widget/stream/backoff.js";
import { base64ToBytes } from "../../../src/widget/stream/base64.js";
import { parseKernelMessage, sameConnection } from "../../../src/widget/stream/connection.js";
import { hudLine } from "../../../src/widget/hud/hud.js";
import { parseServerMessage } from "../../../src/widget/stream/messages.js";
import { deviceCanvas, evenDevicePx } from "../../../src/widget/display/sizing.js";
import {
  connectionText,
  daemonErrorText,
  endedText,
  STOPPED_AFTER_ATTEMPTS,
  webCodecsUnavailableText,
} from "../../../src/widget/hud/status.js";

test("backoff: 0.5 s doubling to 10 s, jitter within bounds, reset", () => {
  const lo = new Backoff({ random: () => 0 });
  const hi = new Backoff({ random: () => 1 });
  const mid = new Backoff({ random: () => 0.5 });
  assert.deepEqual(
    Array.from({ length: 7 }, () => mid.next()),
    [500, 1000, 2000, 4000, 8000, 10000, 10000],
  );
  for (let i = 0; i < 8; i++) {
    const a = lo.next();
    const b = hi.next();
    assert.ok(a >= 500 && a <= 10000 && b >= 500 && b <= 10000 && a <= b);
  }
  mid.reset();
  assert.equal(mid.next(), 500);
});

test("canvas sizes: device px rounded then made even, clamped, null before layout", () => {
  assert.equal(evenDevicePx(641, 1), 640);
  assert.equal(evenDevicePx(333.4, 1.5), 500);
  assert.equal(evenDevicePx(333.8, 1.5), 500); // 500.7 -> 501 -> 500
  assert.equal(evenDevicePx(3, 1), 16);
  assert.equal(evenDevicePx(10000, 2), 8192);
  assert.deepEqual(deviceCanvas(800, 600, 2), { width: 1600, height: 1200, pixel_ratio: 2 });
  assert.deepEqual(deviceCanvas(800, 600, 0), { width: 800, height: 600, pixel_ratio: 1 });
  assert.equal(deviceCanvas(0, 600, 1), null);
});

test("server messages: config parsed; bad fields named; unknown type and bad JSON coded", () => {
  const cfg = {
    type: "config",
    protocol: 1,
    session_id: "s",
    codec: "avc1.42E01F",
    description: "AQID",
    width: 640,
    height: 480,
    encoder: "libx264",
    backend: "cpu",
    encoder_reason: "libx264 (software); h264_nvenc unusable: no NVIDIA GPU",
    backend_reason: "GPU backend unavailable: NVIDIA driver not found",
  };
  assert.deepEqual(parseServerMessage(JSON.stringify(cfg)), cfg);
  // A daemon that sends no reasons still parses (empty reasons).
  const { encoder_reason: _e, backend_reason: _b, ...bare } = cfg;
  assert.deepEqual(parseServerMessage(JSON.stringify(bare)), { ...bare, encoder_reason: "", backend_reason: "" });
  const bad = (text: string) => {
    try {
      parseServerMessage(text);
    } catch (err) {
      assert.ok(isNapariCudaError(err));
      return [err.code, err.path];
    }
    assert.fail("no error");
  };
  assert.deepEqual(bad(JSON.stringify({ ...cfg, width: "640" })), ["invalid_message", "width"]);
  assert.deepEqual(bad(JSON.stringify({ type: "nope" })), ["unknown_type", "type"]);
  assert.deepEqual(bad("{"), ["bad_json", undefined]);
  assert.deepEqual(
    parseServerMessage(JSON.stringify({ type: "error", code: "unauthorized", message: "m", path: "token" })),
    {
      type: "error",
      code: "unauthorized",
      message: "m",
      path: "token",
    },
  );
  assert.deepEqual(base64ToBytes(cfg.description), new Uint8Array([1, 2, 3]));
  assert.throws(
    () => base64ToBytes("*&^"),
    (e: unknown) => isNapariCudaError(e, "invalid_message"),
  );
});

test("kernel messages: connection validated, protocol checked, duplicates recognised", () => {
  const ok = parseKernelMessage({
    type: "connection",
    protocol: PROTOCOL_VERSION,
    port: 4000,
    token: "t",
    viewer_id: "m1",
  });
  assert.deepEqual(ok, {
    type: "connection",
    info: { port: 4000, token: "t", viewerId: "m1", protocol: PROTOCOL_VERSION, transport: "auto" },
  });
  if (ok.type !== "connection") assert.fail();
  assert.ok(sameConnection(ok.info, { ...ok.info }));
  assert.ok(!sameConnection(ok.info, { ...ok.info, port: 4001 }));
  assert.ok(!sameConnection(ok.info, { ...ok.info, transport: "direct" }));
  const badTransport = parseKernelMessage({
    type: "connection",
    protocol: PROTOCOL_VERSION,
    port: 4000,
    token: "t",
    viewer_id: "m1",
    transport: "tunnel",
  });
  assert.equal(badTransport.type, "error");
  assert.ok(!sameConnection(null, ok.info));
  const mismatch = parseKernelMessage({ type: "connection", protocol: 99, port: 4000, token: "t", viewer_id: "m1" });
  assert.equal(mismatch.type, "error");
  const badPort = parseKernelMessage({
    type: "connection",
    protocol: PROTOCOL_VERSION,
    port: "x",
    token: "t",
    viewer_id: "m",
  });
  assert.deepEqual(badPort, { type: "error", message: "bad connection message from the kernel: port" });
  assert.deepEqual(parseKernelMessage({ type: "other" }), { type: "ignored" });
  assert.deepEqual(parseKernelMessage({ type: "error", message: "daemon did not start" }), {
    type: "error",
    message: "daemon did not start",
  });
});

test("debug overlay figures: plain words, no rate at rest, latency only when given", () => {
  const base = {
    backend: "cpu",
    encoder: "libx264",
    fps: 59.6,
    m2pMs: 18.4,
    width: 1280,
    height: 720,
    level: 0,
    levelCount: 1,
  };
  assert.equal(hudLine(base), "CPU renderer · libx264 · 60 frames/s · latency 18 ms · 1280×720 px");
  assert.equal(
    hudLine({ ...base, fps: 0, m2pMs: null, levelCount: 4, level: 2 }),
    "CPU renderer · libx264 · 1280×720 px · data level 2 / 3",
    "at rest: no '0 frames/s'; levels count as the sliders do",
  );
  assert.equal(hudLine({ ...base, fps: 0.2 }).includes("frames/s"), false);
});

test("status texts: short sentences; a lost render process first reconnects, then asks to run the cell", () => {
  assert.match(
    webCodecsUnavailableText("http://10.0.0.5:8888"),
    /WebCodecs is unavailable.*secure context.*http:\/\/10\.0\.0\.5:8888/,
  );
  const lost = (attempt: number) =>
    connectionText({ state: "reconnecting", delayMs: 1500, attempt, reason: "connection closed (code 1006)" }, true);
  assert.deepEqual(lost(1), { status: "reconnecting", text: "Lost the render process; reconnecting…", kind: "info" });
  assert.deepEqual(lost(STOPPED_AFTER_ATTEMPTS), {
    status: "reconnecting",
    text: "The viewer's render process stopped: run the cell again.",
    kind: "error",
  });
  const first = connectionText({ state: "reconnecting", delayMs: 500, attempt: 1, reason: "timed out" }, false);
  assert.equal(first.kind, "error");
  assert.match(first.text, /Cannot reach the render process \(timed out\)/);
  assert.equal(connectionText({ state: "failed", reason: "unauthorized: bad token" }, false).kind, "error");
  const open = connectionText({ state: "open", url: "ws://x", transport: "proxy" }, false);
  assert.deepEqual(open, { status: "streaming", text: "Connected; waiting for the first frame…", kind: "info" });
  for (const s of [lost(1), lost(9), first, open]) assert.equal(s.text.includes("\n"), false, "one line");
  assert.equal(
    daemonErrorText({ code: "bad_state", message: "unknown colormap 'foo'", path: "layers.0.colormap" }),
    "Render error: unknown colormap 'foo'",
  );
});

test("ended view texts: what happened, then what to do", () => {
  const t = endedText("kernel-restarted");
  assert.equal(`${t.what} ${t.todo}`, "The kernel restarted: run the cell again to show this viewer.");
  assert.match(endedText("kernel-stopped").what, /kernel stopped/);
  assert.match(endedText("no-kernel").todo, /run the cell/);
});
