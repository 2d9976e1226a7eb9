import assert from "node:assert/strict";
import { test } from "node:test";
import type { StreamConfig } from "../../../src/protocol/stream.js";
import { debugLines } from "../../../src/widget/hud/debug-overlay.js";
import { FRESH_MS, FreshSamples } from "../../../src/widget/hud/fresh.js";
import { endOfIopub, endOfStatus, watchKernel, type ModelLike } from "../../../src/widget/hud/kernel-lost.js";
import { isStale } from "../../../src/widget/hud/notices.js";
import type { EndReason } from "../../../src/widget/hud/status.js";

const info = {
  backend: "cpu",
  encoder: "libx264",
  fps: 0,
  m2pMs: null,
  width: 640,
  height: 480,
  level: 0,
  levelCount: 1,
};

test("debug overlay: the why lines appear only there, after the figures", () => {
  const cfg = {
    backend: "cpu",
    encoder: "libx264",
    backend_reason: "GPU backend unavailable: no CUDA device",
    encoder_reason: "libx264 (software); h264_nvenc unusable: trial encode failed",
  } as StreamConfig;
  assert.deepEqual(debugLines(info, cfg, 12, 0), [
    "CPU renderer · libx264 · 640×480 px",
    "renderer: GPU backend unavailable: no CUDA device",
    "encoder: libx264 (software); h264_nvenc unusable: trial encode failed",
    "frames shown: 12",
  ]);
  assert.deepEqual(debugLines({ ...info, backend: null, encoder: null, width: 0 }, null, 0, 3), [
    "frames shown: 0 · not shown: 3",
  ]);
});

test("fresh latency: samples count for FRESH_MS after they arrive, old ones never", () => {
  const f = new FreshSamples();
  const buf: number[] = [40, 50]; // from before the overlay started watching
  f.observe([], 0);
  f.observe(buf, 100); // both arrived since the (empty) last look
  assert.equal(f.median(100), 45);
  assert.equal(f.median(100 + FRESH_MS), null, "expired: no latency at rest");
  buf.push(10);
  f.observe(buf, 200 + FRESH_MS);
  assert.equal(f.median(200 + FRESH_MS), 10, "only the new sample");
  f.observe(buf, 300 + FRESH_MS);
  assert.equal(f.median(300 + FRESH_MS), 10, "seeing the same buffer again adds nothing");
});

test("fresh latency: a full buffer that drops its oldest, and a cleared one", () => {
  const f = new FreshSamples(1000);
  const full = [1, 2, 3, 4];
  f.observe(full, 0);
  f.observe([3, 4, 5, 6], 2000); // capacity 4: 1 and 2 dropped, 5 and 6 added
  assert.equal(f.median(2000), 5.5);
  f.observe([7], 2500); // cleared (a benchmark window) and refilled
  assert.equal(f.median(2500), 6);
});

test("stale picture: while the stream is down, not while it streams or waits for the kernel", () => {
  assert.equal(isStale("reconnecting"), true);
  assert.equal(isStale("failed"), true);
  assert.equal(isStale("streaming"), false);
  assert.equal(isStale("waiting"), false);
});

test("kernel loss: statuses and the old kernel's shutdown reply", () => {
  assert.equal(endOfStatus("restarting"), "kernel-restarted");
  assert.equal(endOfStatus("autorestarting"), "kernel-restarted");
  assert.equal(endOfStatus("dead"), "kernel-stopped");
  assert.equal(endOfStatus("idle"), null);
  assert.equal(endOfIopub({ header: { msg_type: "shutdown_reply" }, content: { restart: true } }), "kernel-restarted");
  assert.equal(endOfIopub({ header: { msg_type: "shutdown_reply" }, content: { restart: false } }), "kernel-stopped");
  assert.equal(endOfIopub({ header: { msg_type: "status" }, content: {} }), null);
  assert.equal(endOfIopub(null), null);
});

/** A stand-in for an ipywidgets model and JupyterLab kernel connection (Backbone events, Lumino signals). */
function fakeModel(live: boolean) {
  const handlers = new Map<string, Set<() => void>>();
  const signal = () => {
    const slots = new Set<(s: unknown, v: unknown) => void>();
    return {
      slots,
      connect: (f: (s: unknown, v: unknown) => void) => (slots.add(f), true),
      disconnect: (f: (s: unknown, v: unknown) => void) => slots.delete(f),
      emit: (v: unknown) => [...slots].forEach((f) => f(null, v)),
    };
  };
  const kernel = { statusChanged: signal(), iopubMessage: signal() };
  const model = {
    comm_live: live,
    widget_manager: { kernel },
    on: (e: string, f: () => void) => handlers.set(e, (handlers.get(e) ?? new Set()).add(f)),
    off: (e: string, f: () => void) => handlers.get(e)?.delete(f),
    trigger: (e: string) => [...(handlers.get(e) ?? [])].forEach((f) => f()),
    handlers,
  };
  return { model, kernel };
}

test("watchKernel: comm_live false, once; unsubscribes everything", () => {
  const { model, kernel } = fakeModel(true);
  const seen: EndReason[] = [];
  const off = watchKernel(model as ModelLike, (r) => seen.push(r));
  kernel.statusChanged.emit("busy");
  assert.deepEqual(seen, []);
  model.comm_live = false;
  model.trigger("comm_live_update");
  kernel.iopubMessage.emit({ header: { msg_type: "shutdown_reply" }, content: { restart: true } });
  assert.deepEqual(seen, ["kernel-restarted"], "reported once");
  off();
  assert.equal(kernel.statusChanged.slots.size + kernel.iopubMessage.slots.size, 0);
  assert.equal(
    [...model.handlers.values()].reduce((n, s) => n + s.size, 0),
    0,
  );
});

test("watchKernel: a REST restart shows as the shutdown reply; a model without a comm at once", () => {
  const a = fakeModel(true);
  const seen: EndReason[] = [];
  watchKernel(a.model as ModelLike, (r) => seen.push(r));
  a.kernel.iopubMessage.emit({ header: { msg_type: "shutdown_reply" }, content: { restart: true } });
  assert.deepEqual(seen, ["kernel-restarted"]);
  const b = fakeModel(false);
  watchKernel(b.model as ModelLike, (r) => seen.push(r));
  assert.deepEqual(seen, ["kernel-restarted", "no-kernel"]);
});
