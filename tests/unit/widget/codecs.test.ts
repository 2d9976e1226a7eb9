import assert from "node:assert/strict";
import { test } from "node:test";
import { H264_CODECS } from "../../../src/protocol/stream.js";
import { hasWebCodecs, supportedCodecs } from "../../../src/widget/stream/codecs.js";

test("codec preference: H264_CODECS order kept, unsupported/rejecting/throwing probes dropped", async () => {
  const verdicts: Record<string, "yes" | "no" | "reject" | "throw"> = {
    "avc1.640028": "reject",
    "avc1.4D4028": "yes",
    "avc1.42E028": "yes",
  };
  const probe = (codec: string): Promise<boolean> => {
    const v = verdicts[codec];
    if (v === "throw") throw new Error("boom");
    if (v === "reject") return Promise.reject(new Error("no"));
    return Promise.resolve(v === "yes");
  };
  assert.deepEqual(await supportedCodecs(probe), ["avc1.4D4028", "avc1.42E028"]);
  verdicts["avc1.640028"] = "yes";
  verdicts["avc1.42E028"] = "throw";
  assert.deepEqual(await supportedCodecs(probe), ["avc1.640028", "avc1.4D4028"]);
  assert.deepEqual(await supportedCodecs(async () => false), []);
  assert.deepEqual(await supportedCodecs(async () => true), [...H264_CODECS]);
});

test("without VideoDecoder (node, or an insecure browser context) hasWebCodecs() is false", () => {
  assert.equal(typeof (globalThis as { VideoDecoder?: unknown }).VideoDecoder, "undefined");
  assert.equal(hasWebCodecs(), false);
});
