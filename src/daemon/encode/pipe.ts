/** One ffmpeg encoder process: raw frames in, one FLV video tag (access unit) out per frame, matched in order. */
import { performance } from "node:perf_hooks";
import { NapariCudaError, isNapariCudaError } from "../../protocol/errors.js";
import { codecStringFromAvcC, splitAvcc } from "./avc.js";
import { FfmpegProcess } from "./ffmpeg-process.js";
import { FlvDemuxer, type FlvVideoTag } from "./flv.js";
import type { DecoderConfig, EncodedFrame } from "./types.js";

interface Pending {
  t0: number;
  /** The priming frame: its packet is dropped. */
  discard: boolean;
  resolve(frame: EncodedFrame): void;
  reject(err: NapariCudaError): void;
}

/** How long a failed stdin write waits for the exit status, so the error can say how ffmpeg ended. */
const EXIT_WAIT_MS = 500;
/** A frame with no packet after this long means ffmpeg is stuck (it should take milliseconds). */
export const STALL_TIMEOUT_MS = 10_000;

/**
 * An ffmpeg process that encodes frames in order. It is primed at start with one throw-away frame, so that
 * ffmpeg and the encoder are initialised before real frames arrive; the encoder args make frame 1 (the first
 * real one) an IDR, and that frame carries `config`.
 */
export class H264Pipe {
  private proc: FfmpegProcess | null = null;
  private readonly demux = new FlvDemuxer();
  private readonly pending: Pending[] = [];
  private readonly idleWaiters: Array<() => void> = [];
  private config: DecoderConfig | null = null;
  private configSent = false;
  private failure: NapariCudaError | null = null;
  private stallTimer: NodeJS.Timeout | null = null;

  private constructor(private readonly label: string) {}

  /** Resolves when the priming frame came back, rejects (handled) if it did not. */
  primed: Promise<void> = Promise.resolve();

  /**
   * Spawn ffmpeg with `args` and write `primer` (one raw frame, kept unchanged while the pipe lives);
   * rejects with encoder_unavailable when ffmpeg cannot start.
   */
  static async start(ffmpeg: string, args: readonly string[], label: string, primer: Uint8Array): Promise<H264Pipe> {
    const pipe = new H264Pipe(label);
    pipe.proc = await FfmpegProcess.start(ffmpeg, args, {
      onStdout: (chunk) => pipe.onStdout(chunk),
      onExit: (exit) => {
        const why = exit.expected ? `${label} encoder disposed` : `ffmpeg (${label}) exited unexpectedly`;
        pipe.fail(new NapariCudaError("encoder_failed", pipe.proc ? pipe.proc.describeFailure(why) : why));
      },
    });
    pipe.primed = pipe.submit(primer, true).then(() => undefined);
    pipe.primed.catch(() => undefined); // the failure also ends the pipe; callers see it there
    return pipe;
  }

  /** The error that ended this pipe, or null while it works. */
  get failed(): NapariCudaError | null {
    return this.failure;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Write one raw frame; resolves with its access unit. `pixels` must stay unchanged until it settles. */
  encode(pixels: Uint8Array): Promise<EncodedFrame> {
    if (this.failure) return Promise.reject(this.failure);
    return this.submit(pixels, false);
  }

  private submit(pixels: Uint8Array, discard: boolean): Promise<EncodedFrame> {
    const frame = new Promise<EncodedFrame>((resolve, reject) => {
      this.pending.push({ t0: performance.now(), discard, resolve, reject });
    });
    if (this.pending.length === 1) this.watchStall();
    const written = this.proc!.write(pixels).then(
      () => undefined,
      (err: unknown) => this.onWriteError(err),
    );
    // Callers reuse `pixels` once this settles (pinned GPU frame slots, pooled CPU frames): never before the
    // stdin write settled, also when the frame fails first (stall, dispose, a bad packet).
    return frame.then(
      (f) => written.then(() => f),
      (err: unknown) => written.then(() => Promise.reject(err)),
    );
  }

  /** Resolves when every submitted frame has settled. */
  idle(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Reject what is pending and stop the process (SIGTERM, then SIGKILL). Never throws. */
  async dispose(): Promise<void> {
    this.fail(new NapariCudaError("encoder_failed", `${this.label} encoder disposed`));
    await this.proc?.dispose();
  }

  private onStdout(chunk: Buffer): void {
    if (this.failure) return;
    let tags: FlvVideoTag[];
    try {
      tags = this.demux.push(chunk);
      for (const tag of tags) this.onTag(tag);
    } catch (err) {
      const msg = isNapariCudaError(err) ? err.message : String(err);
      this.fail(new NapariCudaError("encoder_failed", this.proc!.describeFailure(msg), { cause: err }));
    }
  }

  private onTag(tag: FlvVideoTag): void {
    this.watchStall();
    if (tag.type === "config") {
      this.config = { codec: codecStringFromAvcC(tag.avcC), description: tag.avcC };
      this.configSent = false;
      return;
    }
    const waiting = this.pending.shift();
    if (!waiting) throw new NapariCudaError("encoder_failed", "ffmpeg produced a packet for no frame");
    if (!this.config) throw new NapariCudaError("encoder_failed", "ffmpeg sent a frame before the AVC config");
    splitAvcc(tag.data); // validates the NAL length prefixes before the access unit goes to clients
    if (waiting.discard) {
      waiting.resolve({ data: tag.data, keyframe: tag.keyframe, encodeMs: performance.now() - waiting.t0 });
      if (this.pending.length === 0) this.wakeIdle();
      return;
    }
    if (!this.configSent && !tag.keyframe) {
      throw new NapariCudaError(
        "encoder_failed",
        "the first frame after priming is not a keyframe (forced IDR failed)",
      );
    }
    const frame: EncodedFrame = { data: tag.data, keyframe: tag.keyframe, encodeMs: performance.now() - waiting.t0 };
    if (!this.configSent) {
      frame.config = this.config;
      this.configSent = true;
    }
    waiting.resolve(frame);
    if (this.pending.length === 0) this.wakeIdle();
  }

  private onWriteError(err: unknown): void {
    // The exit status usually follows a broken pipe within milliseconds and makes the better message.
    const proc = this.proc!;
    const timer = setTimeout(() => {
      const msg = proc.describeFailure(`writing a frame to ffmpeg (${this.label}) failed`);
      this.fail(new NapariCudaError("encoder_failed", msg, { cause: err }));
    }, EXIT_WAIT_MS);
    timer.unref();
  }

  /** (Re)arm the stall timer while frames are pending: progress restarts it. */
  private watchStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      if (this.pending.length === 0) return;
      const why = `ffmpeg (${this.label}) produced no packet for ${STALL_TIMEOUT_MS} ms`;
      this.fail(new NapariCudaError("encoder_failed", this.proc!.describeFailure(why)));
    }, STALL_TIMEOUT_MS);
    this.stallTimer.unref();
  }

  private fail(err: NapariCudaError): void {
    if (this.failure) return;
    this.failure = err;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    for (const p of this.pending.splice(0)) p.reject(err);
    this.wakeIdle();
    void this.proc?.dispose();
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
