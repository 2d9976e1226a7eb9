/**
 * Per-view encoders from the ffmpeg the daemon found: locate + probe + select
 * once (success is cached; a failure is retried next time, the user may fix it).
 */
import { NapariCudaError } from "../../protocol/index.js";
import { createEncoder, locateFfmpeg, probeFfmpeg, selectEncoder, type VideoEncoder } from "../encode/index.js";
import { stillCrf } from "../encode/x264.js";
import type { H264Profile } from "./codec.js";
import type { EncoderFactory } from "./context.js";

interface Selection {
  ffmpeg: string;
  name: string;
  reason: string;
  /** This ffmpeg has libx264, which makes the 4:4:4 stills (whatever encodes the other frames). */
  libx264: boolean;
}

/** NAPARI_CUDA_STILL_CRF is not "off" (config.ts refuses a bad value at startup; here it means no stills). */
function stillsOn(env: NodeJS.ProcessEnv): boolean {
  try {
    return stillCrf(env) !== null;
  } catch {
    return false;
  }
}

export class FfmpegEncoderFactory implements EncoderFactory {
  private selection: Promise<Selection> | null = null;
  private lastPath: string | null = null;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private select(): Promise<Selection> {
    if (!this.selection) {
      const p = (async (): Promise<Selection> => {
        const located = locateFfmpeg(this.env);
        if (!located) {
          throw new NapariCudaError(
            "encoder_unavailable",
            "no ffmpeg found: set NAPARI_CUDA_FFMPEG, put ffmpeg on PATH, or install @ffmpeg-installer/linux-x64",
          );
        }
        this.lastPath = located.path;
        const probe = await probeFfmpeg(located.path);
        const sel = await selectEncoder(probe, this.env);
        const reason = `${sel.reason}; ffmpeg from ${located.source}`;
        return { ffmpeg: located.path, name: sel.name, reason, libx264: probe.encoders.libx264 };
      })();
      this.selection = p;
      p.catch(() => {
        if (this.selection === p) this.selection = null;
      });
    }
    return this.selection;
  }

  async create(
    width: number,
    height: number,
    profile: H264Profile,
    pixelFormat: "rgba" | "nv12" = "rgba",
    still = false,
  ): Promise<VideoEncoder> {
    const sel = await this.select();
    return createEncoder({
      width,
      height,
      profile,
      pixelFormat,
      still,
      ffmpeg: sel.ffmpeg,
      encoder: still ? "libx264" : sel.name,
      env: this.env,
    });
  }

  async describe(): Promise<{ encoder: string; reason: string; ffmpeg: string | null; stills: boolean }> {
    try {
      const sel = await this.select();
      return {
        encoder: sel.name,
        reason: sel.reason,
        ffmpeg: sel.ffmpeg,
        stills: sel.libx264 && stillsOn(this.env),
      };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { encoder: "none", reason, ffmpeg: this.lastPath, stills: false };
    }
  }
}
