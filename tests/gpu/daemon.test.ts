/**
 * The whole daemon on a GPU node, as the kernel starts it (the bundle as a child process): it
 * chooses the GPU backend, screenshots equal the CPU reference, a view streams NV12 frames
 * captured on the GPU through the chosen encoder and they decode to the screenshot, a moving view
 * streams half-resolution frames and then its full resting view, 3D renders, and shutdown leaves
 * no process behind. Skips without a GPU or without the built bundle.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { avccToAnnexB, parameterSetsAnnexB } from "../../src/daemon/encode/avc.js";
import { renderLayers } from "../../src/daemon/render/render3d.js";
import {
  decodeFrame,
  PROTOCOL_VERSION,
  type InfoResult,
  type ScreenshotResult,
  type StreamConfig,
  ViewerStateSchema,
  type Canvas,
  type ViewerState,
} from "../../src/protocol/index.js";
import type { LayerData } from "../../src/daemon/data/types.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import { TestClient, TOKENS, layer, streamHello, viewerState } from "../unit/daemon/helpers.js";
import { psnrRgb, runFfmpeg } from "../unit/encode/helpers.js";
import { layerData } from "../unit/render/helpers.js";
import { startGpu } from "./helpers.js";

const BUNDLE = "kernel-bridge/napari_cuda/_daemon/daemon.js";
const gpu = await startGpu();
if (typeof gpu !== "string") await gpu.dispose();
const skip =
  typeof gpu === "string" ? gpu : !existsSync(BUNDLE) ? `no daemon bundle at ${BUNDLE} (npm run build)` : false;

/** What the daemon renders for `state` (schema defaults applied, as on the wire). */
function reference(state: ViewerState, canvas: Canvas, data: LayerData): RenderRequest {
  return { state: ViewerStateSchema.parse(state), canvas, layers: new Map([[data.id, data]]) };
}

/** A keyframe as an Annex B stream (its config's SPS/PPS first), for ffmpeg. */
function toAnnexB(config: StreamConfig, payload: Uint8Array): Buffer {
  return Buffer.concat([parameterSetsAnnexB(Buffer.from(config.description, "base64")), avccToAnnexB(payload)]);
}

/** The first frame of an Annex B stream decoded to RGBA (BT.709 limited range, as the daemon encodes). */
function decodeRgba(annexB: Buffer): Promise<Buffer> {
  const vf = ["-vf", "scale=in_color_matrix=bt709:in_range=tv"];
  return runFfmpeg(
    ["-f", "h264", "-i", "pipe:0", "-frames:v", "1", ...vf, "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"],
    annexB,
  );
}

type Reply<T> = { id: number; ok: boolean; result: T; error?: { code: string; message: string } };

