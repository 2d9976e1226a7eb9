/**
 * Per-view encoders from the ffmpeg the daemon found: locate + probe + select
 * once (success is cached; a failure is retried next time, the user may fix it).
 */
import { NapariCudaError } from "../../protocol/index.js";
import { createEncoder, locateFfmpeg, probeFfmpeg, selectEncoder, type VideoEncoder } from "../encode/index.js";
import type { H264Profile } from "./codec.js";
import type { EncoderFactory } from "./context.js";

interface Selection {
  ffmpeg: string;
  name: string;
  reason: string;
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
        const sel = await selectEncoder(await probeFfmpeg(located.path), this.env);
        return { ffmpeg: located.path, name: sel.name, reason: `${sel.reason}; ffmpeg from ${located.source}` };
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
  ): Promise<VideoEncoder> {
    const sel = await this.select();
    return createEncoder({
      width,
      height,
      profile,
      pixelFormat,
      ffmpeg: sel.ffmpeg,
      encoder: sel.name,
      env: this.env,
    });
  }

  async describe(): Promise<{ encoder: string; reason: string; ffmpeg: string | null }> {
    try {
      const sel = await this.select();
      return { encoder: sel.name, reason: sel.reason, ffmpeg: sel.ffmpeg };
    } catch (err) {
      return { encoder: "none", reason: err instanceof Error ? err.message : String(err), ffmpeg: this.lastPath };
    }
  }
}
