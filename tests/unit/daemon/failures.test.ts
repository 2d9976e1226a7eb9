/** Failure paths with real parts: no ffmpeg, ffmpeg dying mid-stream, a GPU request on a CPU-only build. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultConfig } from "../../../src/daemon/config.js";
import { startDaemon } from "../../../src/daemon/daemon.js";
import { setLogLevel } from "../../../src/daemon/log.js";
import { decodeFrame, type InfoResult, type StreamConfig } from "../../../src/protocol/index.js";
import {
  openViewer,
  controlClient,
  sleep,
  startTestDaemon,
  streamHello,
  TestClient,
  TOKENS,
  viewerState,
  ffmpegChildren,
} from "./helpers.js";

type ErrorMsg = { type: "error"; code: string };

describe("no usable ffmpeg", { timeout: 60_000 }, () => {
  test("views get encoder_unavailable and stay connected; info says why", async () => {
    setLogLevel("fatal"); // the GPU request and the missing ffmpeg are logged as errors: expected here
    const daemon = await startDaemon({
      config: { ...defaultConfig(), renderThreads: 1, backend: "gpu" },
      tokens: TOKENS,
      env: { ...process.env, NAPARI_CUDA_FFMPEG: "/nonexistent/ffmpeg" },
    });
    const t = { daemon, shutdownRequests: [], url: (p: string) => `ws://127.0.0.1:${daemon.port}${p}` };
    try {
      await openViewer(t, "v1");
      const v = await TestClient.open(t.url("/stream"));
      v.send(streamHello());
      assert.equal((await v.json<{ type: string }>()).type, "meta");
      const e = await v.json<ErrorMsg>();
      assert.equal(e.code, "encoder_unavailable");
      v.send({ type: "state", seq: 1, state: viewerState([1, 1], 2) });
      await sleep(200);
      assert.equal(v.ws.readyState, v.ws.OPEN);
      assert.equal(v.pending, 0, "no frames, no repeated errors");

      const k = await controlClient(t);
      k.send({ op: "info", id: 1 });
      const info = (await k.json<{ result: InfoResult }>()).result;
      assert.equal(info.encoder, "none");
      assert.match(info.encoder_reason, /NAPARI_CUDA_FFMPEG/);
      if (info.backend === "cpu") assert.match(info.backend_reason, /gpu requested .* but unavailable: \S/);
      else assert.equal(info.backend, "gpu");
      assert.equal(info.views, 1);
      await k.close();
      await v.close();
    } finally {
      await daemon.close();
      setLogLevel("error");
    }
  });
});

describe("ffmpeg dies mid-stream", { timeout: 60_000 }, () => {
  test("encoder_failed, then a new encoder: config + keyframe, and the stream goes on", async () => {
    const t = await startTestDaemon();
    try {
      await openViewer(t, "crash");
      const v = await TestClient.open(t.url("/stream"));
      v.send(streamHello({ viewer_id: "crash" }));
      const first = await v.untilBinary();
      v.send({ type: "ack", frame_id: decodeFrame(first.data).header.frameId });
      const pids = ffmpegChildren();
      assert.ok(pids.length > 0);
      for (const pid of pids) process.kill(pid, "SIGKILL");
      await sleep(100);
      v.send({ type: "state", seq: 5, state: viewerState([2, 2], 3) });

      const next = await v.untilBinary();
      const frame = decodeFrame(next.data);
      const seen = (next.texts as Array<ErrorMsg | StreamConfig>).map((m) => (m.type === "error" ? m.code : m.type));
      assert.equal(seen[0], "encoder_failed");
      assert.equal(seen.at(-1), "config", "the new encoder's config precedes its first frame");
      assert.equal(frame.header.keyframe, true);
      assert.equal(frame.header.seq, 5);
      assert.ok(ffmpegChildren().every((p) => !pids.includes(p)));
      await v.close();
    } finally {
      await t.daemon.close();
    }
  });
});