describe("the daemon on a GPU node", { skip, timeout: 120_000 }, () => {
  let child: ChildProcess;
  let port = 0;
  let c: TestClient;
  let nextId = 1;
  const H = 96;
  const W = 128;
  // Smooth (like most microscopy data): H.264 at the default quality keeps it above 30 dB.
  const img = layerData("img", "uint16", [H, W], (i) =>
    Math.round(((i % W) / W) * 2500 + (Math.floor(i / W) / H) * 1500),
  );

  async function call<T>(msg: Record<string, unknown>, binary?: Uint8Array): Promise<Reply<T>> {
    const id = nextId++;
    c.send({ ...msg, id });
    if (binary) c.sendBinary(binary);
    return c.json<Reply<T>>(30_000);
  }

  before(async () => {
    child = spawn(process.execPath, [BUNDLE, "--parent-pid", String(process.pid)], {
      env: {
        ...process.env,
        NAPARI_CUDA_BACKEND: process.env.NAPARI_CUDA_TEST_BACKEND ?? "gpu",
        NAPARI_CUDA_LOG_LEVEL: "warn",
        // Every moving frame at half resolution: the GPU renders and captures at both sizes.
        NAPARI_CUDA_INTERACTIVE_MS: "0",
      },
      stdio: ["pipe", "pipe", "inherit"],
    });
    child.stdin!.write(JSON.stringify({ control_token: TOKENS.control, view_token: TOKENS.view }) + "\n");
    const first = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout! }).once("line", resolve),
    );
    port = (JSON.parse(first) as { port: number }).port;
    c = await TestClient.open(`ws://127.0.0.1:${port}/control`);
    c.send({ op: "hello", id: 0, protocol: PROTOCOL_VERSION, token: TOKENS.control });
    assert.ok((await c.json<{ ok: boolean }>()).ok);
  });

  after(async () => {
    await c?.close();
    child?.kill("SIGKILL");
  });

  it("chooses the GPU and says which encoder and why", async () => {
    const info = (await call<InfoResult>({ op: "info" })).result;
    console.log(`daemon-info ${JSON.stringify(info)}`);
    assert.equal(info.backend, "gpu", info.backend_reason);
    assert.ok(info.encoder === "h264_nvenc" || /h264_nvenc unusable: /.test(info.encoder_reason), info.encoder_reason);
  });

  it("screenshots equal the CPU reference; a view's stream decodes to them", async () => {
    const bytes = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
    const set = await call(
      { op: "set_layer_data", viewer_id: "g", layer_id: "img", dtype: "uint16", shape: [H, W], nbytes: bytes.length },
      bytes,
    );
    assert.ok(set.ok, JSON.stringify(set.error));
    const look = { colormap: "viridis", contrast_limits: [0, 4095] };
    const state = viewerState([(H - 1) / 2, (W - 1) / 2], 1, [layer("img", look)]);
    const canvas = { width: W, height: H, pixel_ratio: 1 };
    const shot = await call<ScreenshotResult>({ op: "screenshot", viewer_id: "g", state, canvas });
    assert.ok(shot.ok, JSON.stringify(shot.error));
    const pixels = new Uint8Array(await c.binary(30_000));
    const want = new Uint8Array(W * H * 4);
    renderLayers(reference(state, canvas, img), want);
    assert.deepEqual(pixels, want, "GPU screenshot == CPU reference");

    const v = await TestClient.open(`ws://127.0.0.1:${port}/stream`);
    try {
      v.send(streamHello({ viewer_id: "g", state, canvas }));
      const { data, texts } = await v.untilBinary(30_000);
      const config = texts.find((m) => (m as { type?: string }).type === "config") as StreamConfig;
      assert.equal(config.backend, "gpu");
      const { header, payload } = decodeFrame(data);
      assert.ok(header.keyframe);
      const annexB = toAnnexB(config, payload);
      const rgba = await decodeRgba(annexB);
      const db = psnrRgb(rgba, pixels);
      const dump = process.env.NAPARI_CUDA_TEST_DUMP;
      if (dump) {
        writeFileSync(`${dump}/stream.h264`, annexB);
        writeFileSync(`${dump}/decoded.rgba`, rgba);
        writeFileSync(`${dump}/screenshot.rgba`, pixels);
      }
      console.log(`gpu-stream-psnr ${db.toFixed(1)} dB, capture ${header.captureMs.toFixed(2)} ms`);
      assert.ok(db >= 30, `streamed frame vs screenshot: ${db.toFixed(1)} dB`);
    } finally {
      await v.close();
    }
  });

  /** Decode a whole stream (config + AVCC payloads in order) with ffmpeg; the last picture as RGBA. */
  async function decodeLast(config: StreamConfig, payloads: Uint8Array[], w: number, h: number): Promise<Buffer> {
    const annexB = Buffer.concat([
      parameterSetsAnnexB(Buffer.from(config.description, "base64")),
      ...payloads.map((p) => avccToAnnexB(p)),
    ]);
    const vf = ["-vf", "scale=in_color_matrix=bt709:in_range=tv"];
    const all = await runFfmpeg(
      ["-f", "h264", "-i", "pipe:0", ...vf, "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"],
      annexB,
    );
    return all.subarray(all.length - w * h * 4);
  }

  it("a moving view comes at half resolution, then its resting view decodes to the screenshot", async () => {
    const look = { colormap: "magma", contrast_limits: [0, 4095] };
    const canvas = { width: W, height: H, pixel_ratio: 1 };
    const at = (x: number) => viewerState([(H - 1) / 2, (W - 1) / 2 + x], 1.5, [layer("img", look)]);
    const v = await TestClient.open(`ws://127.0.0.1:${port}/stream`);
    const next = async () => {
      const { data, texts } = await v.untilBinary(30_000);
      const { header, payload } = decodeFrame(data);
      v.send({ type: "ack", frame_id: header.frameId, decode_ms: 1 });
      const config = texts.find((m) => (m as { type?: string }).type === "config") as StreamConfig | undefined;
      return { header, payload, config };
    };
    try {
      v.send(streamHello({ viewer_id: "g", state: at(0), canvas }));
      const first = await next();
      assert.deepEqual([first.header.width, first.header.keyframe], [W, true], "at rest: full resolution, an IDR");
      assert.ok(first.config, "the full-resolution encoder's config comes with its first frame");
      // The full encoder's stream: each switch continues it (no keyframe), so its frames decode in order.
      const full = [first.payload];
      // Two changes in a row: moving. (The hello counts as a change too, so seq 1, sent at once, may
      // already come at half resolution; or alone, in full, first.)
      v.send({ type: "state", seq: 1, state: at(3) });
      const moved = at(7);
      v.send({ type: "state", seq: 2, state: moved });
      let half = await next();
      while (half.header.width === W) {
        full.push(half.payload);
        half = await next();
      }
      assert.deepEqual([half.header.width, half.header.height, half.header.keyframe], [W / 2, H / 2, true]);
      assert.equal(half.config?.width, W / 2);
      assert.equal((await decodeRgba(toAnnexB(half.config!, half.payload))).length, (W / 2) * (H / 2) * 4);
      let rest = await next();
      while (rest.header.width !== W) rest = await next(); // seq 2 at half too, when seq 1 came at half
      assert.deepEqual([rest.header.seq, rest.header.width], [2, W]);
      full.push(rest.payload);
      const shot = await call<ScreenshotResult>({ op: "screenshot", viewer_id: "g", state: moved, canvas });
      assert.ok(shot.ok, JSON.stringify(shot.error));
      const pixels = new Uint8Array(await c.binary(30_000));
      const db = psnrRgb(await decodeLast(first.config!, full, W, H), pixels);
      console.log(
        `gpu-rest-after-motion-psnr ${db.toFixed(1)} dB (rest keyframe=${rest.header.keyframe}, ${full.length} full frames)`,
      );
      assert.ok(db >= 30, `resting frame vs screenshot: ${db.toFixed(1)} dB`);
    } finally {
      await v.close();
    }
  });

  it("renders a volume in 3D (mip) close to the CPU reference", async () => {
    const D = 32;
    const vol = layerData("vol", "uint8", [D, 48, 64], (i) => (i * 31) % 251);
    const bytes = new Uint8Array(vol.data.buffer, vol.data.byteOffset, vol.data.byteLength);
    const set = await call(
      {
        op: "set_layer_data",
        viewer_id: "v3",
        layer_id: "vol",
        dtype: "uint8",
        shape: [D, 48, 64],
        nbytes: bytes.length,
      },
      bytes,
    );
    assert.ok(set.ok, JSON.stringify(set.error));
    const state = viewerState([0, 0], 1.5, [layer("vol", { rendering: "mip" })]);
    state.dims = { ndisplay: 3, current_step: [0, 0, 0], axis_labels: [] };
    state.camera = { center: [D / 2, 24, 32], zoom: 1.5, angles: [20, 30, 90] };
    const canvas = { width: 96, height: 80, pixel_ratio: 1 };
    const shot = await call<ScreenshotResult>({ op: "screenshot", viewer_id: "v3", state, canvas });
    assert.ok(shot.ok, JSON.stringify(shot.error));
    const pixels = new Uint8Array(await c.binary(30_000));
    const want = new Uint8Array(96 * 80 * 4);
    renderLayers(reference(state, canvas, vol), want);
    const db = psnrRgb(pixels, want);
    console.log(`gpu-3d-psnr ${db.toFixed(1)} dB`);
    assert.ok(db >= 35, `GPU 3D vs CPU: ${db.toFixed(1)} dB`);
  });

  it("shuts down on request and exits", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const r = await call({ op: "shutdown" });
    assert.ok(r.ok);
    assert.equal(await exited, 0);
  });
});
