/**
 * Binary frame header (daemon -> client), little-endian, HEADER_BYTES long,
 * followed by one H.264 access unit in AVCC form (4-byte length-prefixed NALs).
 *
 *  off type  field
 *   0  u32   magic 0x3146434e ("NCF1")
 *   4  u8    version (= PROTOCOL_VERSION)
 *   5  u8    flags (bit0 keyframe, bit1 still: a High 4:4:4 refinement of a resting view)
 *   6  u16   header length in bytes
 *   8  u32   frame_id (per view, from 1)
 *  12  u32   seq: the last client state seq this frame includes
 *  16  u16   width   18 u16 height (coded picture size, device pixels)
 *  20  u8    level   21 u8 level_count   22 u16 reserved
 *  24  f32   render_ms  28 f32 capture_ms  32 f32 encode_ms
 *  36  u32   payload length
 *  40  f64   sent_at (daemon Date.now(), ms)
 *  48  u16   margin_x   50 u16 margin_y (overscan: coded pixels on each side beyond the view)
 *  52  u32   reserved (0)
 */
import { NapariCudaError } from "./errors.js";
import { PROTOCOL_VERSION } from "./version.js";

export const FRAME_MAGIC = 0x3146434e;
export const HEADER_BYTES = 56;
export const FLAG_KEYFRAME = 1;
export const FLAG_STILL = 2;

export interface FrameHeader {
  frameId: number;
  seq: number;
  keyframe: boolean;
  width: number;
  height: number;
  level: number;
  levelCount: number;
  renderMs: number;
  captureMs: number;
  encodeMs: number;
  sentAt: number;
  /**
   * Overscan: the coded picture extends this many pixels beyond the view on the left and right
   * (x) and top and bottom (y); the view is the centre (width - 2 marginX) x (height - 2 marginY).
   */
  marginX: number;
  marginY: number;
  /** A still: the resting view again from the 4:4:4 still encoder (its own decoder; not a moving frame). */
  still?: boolean;
}

/** Header field layout, for the Python mirror and docs: name -> [offset, struct format char]. */
export const FRAME_HEADER_LAYOUT = {
  magic: [0, "I"],
  version: [4, "B"],
  flags: [5, "B"],
  header_bytes: [6, "H"],
  frame_id: [8, "I"],
  seq: [12, "I"],
  width: [16, "H"],
  height: [18, "H"],
  level: [20, "B"],
  level_count: [21, "B"],
  render_ms: [24, "f"],
  capture_ms: [28, "f"],
  encode_ms: [32, "f"],
  payload_bytes: [36, "I"],
  sent_at: [40, "d"],
  margin_x: [48, "H"],
  margin_y: [50, "H"],
} as const;

/** Pack header + payload into one message buffer. */
export function encodeFrame(h: FrameHeader, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.byteLength);
  const v = new DataView(out.buffer);
  v.setUint32(0, FRAME_MAGIC, true);
  v.setUint8(4, PROTOCOL_VERSION);
  v.setUint8(5, (h.keyframe ? FLAG_KEYFRAME : 0) | (h.still === true ? FLAG_STILL : 0));
  v.setUint16(6, HEADER_BYTES, true);
  v.setUint32(8, h.frameId >>> 0, true);
  v.setUint32(12, h.seq >>> 0, true);
  v.setUint16(16, h.width, true);
  v.setUint16(18, h.height, true);
  v.setUint8(20, h.level);
  v.setUint8(21, h.levelCount);
  v.setFloat32(24, h.renderMs, true);
  v.setFloat32(28, h.captureMs, true);
  v.setFloat32(32, h.encodeMs, true);
  v.setUint32(36, payload.byteLength, true);
  v.setFloat64(40, h.sentAt, true);
  v.setUint16(48, h.marginX, true);
  v.setUint16(50, h.marginY, true);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Parse a binary frame message; throws NapariCudaError("invalid_message") on a malformed one. */
export function decodeFrame(buf: ArrayBuffer | Uint8Array): { header: FrameHeader; payload: Uint8Array } {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (bytes.byteLength < HEADER_BYTES) {
    throw new NapariCudaError("invalid_message", `frame shorter than its header (${bytes.byteLength} bytes)`, {
      path: "frame",
    });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== FRAME_MAGIC) {
    throw new NapariCudaError("invalid_message", "bad frame magic", { path: "frame.magic" });
  }
  const version = v.getUint8(4);
  if (version !== PROTOCOL_VERSION) {
    throw new NapariCudaError("protocol_mismatch", `frame version ${version}, expected ${PROTOCOL_VERSION}`, {
      path: "frame.version",
    });
  }
  const headerBytes = v.getUint16(6, true);
  const payloadBytes = v.getUint32(36, true);
  if (headerBytes < HEADER_BYTES || headerBytes + payloadBytes !== bytes.byteLength) {
    throw new NapariCudaError("invalid_message", "frame length does not match its header", {
      path: "frame.payload_bytes",
    });
  }
  return {
    header: {
      frameId: v.getUint32(8, true),
      seq: v.getUint32(12, true),
      keyframe: (v.getUint8(5) & FLAG_KEYFRAME) !== 0,
      still: (v.getUint8(5) & FLAG_STILL) !== 0,
      width: v.getUint16(16, true),
      height: v.getUint16(18, true),
      level: v.getUint8(20),
      levelCount: v.getUint8(21),
      renderMs: v.getFloat32(24, true),
      captureMs: v.getFloat32(28, true),
      encodeMs: v.getFloat32(32, true),
      sentAt: v.getFloat64(40, true),
      marginX: v.getUint16(48, true),
      marginY: v.getUint16(50, true),
    },
    payload: bytes.subarray(headerBytes),
  };
}
