/** Encoder contract: one instance per view, frames in, H.264 access units (AVCC) out, in order. */

export interface DecoderConfig {
  /** WebCodecs codec string derived from the avcC, e.g. "avc1.64001f". */
  codec: string;
  /** AVCDecoderConfigurationRecord bytes. */
  description: Uint8Array;
}

export interface EncodedFrame {
  /** One access unit, 4-byte length-prefixed NAL units (as FLV carries them). */
  data: Uint8Array;
  keyframe: boolean;
  /** Time from write() of the raw frame until its packet was parsed (ms). */
  encodeMs: number;
  /** Set on the first frame of an encoder process (new SPS/PPS): the client must (re)configure. */
  config?: DecoderConfig;
  /**
   * The frame was not encoded for sending: its process was replaced by a coarser one after an oversize
   * frame (encoder.ts), and its packet would reference a frame the client never got. `data` is empty.
   */
  dropped?: boolean;
}

export type InputPixelFormat = "rgba" | "nv12";

export interface EncoderOptions {
  width: number;
  height: number;
  pixelFormat: InputPixelFormat;
  /** H.264 profile, chosen from what the client can decode. */
  profile: "high" | "main" | "baseline";
  /** Path of the ffmpeg binary (see locateFfmpeg). */
  ffmpeg: string;
  /** A still: 4:4:4 High 4:4:4 Predictive at the still CRF, libx264 from RGBA only (x264.ts). */
  still?: boolean;
}

export interface VideoEncoder {
  /** ffmpeg encoder name, e.g. "libx264" or "h264_nvenc". */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /**
   * Encode one frame. `keyframe: true` makes this frame an IDR (within this
   * frame, e.g. by switching to a warm standby process). Calls may overlap;
   * results resolve in call order. Rejects with NapariCudaError("encoder_failed").
   */
  encode(pixels: Uint8Array, opts?: { keyframe?: boolean }): Promise<EncodedFrame>;
  /** Kill the ffmpeg processes (SIGTERM, then SIGKILL after a grace period). Never throws. */
  dispose(): Promise<void>;
  /** True once stopped (disposed, or reclaimed by the daemon's encoder budget, encode/budget.ts). */
  readonly closed?: boolean;
}
