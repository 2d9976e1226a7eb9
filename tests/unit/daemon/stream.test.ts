/** /stream against a real in-process daemon: real CPU renderer, real ffmpeg/libx264 encoders. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { avccToAnnexB, nalUnitTypes, parameterSetsAnnexB } from "../../../src/daemon/encode/avc.js";
import { locateFfmpeg } from "../../../src/daemon/encode/index.js";
import {
  decodeFrame,
  MAX_FRAMES_IN_FLIGHT,
  type FrameHeader,
  type StreamConfig,
  type StreamMeta,
} from "../../../src/protocol/index.js";
import {
  controlClient,
  layer,
  openViewer,
  sleep,
  startTestDaemon,
  streamHello,
  TestClient,
  TOKENS,
  viewerState,
  type TestDaemon,
  ffmpegChildren,
} from "./helpers.js";

type ErrorMsg = { type: "error"; code: string; path?: string };

let t: TestDaemon;
before(async () => {
  t = await startTestDaemon({ helloTimeoutMs: 300, streamRatePerSec: 100, streamBurst: 200 });
});
after(async () => {
  await t.daemon.close();
});

/** Connect a view, say hello, and take the meta that answers it. */
async function view(over: Record<string, unknown> = {}): Promise<{ c: TestClient; meta: StreamMeta }> {
  await openViewer(t, typeof over.viewer_id === "string" ? over.viewer_id : "v1");
  const c = await TestClient.open(t.url("/stream"));
  c.send(streamHello(over));
  const meta = await c.json<StreamMeta>();
  assert.equal(meta.type, "meta");
  return { c, meta };
}

/** Next frame (binary) message, decoded; text messages before it are returned too. */
async function nextFrame(c: TestClient): Promise<{ header: FrameHeader; payload: Uint8Array; before: unknown[] }> {
  const { data, texts } = await c.untilBinary();
  const { header, payload } = decodeFrame(data);
  return { header, payload, before: texts };
}

function ack(c: TestClient, frameId: number): void {
  c.send({ type: "ack", frame_id: frameId, decode_ms: 1 });
}

describe("stream auth and validation", { timeout: 90_000 }, () => {
  for (const [name, token] of [
    ["a wrong token", "nope-nope-nope"],
    ["the control token", TOKENS.control],
  ] as const) {
    test(`${name} on /stream => unauthorized, close 1008`, async () => {
      const c = await TestClient.open(t.url("/stream"));
      c.send(streamHello({ token }));
      assert.equal((await c.json<ErrorMsg>()).code, "unauthorized");
      assert.equal((await c.closed).code, 1008);
    });
  }

  test("no hello within the deadline => hello_required, close 1008", async () => {
    const c = await TestClient.open(t.url("/stream"));
    assert.equal((await c.json<ErrorMsg>()).code, "hello_required");
    assert.equal((await c.closed).code, 1008);
  });

  test("a non-hello first message => hello_required, close 1008", async () => {
    const c = await TestClient.open(t.url("/stream"));
    c.send({ type: "keyframe" });
    assert.equal((await c.json<ErrorMsg>()).code, "hello_required");
    assert.equal((await c.closed).code, 1008);
  });

  test("bad JSON, invalid and unknown messages get errors and the stream keeps working", async () => {
    const { c } = await view({ viewer_id: "val" });
    const first = await nextFrame(c);
    ack(c, first.header.frameId);
    c.send("{oops");
    assert.deepEqual(await c.json<ErrorMsg>(), {
      type: "error",
      code: "bad_json",
      message: "message is not valid JSON",
    });
    const bad = viewerState([0, 0], 1, [layer("a", { contrast_limits: [9, 1] })]);
    c.send({ type: "state", seq: 1, state: bad });
    const e = await c.json<ErrorMsg>();
    assert.deepEqual([e.code, e.path], ["invalid_message", "state.layers[0].contrast_limits"]);
    c.send({ type: "teleport" });
    assert.equal((await c.json<ErrorMsg>()).code, "unknown_type");
    c.send({ type: "state", seq: 2, state: viewerState([3, 3], 2) });
    const f = await nextFrame(c);
    assert.equal(f.header.seq, 2);
    await c.close();
  });

  test("a message over STREAM_MAX_MESSAGE_BYTES => close 1009", async () => {
    const { c } = await view({ viewer_id: "big" });
    c.send(JSON.stringify({ type: "keyframe", reason: "x".repeat(300 * 1024) }));
    assert.equal((await c.closed).code, 1009);
  });

  test("too many messages => rate_limited, close 1008", async () => {
    const { c } = await view({ viewer_id: "rate" });
    for (let i = 0; i < 400; i++) c.send({ type: "ack", frame_id: 0 });
    const seen: string[] = [];
    for (;;) {
      const m = await c.next();
      if (m.kind === "text" && (m.json as ErrorMsg).type === "error") {
        seen.push((m.json as ErrorMsg).code);
        break;
      }
    }
    assert.deepEqual(seen, ["rate_limited"]);
    assert.equal((await c.closed).code, 1008);
  });

  test("no H.264 codec offered => unsupported, connection stays open", async () => {
    const { c } = await view({ viewer_id: "vp8", codecs: ["vp8"] });
    const e = await c.json<ErrorMsg>();
    assert.deepEqual([e.code, e.path], ["unsupported", "codecs"]);
    await sleep(100);
    assert.equal(c.ws.readyState, c.ws.OPEN);
    await c.close();
  });
});

