/**
 * Per-view encoders from the ffmpeg the daemon found: locate + probe + select
 * once (success is cached; a failure is retried next time, the user may fix it).
 * All encoders count against one daemon-wide budget (NAPARI_CUDA_MAX_ENCODERS, encode/budget.ts).
 * When h264_nvenc fails NVENC_FAILURES_BEFORE_FALLBACK times in a row (consumer GPUs cap concurrent
 * sessions; a driver may be gone), new encoders use libx264 from then on.
 */
import { NapariCudaError } from "../../protocol/index.js";
import { maxEncodersFromEnv } from "../config.js";
import { EncoderBudget } from "../encode/budget.js";
import { chooseFfmpeg, createEncoder, locateFfmpeg, type VideoEncoder } from "../encode/index.js";
import { stillCrf } from "../encode/x264.js";
import { childLogger } from "../log.js";
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

/** Consecutive h264_nvenc failures (start or mid-stream) after which new encoders use libx264. */
export const NVENC_FAILURES_BEFORE_FALLBACK = 2;

const log = childLogger("encoder");

/** An error that says NVENC itself failed (its ffmpeg did not start, or exited), not our input or the budget. */
function nvencFault(err: unknown): boolean {
  return !(err instanceof NapariCudaError) || err.code === "encoder_failed" || err.code === "encoder_unavailable";
}

export class FfmpegEncoderFactory implements EncoderFactory {
  private selection: Promise<Selection> | null = null;
  private lastPath: string | null = null;
  /** Every view's encoders together. */
  readonly budget: EncoderBudget;
  private nvencFailures = 0;
  /** Set once h264_nvenc failed repeatedly: why libx264 took over. */
  private fallback: string | null = null;

  /** `maxEncoders`: the daemon's NAPARI_CUDA_MAX_ENCODERS (config.maxEncoders); default: read from `env`. */
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    maxEncoders: number = maxEncodersFromEnv(env),
  ) {
    this.budget = new EncoderBudget(maxEncoders);
  }

  private select(): Promise<Selection> {
    if (!this.selection) {
      const p = (async (): Promise<Selection> => {
        this.lastPath = locateFfmpeg(this.env)?.path ?? null; // named by describe() if the choice fails
        const chosen = await chooseFfmpeg(this.env);
        this.lastPath = chosen.ffmpeg.path;
        const libx264 = chosen.probe.encoders.libx264;
        return { ffmpeg: chosen.ffmpeg.path, name: chosen.name, reason: chosen.reason, libx264 };
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
    spare = false,
  ): Promise<VideoEncoder> {
    const sel = await this.select();
    for (let attempt = 1; ; attempt++) {
      const encoder = still ? "libx264" : this.encoderFor(sel);
      const start = (): Promise<VideoEncoder> =>
        createEncoder({ width, height, profile, pixelFormat, still, ffmpeg: sel.ffmpeg, encoder, env: this.env });
      if (encoder !== "h264_nvenc") return this.budget.acquire(start, undefined, spare);
      try {
        // A frame that encodes resets the failure count; a mid-stream failure adds to it.
        return await this.budget.acquire(start, (err) => this.nvencResult(err, sel), spare);
      } catch (err) {
        if (!nvencFault(err)) throw err;
        this.nvencResult(err, sel);
        // Try NVENC again at once (a session may have freed up); after repeated failures libx264 takes over.
        if (this.fallback === null && attempt >= NVENC_FAILURES_BEFORE_FALLBACK) throw err;
      }
    }
  }

  /** The encoder for new non-still encoders: the selection's, or libx264 after NVENC failed repeatedly. */
  private encoderFor(sel: Selection): string {
    return this.fallback !== null ? "libx264" : sel.name;
  }

  /**
   * An h264_nvenc start or frame ended (`err` null: it worked). Failures in a row are counted; at the
   * threshold new encoders use libx264 (logged once).
   */
  private nvencResult(err: unknown, sel: Selection): void {
    if (err === null) {
      this.nvencFailures = 0;
      return;
    }
    if (this.fallback !== null || !nvencFault(err)) return;
    this.nvencFailures++;
    const why = err instanceof Error ? err.message : String(err);
    if (this.nvencFailures < NVENC_FAILURES_BEFORE_FALLBACK || !sel.libx264) {
      log.warn({ failures: this.nvencFailures, err: why }, "h264_nvenc encoder failed");
      return;
    }
    this.fallback = `h264_nvenc failed ${this.nvencFailures} times in a row (last: ${why.slice(0, 300)})`;
    log.warn({ reason: this.fallback }, "h264_nvenc keeps failing: new encoders use libx264");
  }

  async describe(): Promise<{ encoder: string; reason: string; ffmpeg: string | null; stills: boolean }> {
    try {
      const sel = await this.select();
      return {
        encoder: this.encoderFor(sel),
        reason: this.fallback !== null ? `libx264 (software); ${this.fallback}; was: ${sel.reason}` : sel.reason,
        ffmpeg: sel.ffmpeg,
        stills: sel.libx264 && stillsOn(this.env),
      };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { encoder: "none", reason, ffmpeg: this.lastPath, stills: false };
    }
  }
}
