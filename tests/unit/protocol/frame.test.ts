import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeFrame,
  encodeFrame,
  FRAME_HEADER_LAYOUT,
  FRAME_MAGIC,
  HEADER_BYTES,
  isNapariCudaError,
  PROTOCOL_VERSION,
  type FrameHeader,
} from "../../../src/protocol/index.js";

const header: FrameHeader = {
  frameId: 4_000_000_001,
  seq: 7,
  keyframe: true,
  width: 1280,
  height: 720,
  level: 2,
  levelCount: 5,
  renderMs: 1.5,
  captureMs: 0.25,
  encodeMs: 5.75,
  sentAt: 1_700_000_000_123.5,
  marginX: 24,
  marginY: 16,
  still: true,
};

test("encodeFrame/decodeFrame round-trip every header field and the payload", () => {
  const payload = Uint8Array.from([0, 0, 0, 2, 0x65, 0x88]);
  const msg = encodeFrame(header, payload);
  assert.equal(msg.byteLength, HEADER_BYTES + payload.byteLength);
  const { header: h, payload: p } = decodeFrame(msg);
  assert.deepEqual(h, header);
  assert.deepEqual([...p], [...payload]);
  // Non-key frames clear the flag.
  assert.equal(decodeFrame(encodeFrame({ ...header, keyframe: false }, payload)).header.keyframe, false);
});

test("header bytes sit at the documented offsets (little-endian)", () => {
  const msg = encodeFrame(header, new Uint8Array(3));
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  assert.equal(v.getUint32(FRAME_HEADER_LAYOUT.magic[0], true), FRAME_MAGIC);
  assert.equal(v.getUint8(FRAME_HEADER_LAYOUT.version[0]), PROTOCOL_VERSION);
  assert.equal(v.getUint16(FRAME_HEADER_LAYOUT.header_bytes[0], true), HEADER_BYTES);
  assert.equal(v.getUint32(FRAME_HEADER_LAYOUT.seq[0], true), 7);
  assert.equal(v.getUint16(FRAME_HEADER_LAYOUT.width[0], true), 1280);
  assert.equal(v.getUint32(FRAME_HEADER_LAYOUT.payload_bytes[0], true), 3);
  assert.equal(v.getFloat64(FRAME_HEADER_LAYOUT.sent_at[0], true), header.sentAt);
});

test("decodeFrame accepts a Uint8Array view at a non-zero offset", () => {
  const msg = encodeFrame(header, Uint8Array.from([9, 8, 7]));
  const padded = new Uint8Array(msg.byteLength + 5);
  padded.set(msg, 5);
  const { header: h, payload } = decodeFrame(padded.subarray(5));
  assert.equal(h.frameId, header.frameId);
  assert.deepEqual([...payload], [9, 8, 7]);
});

function rejects(buf: Uint8Array, code: string, path: string): void {
  assert.throws(
    () => decodeFrame(buf),
    (err: unknown) => isNapariCudaError(err) && err.code === code && err.path === path,
  );
}

test("decodeFrame rejects short, bad-magic, wrong-version and wrong-length messages", () => {
  const good = encodeFrame(header, Uint8Array.from([1, 2, 3, 4]));
  rejects(good.subarray(0, HEADER_BYTES - 1), "invalid_message", "frame");
  const badMagic = good.slice();
  badMagic[0] = badMagic[0]! ^ 0xff;
  rejects(badMagic, "invalid_message", "frame.magic");
  const badVersion = good.slice();
  badVersion[4] = PROTOCOL_VERSION + 1;
  rejects(badVersion, "protocol_mismatch", "frame.version");
  rejects(good.subarray(0, good.byteLength - 1), "invalid_message", "frame.payload_bytes");
  const longer = new Uint8Array(good.byteLength + 1);
  longer.set(good);
  rejects(longer, "invalid_message", "frame.payload_bytes");
  const shortHeader = good.slice();
  new DataView(shortHeader.buffer).setUint16(6, HEADER_BYTES - 8, true);
  rejects(shortHeader, "invalid_message", "frame.payload_bytes");
});