describe("stream frames", { timeout: 90_000 }, () => {
  test("hello => meta, config, then a keyframe with a valid header", async () => {
    const { c, meta } = await view({ viewer_id: "s1", seq: 3 });
    assert.deepEqual(meta, { type: "meta", layers: [], level: 0, level_count: 1, loading: 0 });
    const f = await nextFrame(c);
    const config = f.before[0] as StreamConfig;
    assert.equal(f.before.length, 1);
    assert.equal(config.type, "config");
    assert.match(config.codec, /^avc1\.64/);
    assert.deepEqual([config.width, config.height, config.encoder, config.backend], [64, 48, "libx264", "cpu"]);
    assert.ok(Buffer.from(config.description, "base64").byteLength > 8);
    assert.equal(f.header.frameId, 1);
    assert.equal(f.header.seq, 3);
    assert.equal(f.header.keyframe, true);
    assert.deepEqual([f.header.width, f.header.height, f.header.level, f.header.levelCount], [64, 48, 0, 1]);
    assert.ok(f.header.renderMs >= 0 && f.header.encodeMs > 0);
    assert.ok(Math.abs(f.header.sentAt - Date.now()) < 5000);
    assert.ok(nalUnitTypes(f.payload).includes(5), "keyframe carries an IDR slice");
    await c.close();
  });

  test("the /stream handshake answer carries X-Napari-Cuda-Stream (the Jupyter server extension keys on it)", async () => {
    const c = new TestClient(t.url("/stream"));
    const headers = await new Promise<Record<string, unknown>>((resolve) =>
      c.ws.once("upgrade", (res) => resolve(res.headers)),
    );
    assert.equal(headers["x-napari-cuda-stream"], "1");
    await c.opened;
    await c.close();
    const control = new TestClient(t.url("/control"));
    const h2 = await new Promise<Record<string, unknown>>((resolve) =>
      control.ws.once("upgrade", (res) => resolve(res.headers)),
    );
    assert.equal(h2["x-napari-cuda-stream"], undefined, "not on /control");
    await control.opened;
    await control.close();
  });

  test("every message is answered at once by an unsolicited pong (a Nagle relay's next message goes out)", async () => {
    const { c } = await view({ viewer_id: "s-pong" });
    let pongs = 0;
    c.ws.on("pong", () => pongs++);
    await nextFrame(c);
    const before = pongs;
    for (let seq = 1; seq <= 5; seq++) c.send({ type: "state", seq, state: viewerState([seq, 5], 2) });
    for (let i = 0; i < 300 && pongs < before + 5; i++) await sleep(10);
    assert.equal(pongs - before, 5, "one pong per state message");
    await c.close();
  });

  test("state seq 7 => a frame with seq 7; then idle => no frames", async () => {
    const { c } = await view({ viewer_id: "s2" });
    const first = await nextFrame(c);
    ack(c, first.header.frameId);
    c.send({ type: "state", seq: 7, state: viewerState([5, 5], 2) });
    const f = await nextFrame(c);
    assert.equal(f.header.seq, 7);
    assert.equal(f.header.keyframe, false);
    assert.deepEqual(
      nalUnitTypes(f.payload).filter((n) => n === 5),
      [],
    );
    ack(c, f.header.frameId);
    await sleep(300);
    assert.equal(c.pending, 0, "an idle view gets no frames");
    await c.close();
  });

  test("without acks at most MAX_FRAMES_IN_FLIGHT frames are out; latest state wins after acks", async () => {
    const { c } = await view({ viewer_id: "s3" });
    for (let seq = 1; seq <= 50; seq++) c.send({ type: "state", seq, state: viewerState([seq, 0], 1 + seq / 10) });
    await sleep(1000);
    const frames = c.drain().filter((m) => m.kind === "binary");
    assert.ok(frames.length >= 1 && frames.length <= MAX_FRAMES_IN_FLIGHT, `${frames.length} frames in flight`);
    // Acking drains the rest; the last frame carries seq 50 and far fewer than 50 frames were made.
    let last = decodeFrame(
      frames.at(-1)!.kind === "binary" ? (frames.at(-1) as { data: Buffer }).data : Buffer.alloc(0),
    );
    let total = frames.length;
    const seqs = frames.map((m) => decodeFrame((m as { data: Buffer }).data).header.seq);
    while (last.header.seq !== 50) {
      ack(c, last.header.frameId);
      const f = await nextFrame(c);
      seqs.push(f.header.seq);
      last = f;
      total++;
    }
    assert.ok(total < 10, `${total} frames for 50 states`);
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      seqs,
      "seq never goes back",
    );
    await c.close();
  });

  test("keyframe request => the next frame is a keyframe", async () => {
    const { c } = await view({ viewer_id: "s4" });
    ack(c, (await nextFrame(c)).header.frameId);
    c.send({ type: "state", seq: 1, state: viewerState([1, 1], 1) });
    const p = await nextFrame(c);
    assert.equal(p.header.keyframe, false);
    ack(c, p.header.frameId);
    c.send({ type: "keyframe", reason: "decoder error" });
    const k = await nextFrame(c);
    assert.equal(k.header.keyframe, true);
    assert.ok(nalUnitTypes(k.payload).includes(5));
    assert.equal(k.header.seq, 1);
    await c.close();
  });

  test("resize => new config with the new (even) size, then a keyframe of that size", async () => {
    const { c } = await view({ viewer_id: "s5" });
    ack(c, (await nextFrame(c)).header.frameId);
    c.send({ type: "resize", seq: 4, canvas: { width: 101, height: 75, pixel_ratio: 1 } });
    const f = await nextFrame(c);
    const config = f.before.find((m) => (m as StreamConfig).type === "config") as StreamConfig;
    assert.ok(config, "a new config precedes the first frame of the new size");
    assert.deepEqual([config.width, config.height], [100, 74]);
    assert.deepEqual([f.header.width, f.header.height, f.header.keyframe, f.header.seq], [100, 74, true, 4]);
    await c.close();
  });

  test("new layer data => meta with the layer and a new frame", async () => {
    const { c } = await view({ viewer_id: "s6", state: viewerState([1.5, 1.5], 8, [layer("img")]) });
    ack(c, (await nextFrame(c)).header.frameId);
    const k = await controlClient(t);
    k.send({
      op: "set_layer_data",
      id: 1,
      viewer_id: "s6",
      layer_id: "img",
      dtype: "uint16",
      shape: [4, 4],
      nbytes: 32,
    });
    k.sendBinary(new Uint8Array(32).fill(7));
    assert.equal((await k.json<{ ok: boolean }>()).ok, true);
    const meta = await c.json<StreamMeta>();
    assert.deepEqual(meta.layers, [
      { id: "img", shape: [4, 4], dtype: "uint16", loaded: true, data_level: 0, level_count: 1 },
    ]);
    const f = await nextFrame(c);
    assert.equal(f.header.seq, 0);
    await k.close();
    await c.close();
  });

  test("a streamed keyframe decodes to the screenshot image (PSNR >= 30 dB)", async () => {
    const H = 48;
    const W = 64;
    // A smooth image (like most microscopy data): 4:2:0 chroma loses little.
    const data = Uint8Array.from({ length: H * W }, (_, i) =>
      Math.round(((i % W) / (W - 1)) * 180 + (Math.floor(i / W) / (H - 1)) * 75),
    );
    const k = await controlClient(t);
    k.send({
      op: "set_layer_data",
      id: 1,
      viewer_id: "psnr",
      layer_id: "img",
      dtype: "uint8",
      shape: [H, W],
      nbytes: H * W,
    });
    k.sendBinary(data);
    await k.json();
    const state = viewerState([(H - 1) / 2, (W - 1) / 2], 1, [layer("img", { colormap: "viridis" })]);
    const canvas = { width: W, height: H, pixel_ratio: 1 };
    k.send({ op: "screenshot", id: 2, viewer_id: "psnr", state, canvas });
    await k.json();
    const reference = await k.binary();
    await k.close();

    const { c } = await view({ viewer_id: "psnr", state, canvas });
    const f = await nextFrame(c);
    const config = f.before.find((m) => (m as { type?: string }).type === "config") as StreamConfig;
    await c.close();
    const annexB = Buffer.concat([
      parameterSetsAnnexB(Buffer.from(config.description, "base64")),
      avccToAnnexB(f.payload),
    ]);
    const decoded = await decodeH264(annexB, W, H);
    let se = 0;
    let n = 0;
    for (let i = 0; i < W * H * 4; i++) {
      if (i % 4 === 3) continue;
      se += (decoded[i]! - reference[i]!) ** 2;
      n++;
    }
    const psnr = 10 * Math.log10((255 * 255) / Math.max(se / n, 1e-9));
    assert.ok(psnr >= 30, `PSNR ${psnr.toFixed(1)} dB`);
    // A different image must not pass: the reference of black is far from the frame.
    assert.ok(
      decoded.some((v, i) => i % 4 !== 3 && v > 40),
      "the frame is not blank",
    );
  });

  test("closing a view stops its ffmpeg processes", async () => {
    const { c } = await view({ viewer_id: "s7" });
    await nextFrame(c);
    assert.ok(ffmpegChildren().length > 0, "the view runs ffmpeg");
    await c.close();
    const deadline = Date.now() + 4000;
    // Other tests' views are closed already; this one's processes must go too.
    while (ffmpegChildren().length > 0 && Date.now() < deadline) await sleep(50);
    assert.deepEqual(ffmpegChildren(), []);
  });
});

/** Decode an Annex B H.264 stream's first picture to RGBA with the same ffmpeg the daemon uses. */
function decodeH264(annexB: Uint8Array, width: number, height: number): Promise<Buffer> {
  const ffmpeg = locateFfmpeg()!.path;
  const p = spawn(ffmpeg, [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "h264",
    "-i",
    "pipe:0",
    "-frames:v",
    "1",
    "-vf",
    "scale=in_color_matrix=bt709:in_range=tv",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgba",
    "pipe:1",
  ]);
  const chunks: Buffer[] = [];
  p.stdout.on("data", (b: Buffer) => chunks.push(b));
  p.stdin.end(annexB);
  return new Promise((resolve, reject) => {
    p.on("error", reject);
    p.on("close", (code) => {
      const out = Buffer.concat(chunks);
      if (code !== 0 || out.byteLength !== width * height * 4)
        reject(new Error(`ffmpeg decode: code ${code}, ${out.byteLength} bytes`));
      else resolve(out);
    });
  });
}
