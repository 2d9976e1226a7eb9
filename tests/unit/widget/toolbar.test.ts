import assert from "node:assert/strict";
import { test } from "node:test";
import { backendBadge } from "../../../src/widget/toolbar/backend-badge.js";
import {
  SCREENSHOT_TIMEOUT_MS,
  ScreenshotRequests,
  screenshotName,
  screenshotReply,
  type ScreenshotResult,
} from "../../../src/widget/toolbar/screenshot.js";
import { ManualClock } from "./clock.js";

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

test("screenshot file name: napari-cuda-<local date and time>.png", () => {
  assert.equal(screenshotName(new Date(2025, 0, 31, 4, 5, 6)), "napari-cuda-2025-01-31-04-05-06.png");
});

test("screenshot reply: matched by id; the PNG is the first buffer; errors are named", () => {
  assert.equal(screenshotReply({ type: "screenshot", id: "b", ok: true }, [view(png)], "a"), null, "another request");
  assert.equal(screenshotReply({ type: "connection", id: "a" }, [], "a"), null);
  const ok = screenshotReply({ type: "screenshot", id: "a", ok: true }, [view(png)], "a");
  assert.deepEqual(ok, { ok: true, png });
  assert.deepEqual(screenshotReply({ type: "screenshot", id: "a", ok: false, error: "no layers" }, [], "a"), {
    ok: false,
    error: "no layers",
  });
  assert.deepEqual(screenshotReply({ type: "screenshot", id: "a", ok: true }, [], "a"), {
    ok: false,
    error: "the kernel sent no image",
  });
});

test("screenshot requests: one at a time; the reply ends it; a silent kernel times out after 30 s", () => {
  const clock = new ManualClock();
  const sent: Array<{ type: string; id: string }> = [];
  const done: ScreenshotResult[] = [];
  const r = new ScreenshotRequests(
    (m) => sent.push(m),
    (res) => done.push(res),
    clock,
  );
  assert.equal(r.request(), true);
  assert.equal(r.request(), false, "busy: not sent twice");
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.type, "screenshot");
  assert.equal(r.reply({ type: "screenshot", id: "other", ok: true }, [view(png)]), false);
  assert.equal(r.reply({ type: "screenshot", id: sent[0]!.id, ok: true }, [view(png)]), true);
  assert.deepEqual(done, [{ ok: true, png }]);
  clock.advance(SCREENSHOT_TIMEOUT_MS * 2);
  assert.equal(done.length, 1, "no timeout after the reply");

  assert.equal(r.request(), true);
  clock.advance(SCREENSHOT_TIMEOUT_MS - 1);
  assert.equal(done.length, 1);
  clock.advance(1);
  assert.deepEqual(done[1], { ok: false, error: "no answer from the kernel in 30 s" });
  assert.equal(r.reply({ type: "screenshot", id: sent[1]!.id, ok: true }, [view(png)]), false, "too late");
  assert.equal(r.busy, false);
});

test("backend badge: a short CPU/GPU tag; the CPU's reasons stay out of it", () => {
  assert.equal(backendBadge(null), null);
  const cpu = backendBadge({ backend: "cpu", backend_reason: "GPU backend unavailable: trial encode failed" })!;
  assert.equal(cpu.text, "CPU");
  assert.equal(cpu.title.includes("unavailable"), false);
  assert.match(cpu.title, /viewer\.info\(\)/);
  const gpu = backendBadge({ backend: "gpu", backend_reason: "NVIDIA H100" })!;
  assert.deepEqual(gpu, { text: "GPU", title: "Rendered on the GPU (NVIDIA H100)." });
});
