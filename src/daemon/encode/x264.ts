/** ffmpeg arguments for libx264: raw frames on stdin, FLV-framed H.264 (one tag per frame) on stdout. */
import { NapariCudaError } from "../../protocol/errors.js";
import { levelFor, vbvFor } from "./bound.js";
import type { EncoderOptions } from "./types.js";

export const X264_CRF_ENV = "NAPARI_CUDA_X264_CRF";
/** Measured at 1280x720 on 2 cores: CRF 23 -> 28 cut bytes 4x and raised fps ~30%; stills lost ~1.3 dB (still > 32 dB). */
export const DEFAULT_X264_CRF = 26;

export const STILL_CRF_ENV = "NAPARI_CUDA_STILL_CRF";
/**
 * Stills (a view at rest, 4:4:4). Measured on tests/bench's noisy 2048^2 viridis image against the daemon's
 * own RGBA render, ultrafast, 1280x720: 4:2:0 tops out at 31.4 dB even lossless (the noise's chroma;
 * CRF 26 keyframe: 28.6 dB, 27 KB); 4:4:4 CRF 3: 42.0 dB, 580 KB (CRF 4: 41.1 dB, 550 KB; CRF 6: 39.3 dB).
 * Through the daemon with 64 px overscan (1408x848): 43.7 dB, 620 KB at the reset view; zoomed in 1.85x
 * (nearest-neighbour noise blocks) 40.9 dB, 1.28 MB (CRF 4 there: 39.9 dB).
 */
export const DEFAULT_STILL_CRF = 3;

/** CRF of stills from $NAPARI_CUDA_STILL_CRF (0..51, default 3), or null for "off" (no stills). */
export function stillCrf(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env[STILL_CRF_ENV]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return DEFAULT_STILL_CRF;
  if (raw === "off") return null;
  const crf = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || crf > 51) {
    throw new NapariCudaError("encoder_unavailable", `${STILL_CRF_ENV}=${raw}: must be a number from 0 to 51, or off`, {
      path: STILL_CRF_ENV,
    });
  }
  return crf;
}

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

/**
 * Full ffmpeg argument list for libx264 with the given frame geometry, input format and profile. A still
 * is 4:4:4 (High 4:4:4 Predictive) from RGBA: `crf` is then the still's. A VBV buffer bounds one frame's
 * size (encode/bound.ts); `coarser` > 0 re-encodes an oversize frame: a higher CRF and a smaller buffer.
 */
export function x264Args(
  opts: Pick<EncoderOptions, "width" | "height" | "pixelFormat" | "profile" | "still">,
  crf: number,
  ffmpegVersion: string,
  coarser = 0,
): string[] {
  const vbv = vbvFor(coarser, opts.still === true);
  const level = levelFor(opts.width, opts.height);
  if (opts.still && opts.pixelFormat !== "rgba") {
    throw new NapariCudaError("invalid_data", "a still needs RGBA input (NV12 is already 4:2:0)", { path: "still" });
  }
  // RGBA is converted to BT.709 limited-range 4:2:0 (a still: 4:4:4) by swscale; NV12 is taken as already
  // BT.709 limited (the GPU converts it) and handed to x264 untouched, since x264 works in NV12 internally.
  const chroma = opts.still ? "yuv444p" : "yuv420p";
  const convert =
    opts.pixelFormat === "rgba"
      ? ["-vf", `scale=out_color_matrix=bt709:out_range=tv,format=${chroma}`, "-pix_fmt", chroma]
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
    opts.still ? "high444" : opts.profile,
    ...PROFILE_TOOLS[opts.still ? "high" : opts.profile],
    "-g",
    "600",
    // Frame 0 of every process is a throw-away priming frame (a warm process has x264 initialised);
    // frame 1, the first real one, must be an IDR.
    "-force_key_frames",
    "expr:eq(n,1)",
    "-forced-idr",
    "1",
    "-crf",
    String(Math.min(51, crf + vbv.crfAdd)),
    ...["-maxrate", String(vbv.maxrate), "-bufsize", String(vbv.bufsize)],
    ...(level !== null ? ["-level", level] : []),
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
