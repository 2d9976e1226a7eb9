/**
 * Encoder choice: a table of H.264 encoder kinds in order of preference, checked against the ffmpeg probe;
 * and the choice among several ffmpeg binaries (chooseFfmpeg).
 */
import { existsSync } from "node:fs";
import { NapariCudaError } from "../../protocol/errors.js";
import { ffmpegCandidates, probeFfmpeg, type FfmpegProbe, type FfmpegSource, type LocatedFfmpeg } from "./locate.js";
import { nvencArgs, nvidiaGpuNames, verifyNvenc } from "./nvenc.js";
import type { EncoderOptions } from "./types.js";
import { stillCrf, x264Args, x264Crf } from "./x264.js";

export interface EncoderKind {
  /** ffmpeg encoder name (-c:v). */
  name: string;
  kind: "software" | "hardware";
  /** Does this ffmpeg list the encoder? (A hardware kind may still be tried: its verify() says why not.) */
  listed(probe: FfmpegProbe): boolean;
  /**
   * Proof that it really works here, beyond being listed (NVENC: a one-frame encode, since static ffmpeg
   * builds list h264_nvenc on machines without the hardware). Resolves to null when usable, else why not.
   */
  verify(probe: FfmpegProbe): Promise<string | null>;
  /**
   * ffmpeg arguments: raw frames on stdin, FLV on stdout, one packet per frame with no delay. Frame 0 of each
   * process is a throw-away priming frame, so frame 1 must be forced to an IDR. `coarser` (default 0): the
   * re-encode step after an oversize frame (encode/bound.ts). Throws encoder_unavailable on bad settings.
   */
  args(opts: EncoderOptions, env: NodeJS.ProcessEnv, probe: FfmpegProbe, coarser?: number): string[];
}

const LIBX264: EncoderKind = {
  name: "libx264",
  kind: "software",
  listed: (probe) => probe.encoders.libx264,
  verify: () => Promise.resolve(null),
  args: (opts, env, probe, coarser) =>
    x264Args(opts, (opts.still ? stillCrf(env) : null) ?? x264Crf(env), probe.version, coarser),
};

/** NVENC is always verified (even when unlisted) so the reason can name the GPU, e.g. "no NVENC engine on NVIDIA H200". */
const H264_NVENC: EncoderKind = {
  name: "h264_nvenc",
  kind: "hardware",
  listed: () => true,
  verify: (probe) => verifyNvenc(probe),
  args: (opts, _env, probe, coarser) => nvencArgs(opts, probe.version, coarser),
};

/** Encoders this build can drive, most preferred first. NAPARI_CUDA_ENCODER names one and skips the probe. */
export const ENCODER_KINDS: readonly EncoderKind[] = [H264_NVENC, LIBX264];

export interface EncoderSelection {
  /** ffmpeg encoder name, for createEncoder and the stream's `encoder` field. */
  name: string;
  /** Human-readable why, e.g. "libx264 (software); h264_nvenc unusable: no NVENC engine on NVIDIA H200". */
  reason: string;
}

/** The table entry for an encoder name; throws encoder_unavailable for unknown names. */
export function encoderKind(name: string): EncoderKind {
  const kind = ENCODER_KINDS.find((k) => k.name === name);
  if (!kind) throw new NapariCudaError("encoder_unavailable", `encoder ${name} is not supported by this build`);
  return kind;
}

