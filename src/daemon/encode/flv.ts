/**
 * Incremental FLV demuxer for ffmpeg's `-f flv` stdout. Feed arbitrary chunks; a video tag is returned by
 * the push() that completes its bytes (the 4-byte PreviousTagSize trailer is checked later, never waited on).
 * Audio, script and AVC end-of-sequence tags are skipped; anything malformed throws encoder_failed.
 */
import { NapariCudaError } from "../../protocol/errors.js";

export type FlvVideoTag =
  | {
      /** AVCPacketType 0: the AVCDecoderConfigurationRecord. */
      type: "config";
      timestampMs: number;
      avcC: Uint8Array;
    }
  | {
      /** AVCPacketType 1: one access unit, 4-byte length-prefixed NAL units. */
      type: "frame";
      timestampMs: number;
      compositionTimeMs: number;
      /** FrameType 1 (keyframe). */
      keyframe: boolean;
      data: Uint8Array;
    };

const HEADER_BYTES = 9;
const TAG_HEADER_BYTES = 11;
const TRAILER_BYTES = 4;
const MAX_HEADER_OFFSET = 4096;
const TAG_AUDIO = 8;
const TAG_VIDEO = 9;
const TAG_SCRIPT = 18;
const CODEC_AVC = 7;
const FRAME_TYPE_KEY = 1;
const FRAME_TYPE_COMMAND = 5;

type Phase = "header" | "headerPad" | "trailer" | "tagHeader" | "body";

/** Streaming FLV parser; one instance per ffmpeg stdout. */
export class FlvDemuxer {
  private phase: Phase = "header";
  private readonly scratch = new Uint8Array(TAG_HEADER_BYTES);
  private target = this.scratch.subarray(0, HEADER_BYTES);
  private filled = 0;
  private expectedTrailer = 0;
  private tagType = 0;
  private timestampMs = 0;
  private failure: NapariCudaError | null = null;
  private offset = 0;

  /** Consume one chunk; returns the video tags it completed, in stream order. Throws on malformed input. */
  push(chunk: Uint8Array): FlvVideoTag[] {
    if (this.failure) throw this.failure;
    const out: FlvVideoTag[] = [];
    try {
      let pos = 0;
      while (pos < chunk.length) {
        const n = Math.min(this.target.length - this.filled, chunk.length - pos);
        this.target.set(chunk.subarray(pos, pos + n), this.filled);
        this.filled += n;
        pos += n;
        this.offset += n;
        if (this.filled === this.target.length) this.complete(out);
      }
      // A zero-length body (e.g. empty script tag) completes without further input.
      while (this.filled === this.target.length) this.complete(out);
    } catch (err) {
      this.failure =
        err instanceof NapariCudaError ? err : new NapariCudaError("encoder_failed", String(err), { cause: err });
      throw this.failure;
    }
    return out;
  }

  /** Call at end of stream: throws if it stopped inside a tag. */
  finish(): void {
    if (this.failure) throw this.failure;
    const atBoundary = this.phase === "tagHeader" && this.filled === 0;
    if (!atBoundary) this.fail(`stream ended inside ${this.phase} (${this.filled}/${this.target.length} bytes)`);
  }

  private complete(out: FlvVideoTag[]): void {
    const b = this.target;
    switch (this.phase) {
      case "header": {
        if (b[0] !== 0x46 || b[1] !== 0x4c || b[2] !== 0x56) this.fail("bad signature (not FLV)");
        if (b[3] !== 1) this.fail(`unsupported FLV version ${b[3]}`);
        const dataOffset = readU32(b, 5);
        if (dataOffset < HEADER_BYTES || dataOffset > MAX_HEADER_OFFSET) this.fail(`bad header size ${dataOffset}`);
        this.next("headerPad", dataOffset - HEADER_BYTES);
        return;
      }
      case "headerPad":
        this.expectedTrailer = 0;
        this.next("trailer", TRAILER_BYTES);
        return;
      case "trailer": {
        const size = readU32(b, 0);
        if (size !== this.expectedTrailer) this.fail(`PreviousTagSize ${size}, expected ${this.expectedTrailer}`);
        this.next("tagHeader", TAG_HEADER_BYTES);
        return;
      }
      case "tagHeader": {
        const typeByte = b[0]!;
        if (typeByte & 0xe0) this.fail(`tag type byte 0x${typeByte.toString(16)} has reserved/filter bits set`);
        if (typeByte !== TAG_AUDIO && typeByte !== TAG_VIDEO && typeByte !== TAG_SCRIPT) {
          this.fail(`unknown tag type ${typeByte}`);
        }
        const dataSize = (b[1]! << 16) | (b[2]! << 8) | b[3]!;
        // Timestamp: 24 lower bits, then the upper 8 bits (signed 32-bit overall).
        this.timestampMs = ((b[7]! << 24) | (b[4]! << 16) | (b[5]! << 8) | b[6]!) >> 0;
        const streamId = (b[8]! << 16) | (b[9]! << 8) | b[10]!;
        if (streamId !== 0) this.fail(`stream id ${streamId} (must be 0)`);
        this.tagType = typeByte;
        this.expectedTrailer = TAG_HEADER_BYTES + dataSize;
        this.next("body", dataSize);
        return;
      }
      case "body": {
        const tag = this.tagType === TAG_VIDEO ? this.parseVideo(b) : null;
        if (tag) out.push(tag);
        this.next("trailer", TRAILER_BYTES);
        return;
      }
    }
  }

  private parseVideo(body: Uint8Array): FlvVideoTag | null {
    if (body.length < 1) this.fail("empty video tag");
    const frameType = body[0]! >> 4;
    const codecId = body[0]! & 0x0f;
    if (codecId !== CODEC_AVC) this.fail(`video codec id ${codecId} (expected 7, AVC)`);
    if (frameType === FRAME_TYPE_COMMAND) return null;
    if (frameType < 1 || frameType > 4) this.fail(`bad video frame type ${frameType}`);
    if (body.length < 5) this.fail(`AVC video tag of ${body.length} bytes`);
    const packetType = body[1]!;
    const compositionTimeMs = ((body[2]! << 24) | (body[3]! << 16) | (body[4]! << 8)) >> 8;
    const payload = body.subarray(5);
    if (packetType === 0) {
      if (payload.length === 0) this.fail("empty AVC sequence header");
      return { type: "config", timestampMs: this.timestampMs, avcC: payload };
    }
    if (packetType === 1) {
      if (payload.length === 0) this.fail("empty AVC NALU packet");
      const keyframe = frameType === FRAME_TYPE_KEY;
      return { type: "frame", timestampMs: this.timestampMs, compositionTimeMs, keyframe, data: payload };
    }
    if (packetType === 2) return null;
    return this.fail(`unknown AVCPacketType ${packetType}`);
  }

  private next(phase: Phase, bytes: number): void {
    this.phase = phase;
    // Bodies get a fresh buffer each (emitted payloads are views into it); fixed-size fields share a scratch.
    this.target =
      phase === "body" || bytes > this.scratch.length ? new Uint8Array(bytes) : this.scratch.subarray(0, bytes);
    this.filled = 0;
  }

  private fail(why: string): never {
    throw new NapariCudaError("encoder_failed", `FLV stream from ffmpeg is malformed at byte ${this.offset}: ${why}`);
  }
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
