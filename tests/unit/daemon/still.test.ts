/**
 * Stills: a view at rest gets its frame again from a 4:4:4 encoder at the still CRF, when the client
 * offers High 4:4:4 ("avc1.f4..."). On a noisy viridis image (tests/bench's kind) 4:2:0 cannot pass
 * ~31 dB whatever the CRF (the noise's chroma); the still reaches >= 40 dB against the render.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parameterSetsAnnexB, avccToAnnexB } from "../../../src/daemon/encode/avc.js";
import { createEncoder } from "../../../src/daemon/encode/encoder.js";
import type { EncodedFrame } from "../../../src/daemon/encode/types.js";
import { renderLayers } from "../../../src/daemon/render/render3d.js";
import { STILL_AFTER_MS } from "../../../src/daemon/scene/interactive.js";
import { decodeFrame, H264_CODECS, type StreamConfig } from "../../../src/protocol/index.js";
import { psnrRgb, requireFfmpeg, runFfmpeg } from "../encode/helpers.js";
import {
  openViewer,
  layer,
  sleep,
  startTestDaemon,
  streamHello,
  TestClient,
  viewerState,
  type TestDaemon,
} from "./helpers.js";

const W = 256;
const H = 144;

/** tests/bench's image, smaller: a smooth pattern plus Gaussian noise, uint16, drawn with viridis. */
function noisyViridis(): Uint8Array {
  const N = 256;
  const img = new Uint16Array(N * N);
  let s = 1;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), (s + 0.5) / 2 ** 32);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const g = Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
      img[y * N + x] = Math.round(Math.sin(x / 37) * Math.cos(y / 23) * 1000 + 2000 + g * 100);
    }
  }
  const state = viewerState([N / 2, N / 2], 1, [
    layer("a", { colormap: "viridis", contrast_limits: [800, 3200], scale: [1, 1], translate: [0, 0] }),
  ]);
  const out = new Uint8Array(W * H * 4);
  const data = { id: "a", dtype: "uint16" as const, shape: [N, N], data: img };
  renderLayers({ state, canvas: { width: W, height: H, pixel_ratio: 1 }, layers: new Map([["a", data]]) }, out);
  return out;
}

/** Encode one frame (a keyframe) and decode it back to RGBA as a browser would (BT.709 limited range). */
async function roundTrip(
  dir: string,
  rgba: Uint8Array,
  still: boolean,
): Promise<{ rgba: Buffer; frame: EncodedFrame }> {
  const enc = await createEncoder({
    width: W,
    height: H,
    pixelFormat: "rgba",
    profile: "high",
    ffmpeg: requireFfmpeg(),
    still,
  });
  try {
    const frame = await enc.encode(rgba, { keyframe: true });
    const file = join(dir, still ? "still.h264" : "plain.h264");
    writeFileSync(file, Buffer.concat([parameterSetsAnnexB(frame.config!.description), avccToAnnexB(frame.data)]));
    const vf = "scale=in_color_matrix=bt709:in_range=tv:out_range=pc:flags=bilinear+accurate_rnd+full_chroma_int";
    const out = await runFfmpeg(["-f", "h264", "-i", file, "-vf", vf, "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"]);
    return { rgba: out, frame };
  } finally {
    await enc.dispose();
  }
}

describe("still encoder (4:4:4, still CRF)", { timeout: 60_000 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "napari-cuda-still-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reaches >= 40 dB on a noisy viridis image where the 4:2:0 frame stays near 30", async () => {
    const src = noisyViridis();
    const still = await roundTrip(dir, src, true);
    const plain = await roundTrip(dir, src, false);
    assert.match(still.frame.config!.codec, /^avc1\.f4/, "High 4:4:4 Predictive");
    assert.match(plain.frame.config!.codec, /^avc1\.64/);
    const s = psnrRgb(src, still.rgba);
    const p = psnrRgb(src, plain.rgba);
    assert.ok(s >= 40, `still ${s.toFixed(1)} dB`);
    assert.ok(p < 35, `4:2:0 ${p.toFixed(1)} dB (the test image lost its noise?)`);
  });
});

describe("a resting view gets a still when it offers High 4:4:4", { timeout: 60_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon();
  });
  after(async () => {
    await t.daemon.close();
  });

  it("after STILL_AFTER_MS at rest: config avc1.f4 + keyframe of the same size; the next move goes back", async () => {
    await openViewer(t, "still1");
    const c = await TestClient.open(t.url("/stream"));
    try {
      c.send(streamHello({ viewer_id: "still1", codecs: [...H264_CODECS, "avc1.f40028"] }));
      const first = await c.untilBinary();
      const f0 = decodeFrame(first.data).header;
      c.send({ type: "ack", frame_id: f0.frameId });
      await sleep(STILL_AFTER_MS + 100);
      const rest = await c.untilBinary();
      const f1 = decodeFrame(rest.data).header;
      const cfg = rest.texts.find((m) => (m as StreamConfig).type === "config") as StreamConfig | undefined;
      assert.ok(cfg, "a config before the still");
      assert.match(cfg.codec, /^avc1\.f4/);
      assert.deepEqual([f1.width, f1.height, f1.keyframe, f1.seq, f1.still], [f0.width, f0.height, true, 0, true]);
      c.send({ type: "ack", frame_id: f1.frameId });
      c.send({ type: "state", seq: 1, state: viewerState([2, 2], 1) });
      const moved = await c.untilBinary();
      // Back to the 4:2:0 encoder: its stream goes on (the widget's decoder for it is warm): no
      // keyframe, no config.
      const back = decodeFrame(moved.data).header;
      assert.equal(back.still, false, "the next frame comes from the 4:2:0 encoder");
      assert.equal(back.keyframe, false);
      assert.equal(moved.texts.filter((m) => (m as StreamConfig).type === "config").length, 0);
    } finally {
      await c.close();
    }
  });
});