/** Pick the first usable encoder kind for this ffmpeg; rejects with encoder_unavailable when there is none. */
export async function selectEncoder(
  probe: FfmpegProbe,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EncoderSelection> {
  const skipped: string[] = [];
  const forced = env.NAPARI_CUDA_ENCODER?.trim();
  for (const kind of ENCODER_KINDS) {
    if (forced && kind.name !== forced) {
      skipped.push(`${kind.name} skipped (NAPARI_CUDA_ENCODER=${forced})`);
      continue;
    }
    if (!kind.listed(probe)) {
      skipped.push(`${kind.name} not listed by ffmpeg`);
      continue;
    }
    if (forced) {
      // Named by the user: no trial (the README's "skip the probe"). If it cannot run, the encoder factory
      // falls back to libx264 after repeated failures (server/encoder-factory.ts).
      return { name: kind.name, reason: [`${kind.name} (${kind.kind}, NAPARI_CUDA_ENCODER)`, ...skipped].join("; ") };
    }
    const problem = await kind.verify(probe);
    if (problem !== null) {
      skipped.push(`${kind.name} unusable: ${problem}`);
      continue;
    }
    return { name: kind.name, reason: [`${kind.name} (${kind.kind})`, ...skipped].join("; ") };
  }
  throw new NapariCudaError(
    "encoder_unavailable",
    `ffmpeg at ${probe.path} (${probe.version}) has no usable H.264 encoder (${skipped.join("; ")}); ` +
      `install an ffmpeg built with libx264 and point NAPARI_CUDA_FFMPEG at it`,
  );
}

export interface FfmpegChoice extends EncoderSelection {
  ffmpeg: LocatedFfmpeg;
  probe: FfmpegProbe;
}

const SOURCE_LABEL: Record<FfmpegSource, string> = {
  env: "NAPARI_CUDA_FFMPEG",
  path: "on PATH",
  npm: "npm @ffmpeg-installer",
  imageio: "imageio-ffmpeg (pip)",
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The ffmpeg to use and its encoder: $NAPARI_CUDA_FFMPEG when set; else, among ffmpegCandidates() in their
 * order, the first whose h264_nvenc works (the encoder probe decides: a system ffmpeg with working NVENC
 * beats a static one, and a static one with NVENC beats a system one without), else the first with libx264.
 * NAPARI_CUDA_ENCODER: the first candidate that lists that encoder. `reason` says which binary and why.
 * Rejects with encoder_unavailable when no candidate can encode H.264.
 */
export async function chooseFfmpeg(
  env: NodeJS.ProcessEnv = process.env,
  opts: { moduleUrl?: string } = {},
): Promise<FfmpegChoice> {
  const candidates = ffmpegCandidates(env, opts);
  if (candidates.length === 0) {
    throw new NapariCudaError(
      "encoder_unavailable",
      "no ffmpeg found: set NAPARI_CUDA_FFMPEG, put ffmpeg on PATH, or pip install imageio-ffmpeg in the kernel's environment",
    );
  }
  // Without an NVIDIA driver no candidate's NVENC can work: the first with libx264 is the answer, and
  // probing the others would only delay the first frame.
  const nvencPossible = nvidiaGpuNames().length > 0 || existsSync("/dev/nvidiactl");
  const decisive = candidates.length === 1 || candidates[0]!.source === "env";
  const forced = env.NAPARI_CUDA_ENCODER?.trim();
  const tried: { label: string; choice: FfmpegChoice | null; note: string }[] = [];
  for (const located of candidates) {
    const label = `${located.path} (${SOURCE_LABEL[located.source]})`;
    let choice: FfmpegChoice;
    try {
      const probe = await probeFfmpeg(located.path);
      choice = { ...(await selectEncoder(probe, env)), ffmpeg: located, probe };
    } catch (err) {
      if (decisive) throw err;
      tried.push({ label, choice: null, note: message(err) });
      continue;
    }
    if (decisive || forced || choice.name === "h264_nvenc") {
      const why = tried.length === 0 ? "" : forced ? `: the first with ${forced}` : ": its h264_nvenc works";
      const others = tried.map((t) => `not ${t.label}: ${t.note}`);
      return { ...choice, reason: [`${choice.reason}; ffmpeg ${label}${why}`, ...others].join("; ") };
    }
    tried.push({ label, choice, note: choice.reason });
    if (!nvencPossible) break;
  }
  const first = tried.find((t) => t.choice !== null);
  if (first === undefined) {
    const notes = tried.map((t) => `${t.label}: ${t.note}`).join("; ");
    throw new NapariCudaError("encoder_unavailable", `no usable ffmpeg: ${notes}`);
  }
  const why = nvencPossible ? "the first with libx264, no candidate's h264_nvenc works" : "the first with libx264";
  const others = tried.filter((t) => t !== first).map((t) => `not ${t.label}: ${t.note}`);
  return { ...first.choice!, reason: [`${first.choice!.reason}; ffmpeg ${first.label}: ${why}`, ...others].join("; ") };
}
