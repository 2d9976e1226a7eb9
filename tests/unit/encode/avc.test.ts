import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isNapariCudaError } from "../../../src/protocol/errors.js";
import {
  avccToAnnexB,
  codecStringFromAvcC,
  nalUnitTypes,
  parameterSetsAnnexB,
  parseAvcC,
  splitAvcc,
} from "../../../src/daemon/encode/avc.js";
import { FlvDemuxer } from "../../../src/daemon/encode/flv.js";
import { runFfmpeg } from "./helpers.js";

const SPS = [0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02];
const PPS = [0x68, 0xce, 0x0f, 0xc8];
/** A Constrained Baseline level 3.0 avcC with one SPS and one PPS. */
const AVCC = Uint8Array.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, SPS.length, ...SPS, 1, 0, PPS.length, ...PPS]);

const invalid = (err: unknown): boolean =>
  isNapariCudaError(err, "encoder_failed") && /avcC|access unit/.test(err.message);

describe("avcC", () => {
  it("parses profile, constraint flags, level, length size and parameter sets", () => {
    const c = parseAvcC(AVCC);
    assert.equal(c.profileIdc, 0x42);
    assert.equal(c.constraintFlags, 0xc0);
    assert.equal(c.levelIdc, 0x1e);
    assert.equal(c.nalLengthSize, 4);
    assert.deepEqual([...c.sps[0]!], SPS);
    assert.deepEqual([...c.pps[0]!], PPS);
    assert.equal(codecStringFromAvcC(AVCC), "avc1.42c01e");
  });

  it("gives avc1.64xxxx for ffmpeg's High-profile output, matching its SPS", async () => {
    const flv = await runFfmpeg([
      ...["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-frames:v", "1", "-pix_fmt", "yuv420p"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "high", "-8x8dct", "1", "-f", "flv", "pipe:1"],
    ]);
    const config = new FlvDemuxer().push(flv).find((t) => t.type === "config");
    assert.ok(config?.type === "config");
    const codec = codecStringFromAvcC(config.avcC);
    const sps = parseAvcC(config.avcC).sps[0]!;
    assert.match(codec, /^avc1\.64[0-9a-f]{4}$/);
    assert.equal(codec, `avc1.${Buffer.from(sps.subarray(1, 4)).toString("hex")}`);
  });

  it("rejects malformed records", () => {
    const bad = (mutate: (b: Uint8Array) => Uint8Array): void =>
      assert.throws(() => parseAvcC(mutate(Uint8Array.from(AVCC))), invalid);
    bad((b) => b.subarray(0, 5)); // too short
    bad((b) => ((b[0] = 0), b)); // configurationVersion
    bad((b) => ((b[4] = 0xfe), b)); // 3-byte NAL lengths
    bad((b) => ((b[5] = 0xe0), b)); // no SPS
    bad((b) => b.subarray(0, 10)); // SPS runs past the end
    bad((b) => b.subarray(0, 6 + 2 + SPS.length)); // no PPS count
    bad((b) => ((b[6 + 2 + SPS.length] = 0), b)); // zero PPS
    bad((b) => ((b[8] = 0x68), b)); // SPS slot holds a PPS
    bad((b) => ((b[3] = 0x28), b)); // level differs from the SPS
  });
});

describe("access units", () => {
  const au = Uint8Array.from([0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 3, 0x65, 0x88, 0x84]);

  it("splits AVCC, names NAL types and converts to Annex B", () => {
    assert.deepEqual(
      splitAvcc(au).map((n) => [...n]),
      [
        [0x09, 0xf0],
        [0x65, 0x88, 0x84],
      ],
    );
    assert.deepEqual(nalUnitTypes(au), [9, 5]);
    assert.deepEqual([...avccToAnnexB(au)], [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x65, 0x88, 0x84]);
    assert.deepEqual([...parameterSetsAnnexB(AVCC)], [0, 0, 0, 1, ...SPS, 0, 0, 0, 1, ...PPS]);
  });

  it("rejects length prefixes that overrun or are truncated", () => {
    assert.throws(() => splitAvcc(au.subarray(0, au.length - 1)), invalid);
    assert.throws(() => splitAvcc(au.subarray(0, 7)), invalid);
    assert.throws(() => splitAvcc(Uint8Array.from([0, 0, 0, 0])), invalid);
  });
});
