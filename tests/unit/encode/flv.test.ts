import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isNapariCudaError } from "../../../src/protocol/errors.js";
import { FlvDemuxer, type FlvVideoTag } from "../../../src/daemon/encode/flv.js";
import { prng, runFfmpeg } from "./helpers.js";

const FRAMES = 40;
const GOP = 10;

/** Real ffmpeg FLV output: libx264, a keyframe every GOP frames, script tag first and end-of-sequence last. */
async function realFlv(): Promise<Buffer> {
  return runFfmpeg([
    ...["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-frames:v", String(FRAMES)],
    ...["-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0"],
    ...["-g", String(GOP), "-f", "flv", "pipe:1"],
  ]);
}

/** Where each tag starts and its body ends, by an independent walk of the FLV structure. */
function tagLayout(buf: Buffer): Array<{ type: number; start: number; end: number }> {
  const tags: Array<{ type: number; start: number; end: number }> = [];
  let start = buf.readUInt32BE(5) + 4;
  while (start < buf.length) {
    const end = start + 11 + buf.readUIntBE(start + 1, 3);
    tags.push({ type: buf[start]!, start, end });
    start = end + 4;
  }
  return tags;
}

function parseWhole(buf: Uint8Array): FlvVideoTag[] {
  const d = new FlvDemuxer();
  const tags = d.push(buf);
  d.finish();
  return tags;
}

function parseChunked(buf: Uint8Array, seed: number): FlvVideoTag[] {
  const rnd = prng(seed);
  const d = new FlvDemuxer();
  const tags: FlvVideoTag[] = [];
  for (let pos = 0; pos < buf.length;) {
    // Mostly small chunks (headers split everywhere), sometimes large ones, sometimes empty.
    const r = rnd();
    const size = r < 0.05 ? 0 : r < 0.6 ? 1 + Math.floor(rnd() * 16) : 1 + Math.floor(rnd() * 6000);
    tags.push(...d.push(buf.subarray(pos, pos + size)));
    pos += size;
  }
  d.finish();
  return tags;
}

function expectMalformed(fn: () => void): void {
  assert.throws(fn, (err) => isNapariCudaError(err, "encoder_failed") && /FLV/.test(err.message));
}

describe("FlvDemuxer on real ffmpeg output", () => {
  let flv: Buffer;
  let dir: string;
  before(async () => {
    flv = await realFlv();
    dir = mkdtempSync(join(tmpdir(), "napari-cuda-flv-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the AVC config and every frame, keyframes where the GOP starts", () => {
    const tags = parseWhole(flv);
    assert.equal(tags[0]!.type, "config");
    const frames = tags.filter((t) => t.type === "frame");
    assert.equal(tags.length, FRAMES + 1);
    assert.equal(frames.length, FRAMES);
    frames.forEach((f, i) => assert.equal(f.keyframe, i % GOP === 0, `frame ${i} keyframe flag`));
    const stamps = frames.map((f) => f.timestampMs);
    assert.deepEqual(
      stamps,
      [...stamps].sort((a, b) => a - b),
    );
  });

  it("payloads and avcC are byte-exact with ffmpeg's own demuxer (framemd5)", async () => {
    const file = join(dir, "in.flv");
    writeFileSync(file, flv);
    const text = (await runFfmpeg(["-i", file, "-c", "copy", "-f", "framemd5", "pipe:1"])).toString();
    const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");
    const tags = parseWhole(flv);
    const config = tags[0]!;
    assert.ok(config.type === "config");
    const extradata = /^#extradata 0,\s*(\d+),\s*([0-9a-f]{32})$/m.exec(text);
    assert.ok(extradata, text);
    assert.equal(Number(extradata[1]), config.avcC.length);
    assert.equal(extradata[2], md5(config.avcC));
    const packets = [...text.matchAll(/^0,\s*-?\d+,\s*-?\d+,\s*\d+,\s*(\d+),\s*([0-9a-f]{32})/gm)];
    const frames = tags.flatMap((t) => (t.type === "frame" ? [t] : []));
    assert.equal(packets.length, frames.length);
    frames.forEach((f, i) => {
      assert.equal(Number(packets[i]![1]), f.data.length, `frame ${i} size`);
      assert.equal(packets[i]![2], md5(f.data), `frame ${i} md5`);
    });
  });

  it("gives the same tags, byte for byte, when fed in random-sized chunks", () => {
    const whole = parseWhole(flv);
    for (const seed of [1, 2, 3, 42, 1234]) {
      const chunked = parseChunked(flv, seed);
      assert.equal(chunked.length, whole.length, `seed ${seed}`);
      chunked.forEach((t, i) => {
        const w = whole[i]!;
        assert.equal(t.type, w.type);
        assert.equal(t.timestampMs, w.timestampMs);
        if (t.type === "config" && w.type === "config") assert.ok(Buffer.from(t.avcC).equals(w.avcC));
        if (t.type === "frame" && w.type === "frame") {
          assert.equal(t.keyframe, w.keyframe);
          assert.equal(t.compositionTimeMs, w.compositionTimeMs);
          assert.ok(Buffer.from(t.data).equals(w.data), `seed ${seed} tag ${i} payload`);
        }
      });
    }
  });

  it("emits a tag as soon as its last byte arrives, without the trailer or the next tag", () => {
    const videoEnds = tagLayout(flv).filter((t) => t.type === 9);
    for (const k of [0, 1, 5, FRAMES]) {
      const end = videoEnds[k]!.end;
      const d = new FlvDemuxer();
      const before = d.push(flv.subarray(0, end - 1));
      assert.equal(before.length, k, `tags ${0}..${k - 1} complete, tag ${k} short of one byte`);
      const now = d.push(flv.subarray(end - 1, end));
      assert.equal(now.length, 1, `tag ${k} emitted by its last byte`);
      assert.equal(now[0]!.type, k === 0 ? "config" : "frame");
    }
  });

  it("rejects garbage and stays failed", () => {
    expectMalformed(() => new FlvDemuxer().push(Buffer.from("GIF89a not a video at all")));
    const badVersion = Buffer.from(flv.subarray(0, 13));
    badVersion[3] = 2;
    expectMalformed(() => new FlvDemuxer().push(badVersion));

    const tags = tagLayout(flv);
    const badTrailer = Buffer.from(flv);
    badTrailer.writeUInt32BE(12345, tags[1]!.end);
    const d = new FlvDemuxer();
    expectMalformed(() => d.push(badTrailer));
    expectMalformed(() => d.push(flv.subarray(0, 1))); // sticky

    const badType = Buffer.from(flv);
    badType[tags[1]!.start] = 7; // not audio (8), video (9) or script (18)
    expectMalformed(() => new FlvDemuxer().push(badType));

    // The first body byte of a video tag is FrameType|CodecID: make the codec VP6 (4) instead of AVC (7).
    const badCodec = Buffer.from(flv);
    badCodec[tags.find((t) => t.type === 9)!.start + 11] = 0x14;
    expectMalformed(() => new FlvDemuxer().push(badCodec));

    const badStreamId = Buffer.from(flv);
    badStreamId[tags[2]!.start + 10] = 1;
    expectMalformed(() => new FlvDemuxer().push(badStreamId));
  });

  it("finish() throws when the stream stops inside a tag", () => {
    const d = new FlvDemuxer();
    d.push(flv.subarray(0, flv.length - 10));
    expectMalformed(() => d.finish());
  });
});
