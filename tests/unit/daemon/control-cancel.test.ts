/**
 * A screenshot or layer_range waiting for kernel chunks is cancelled when its /control connection
 * closes (the kernel timed out and dropped it): the daemon tells the kernel to cancel those chunks
 * instead of waiting for them, and keeps serving other connections.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultConfig } from "../../../src/daemon/config.js";
import { startDaemon, type RunningDaemon } from "../../../src/daemon/daemon.js";
import { setLogLevel } from "../../../src/daemon/log.js";
import { FakeKernel, serverId } from "./fake-kernel.js";
import { controlClient, layer, TOKENS, viewerState } from "./helpers.js";

const H = 100;
const W = 130;
const canvas = { width: W, height: H, pixel_ratio: 1 };
const state = viewerState([(H - 1) / 2, (W - 1) / 2], 1, [layer("lazy")]);

let daemon: RunningDaemon;
const url = (path: string): string => `ws://127.0.0.1:${daemon.port}${path}`;

before(async () => {
  setLogLevel("error");
  daemon = await startDaemon({
    config: { ...defaultConfig(), renderThreads: 1, helloTimeoutMs: 2000 },
    tokens: TOKENS,
    chunkConnectWaitMs: 60_000,
  });
});
after(async () => {
  await daemon.close();
});

function openRequest(viewer: string, server: string): Record<string, unknown> {
  return {
    op: "open_kernel_layer",
    id: 1,
    viewer_id: viewer,
    layer_id: "lazy",
    server_id: server,
    source_id: `src-${viewer}`,
    dtype: "uint8",
    levels: [{ shape: [H, W], chunks: [64, 64], factors: [1, 1], offset: [0, 0] }],
    axes: [
      { name: "y", type: "space", unit: null },
      { name: "x", type: "space", unit: null },
    ],
    scale: [1, 1],
    translate: [0, 0],
    name: "lazy",
    contrast_range: [0, 250],
  };
}

describe("control requests waiting for kernel chunks", { timeout: 60_000 }, () => {
  for (const op of ["screenshot", "layer_range"] as const) {
    test(`${op}: closing the control connection cancels its chunks on the kernel`, async () => {
      const id = serverId(op === "screenshot" ? 51 : 52);
      const kernel = await FakeKernel.connect(url("/chunks"), id); // never answers
      const c = await controlClient({ url });
      try {
        c.send(openRequest(op, id));
        assert.ok((await c.json<{ ok: boolean }>()).ok);
        const extra = op === "layer_range" ? { layer_id: "lazy" } : {};
        c.send({ op, id: 2, viewer_id: op, state, canvas, ...extra });
        await kernel.until(() => kernel.requests.length === 6); // 2 x 3 chunks on screen
        await c.close();
        await kernel.until(() => kernel.cancels.length === 6);
        assert.deepEqual(
          [...kernel.cancels].sort((a, b) => a - b),
          kernel.requests.map((r) => r.req).sort((a, b) => a - b),
        );
        // The daemon still answers on a new connection.
        const d = await controlClient({ url });
        d.send({ op: "info", id: 3 });
        assert.ok((await d.json<{ ok: boolean }>()).ok);
        await d.close();
      } finally {
        await kernel.close();
      }
    });
  }
});
