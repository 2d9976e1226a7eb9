/** Encoder choice: a table of H.264 encoder kinds in order of preference, checked against the ffmpeg probe. */
import { NapariCudaError } from "../../protocol/errors.js";
import type { FfmpegProbe } from "./locate.js";
import type { EncoderOptions } from "./types.js";
import { x264Args, x264Crf } from "./x264.js";

export interface EncoderKind {
  /** ffmpeg encoder name (-c:v). */
  name: string;
  kind: "software" | "hardware";
  /** Does this ffmpeg list the encoder? */
  listed(probe: FfmpegProbe): boolean;
  /**
   * Proof that it really works here, beyond being listed (NVENC: a one-frame encode, since static ffmpeg
   * builds list h264_nvenc on machines without the hardware). Resolves to null when usable, else why not.
   */
  verify(probe: FfmpegProbe): Promise<string | null>;
  /**
   * ffmpeg arguments: raw frames on stdin, FLV on stdout, one packet per frame with no delay. Frame 0 of each
   * process is a throw-away priming frame, so frame 1 must be forced to an IDR. Throws encoder_unavailable on
   * bad settings.
   */
  args(opts: EncoderOptions, env: NodeJS.ProcessEnv, probe: FfmpegProbe): string[];
}

const LIBX264: EncoderKind = {
  name: "libx264",
  kind: "software",
  listed: (probe) => probe.encoders.libx264,
  verify: () => Promise.resolve(null),
  args: (opts, env, probe) => x264Args(opts, x264Crf(env), probe.version),
};

/** Encoders this build can drive, most preferred first (h264_nvenc goes in front once it has args + a probe). */
export const ENCODER_KINDS: readonly EncoderKind[] = [LIBX264];

/** Encoders known to the design but not built yet: named in the reason so users see why they were not used. */
export const UNPROBED_ENCODERS: readonly string[] = ["h264_nvenc"];

export interface EncoderSelection {
  /** ffmpeg encoder name, for createEncoder and the stream's `encoder` field. */
  name: string;
  /** Human-readable why, e.g. "libx264 (software); h264_nvenc not probed in this build". */
  reason: string;
}

/** The table entry for an encoder name; throws encoder_unavailable for unknown names. */
export function encoderKind(name: string): EncoderKind {
  const kind = ENCODER_KINDS.find((k) => k.name === name);
  if (!kind) throw new NapariCudaError("encoder_unavailable", `encoder ${name} is not supported by this build`);
  return kind;
}

/** Pick the first usable encoder kind for this ffmpeg; rejects with encoder_unavailable when there is none. */
export async function selectEncoder(probe: FfmpegProbe): Promise<EncoderSelection> {
  const skipped: string[] = [];
  for (const kind of ENCODER_KINDS) {
    if (!kind.listed(probe)) {
      skipped.push(`${kind.name} not listed by ffmpeg`);
      continue;
    }
    const problem = await kind.verify(probe);
    if (problem !== null) {
      skipped.push(`${kind.name} unusable: ${problem}`);
      continue;
    }
    const notes = [...skipped, ...UNPROBED_ENCODERS.map((n) => `${n} not probed in this build`)];
    return { name: kind.name, reason: [`${kind.name} (${kind.kind})`, ...notes].join("; ") };
  }
  const notes = [...skipped, ...UNPROBED_ENCODERS.map((n) => `${n} not probed in this build`)].join("; ");
  throw new NapariCudaError(
    "encoder_unavailable",
    `ffmpeg at ${probe.path} (${probe.version}) has no usable H.264 encoder (${notes}); ` +
      `install an ffmpeg built with libx264 and point NAPARI_CUDA_FFMPEG at it`,
  );
}
