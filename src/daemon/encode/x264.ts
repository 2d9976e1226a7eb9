/** ffmpeg arguments for libx264: raw frames on stdin, FLV-framed H.264 (one tag per frame) on stdout. */
import { NapariCudaError } from "../../protocol/errors.js";
import type { EncoderOptions } from "./types.js";

export const X264_CRF_ENV = "NAPARI_CUDA_X264_CRF";
/** Measured at 1280x720 on 2 cores: CRF 23 -> 28 cut bytes 4x and raised fps ~30%; stills lost ~1.3 dB (still > 32 dB). */
export const DEFAULT_X264_CRF = 26;

/** CRF from $NAPARI_CUDA_X264_CRF (0..51, default 26); a bad value is an encoder_unavailable error naming it. */
export function x264Crf(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[X264_CRF_ENV];
  if (raw === undefined || raw.trim() === "") return DEFAULT_X264_CRF;
  const crf = Number(raw);
  if (!Number.isFinite(crf) || crf < 0 || crf > 51) {
    throw new NapariCudaError("encoder_unavailable", `${X264_CRF_ENV}=${raw}: must be a number from 0 to 51`, {
      path: X264_CRF_ENV,
    });
  }
  return crf;
}

/**
 * x264's ultrafast preset turns off everything above Constrained Baseline, and x264 writes the lowest
 * profile_idc its settings need. These turn back on the cheapest tool that makes the requested profile real
 * (CABAC measured no slower than CAVLC here at 1080p; the 8x8 transform costs little).
 */
const PROFILE_TOOLS: Record<EncoderOptions["profile"], string[]> = {
  baseline: [],
  main: ["-coder", "cabac"],
  high: ["-coder", "cabac", "-8x8dct", "1"],
};

/** Full ffmpeg argument list for libx264 with the given frame geometry, input format and profile. */
export function x264Args(
  opts: Pick<EncoderOptions, "width" | "height" | "pixelFormat" | "profile">,
  crf: number,
  ffmpegVersion: string,
): string[] {
  // RGBA is converted to BT.709 limited-range 4:2:0 by swscale; NV12 is taken as already BT.709 limited
  // (the GPU converts it) and handed to x264 untouched, since x264 works in NV12 internally.
  const convert =
    opts.pixelFormat === "rgba"
      ? ["-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p", "-pix_fmt", "yuv420p"]
      : ["-pix_fmt", "nv12"];
  return [
    ...inputArgs(opts),
    "-an",
    ...convert,
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-bf",
    "0",
    "-profile:v",
    opts.profile,
    ...PROFILE_TOOLS[opts.profile],
    "-g",
    "600",
    // Frame 0 of every process is a throw-away priming frame (a warm process has x264 initialised);
    // frame 1, the first real one, must be an IDR.
    "-force_key_frames",
    "expr:eq(n,1)",
    "-forced-idr",
    "1",
    "-crf",
    String(crf),
    ...outputArgs(ffmpegVersion),
  ];
}

/**
 * The input side shared by every H.264 encoder: raw frames of the given geometry on stdin, tagged so no
 * ffmpeg version guesses: RGBA is full-range sRGB/BT.709 primaries, NV12 is already BT.709 limited range
 * (newer ffmpeg would otherwise range-convert untagged NV12). No `-fflags nobuffer`: it discards the
 * packet read while probing the input, i.e. the first frame.
 */
export function inputArgs(opts: Pick<EncoderOptions, "width" | "height" | "pixelFormat">): string[] {
  const tags =
    opts.pixelFormat === "rgba"
      ? ["-color_range", "pc", "-color_primaries", "bt709", "-color_trc", "bt709"]
      : ["-color_range", "tv", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"];
  return [
    ...["-hide_banner", "-loglevel", "error"],
    ...["-f", "rawvideo", "-pix_fmt", opts.pixelFormat, "-s", `${opts.width}x${opts.height}`, "-framerate", "60"],
    ...tags,
    ...["-i", "pipe:0"],
  ];
}

/**
 * The output side shared by every H.264 encoder: BT.709 limited-range tags in the stream, low
 * delay, passthrough timing (never duplicate or drop frames to fit the nominal 60 fps), and FLV on
 * stdout flushed per packet so each frame's tag arrives as soon as it is encoded.
 */
export function outputArgs(ffmpegVersion: string): string[] {
  return [
    ...["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv"],
    ...["-flags", "+low_delay"],
    ...passthroughTimingArgs(ffmpegVersion),
    ...["-f", "flv", "-flush_packets", "1", "pipe:1"],
  ];
}

/**
 * `-fps_mode passthrough` exists from ffmpeg 5.1 (mid 2022) and `-vsync` was removed in 8, so pick by the
 * first line of `ffmpeg -version`: its release number, or for unnumbered git builds ("N-47683-g...")
 * the copyright year (2022 and later taken as new).
 */
export function passthroughTimingArgs(version: string): string[] {
  const release = /ffmpeg version n?(\d+)\.(\d+)/.exec(version);
  const year = /Copyright \(c\) \d{4}-(\d{4})/.exec(version);
  const old =
    release !== null
      ? Number(release[1]) < 5 || (Number(release[1]) === 5 && Number(release[2]) < 1)
      : year !== null && Number(year[1]) < 2022;
  return old ? ["-vsync", "passthrough"] : ["-fps_mode", "passthrough"];
}
