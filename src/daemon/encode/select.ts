/** Encoder choice: a table of H.264 encoder kinds in order of preference, checked against the ffmpeg probe. */
import { NapariCudaError } from "../../protocol/errors.js";
import type { FfmpegProbe } from "./locate.js";
import { nvencArgs, verifyNvenc } from "./nvenc.js";
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
