/**
 * VideoEncoder over ffmpeg processes. Keyframes on demand come from a warm standby process: a keyframe
 * request sends that frame to the idle standby (whose first frame is an IDR carrying `config`), the old
 * process finishes its pending frames and is disposed, and a new standby is spawned.
 * A frame above the size bound (encode/bound.ts) is never handed out: both processes are replaced by
 * coarser ones (higher CRF, smaller VBV buffer), the frame is encoded again there (an IDR), and frames
 * the old process still had are handed out as `dropped` (they reference a frame the client never got).
 */
import { NapariCudaError } from "../../protocol/errors.js";
import { childLogger } from "../log.js";
import { MAX_COARSER_STEPS, MAX_FRAME_BYTES } from "./bound.js";
import { H264Pipe } from "./pipe.js";
import { probeFfmpeg } from "./locate.js";
import { encoderKind } from "./select.js";
import type { EncodedFrame, EncoderOptions, VideoEncoder } from "./types.js";

/** A retiring process that has not finished its last frames by then is killed anyway. */
const RETIRE_TIMEOUT_MS = 5000;
const MAX_SIDE = 8192;

const noop = (): void => undefined;
const log = childLogger("encoder");

/** Optional fields createEncoder accepts beside EncoderOptions. */
export interface CreateEncoderExtras {
  /** ffmpeg encoder name from selectEncoder(); default "libx264". */
  encoder?: string;
  /** Environment for encoder settings (NAPARI_CUDA_X264_CRF); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** A larger access unit is encoded again, coarser (default MAX_FRAME_BYTES, encode/bound.ts). */
  maxFrameBytes?: number;
}

function checkOptions(opts: EncoderOptions): void {
  for (const key of ["width", "height"] as const) {
    const v = opts[key];
    // 4:2:0 needs even sizes; the caller rounds the canvas to even device pixels.
    if (!Number.isInteger(v) || v < 2 || v > MAX_SIDE || v % 2 !== 0) {
      throw new NapariCudaError("invalid_data", `encoder ${key} must be an even integer in 2..${MAX_SIDE}, got ${v}`, {
        path: key,
      });
    }
  }
  if (opts.pixelFormat !== "rgba" && opts.pixelFormat !== "nv12") {
    throw new NapariCudaError("invalid_data", `unknown pixel format ${String(opts.pixelFormat)}`, {
      path: "pixelFormat",
    });
  }
  if (!["high", "main", "baseline"].includes(opts.profile)) {
    throw new NapariCudaError("invalid_data", `unknown H.264 profile ${String(opts.profile)}`, { path: "profile" });
  }
}

/** Bytes of one raw input frame. */
export function frameBytes(opts: Pick<EncoderOptions, "width" | "height" | "pixelFormat">): number {
  const pixels = opts.width * opts.height;
  return opts.pixelFormat === "rgba" ? pixels * 4 : (pixels * 3) / 2;
}

class FfmpegVideoEncoder implements VideoEncoder {
  readonly width: number;
  readonly height: number;
  private readonly frameBytes: number;
  /** The throw-away first frame of every process (black). */
  private readonly primer: Uint8Array;
  private active: Promise<H264Pipe>;
  private activeUsed = false;
  private standby: Promise<H264Pipe>;
  /** Every process not yet disposed (active, standby, retiring). */
  private readonly live = new Set<Promise<H264Pipe>>();
  private tail: Promise<void> = Promise.resolve();
  private disposed: Promise<void> | null = null;
  /** Re-encode step of the current processes (0: normal settings). */
  private coarser = 0;
  /** Bumped when oversize frames replaced the processes: frames from older ones are dropped. */
  private generation = 0;

  constructor(
    readonly name: string,
    opts: EncoderOptions,
    private readonly ffmpeg: string,
    private readonly argsFor: (coarser: number) => readonly string[],
    private readonly maxFrameBytes: number,
  ) {
    this.width = opts.width;
    this.height = opts.height;
    this.frameBytes = frameBytes(opts);
    this.primer = new Uint8Array(this.frameBytes);
    this.active = this.spawn();
    this.standby = this.spawn();
  }

  /** Resolves once both processes have encoded their priming frame; on failure disposes all and rejects. */
  async started(): Promise<void> {
    try {
      await Promise.all([this.active, this.standby].map((p) => p.then((pipe) => pipe.primed)));
    } catch (err) {
      await this.dispose();
      throw err;
    }
  }

  encode(pixels: Uint8Array, opts?: { keyframe?: boolean }): Promise<EncodedFrame> {
    let result: Promise<EncodedFrame>;
    if (this.disposed) {
      result = Promise.reject(new NapariCudaError("encoder_failed", `${this.name} encoder is disposed`));
    } else if (pixels.byteLength !== this.frameBytes) {
      const msg = `pixels: ${pixels.byteLength} bytes, expected ${this.frameBytes} for ${this.width}x${this.height}`;
      result = Promise.reject(new NapariCudaError("invalid_data", msg, { path: "pixels" }));
    } else {
      const swapping = opts?.keyframe === true && this.activeUsed;
      if (swapping) this.swap();
      this.activeUsed = true;
      result = this.active.then((pipe) => pipe.encode(pixels));
      // The next standby starts once the keyframe is out, so its start-up does not compete with it for CPU.
      if (swapping) this.standby = this.spawn(result.then(noop, noop));
    }
    result.catch(noop); // rejection is delivered through `ordered`; this only marks it handled
    // Frames from the old and the new process may finish out of order: settle strictly in call order.
    // The size check runs in that order too, so a re-encode comes before any later frame is handed out.
    const gen = this.generation;
    const ordered = this.tail.then(() => this.bounded(result, pixels, gen));
    this.tail = ordered.then(noop, noop);
    return ordered;
  }

  dispose(): Promise<void> {
    this.disposed ??= Promise.all([...this.live].map((p) => p.then((pipe) => pipe.dispose(), noop))).then(noop);
    return this.disposed;
  }

  /** `out` if within the size bound; re-encoded coarser if not; `dropped` if its process was replaced. */
  private async bounded(result: Promise<EncodedFrame>, pixels: Uint8Array, gen: number): Promise<EncodedFrame> {
    let out = await result;
    if (gen !== this.generation)
      return { data: new Uint8Array(0), keyframe: false, encodeMs: out.encodeMs, dropped: true };
    while (out.data.byteLength > this.maxFrameBytes) {
      if (this.coarser >= MAX_COARSER_STEPS || this.disposed) {
        throw new NapariCudaError(
          "encoder_failed",
          `${this.name} frame ${this.width}x${this.height}: ${out.data.byteLength} bytes, over the ${this.maxFrameBytes} ` +
            `bound even at the coarsest setting`,
        );
      }
      out = await this.recode(pixels, out.data.byteLength);
    }
    return out;
  }

  /** Replace both processes by coarser ones and encode `pixels` again on the new active one (an IDR). */
  private recode(pixels: Uint8Array, size: number): Promise<EncodedFrame> {
    this.generation++;
    this.coarser++;
    log.warn(
      {
        encoder: this.name,
        width: this.width,
        height: this.height,
        bytes: size,
        bound: this.maxFrameBytes,
        step: this.coarser,
      },
      "encoded frame over the size bound: encoding it again at a coarser setting",
    );
    const oldActive = this.active;
    const oldStandby = this.standby;
    const fresh = this.spawn();
    // Registered before any later encode() can reach `fresh`: this frame goes in first.
    const redo = fresh.then((pipe) => pipe.encode(pixels));
    redo.catch(noop);
    this.active = fresh;
    this.activeUsed = true;
    this.standby = this.spawn(redo.then(noop, noop));
    this.retire(oldActive);
    this.retire(oldStandby);
    return redo;
  }

  /** Start a process once `after` settles (never after dispose), tracked in `live` from now on. */
  private spawn(after: Promise<unknown> = Promise.resolve()): Promise<H264Pipe> {
    const args = this.argsFor(this.coarser);
    const pipe = after.then(() => {
      if (this.disposed) throw new NapariCudaError("encoder_failed", `${this.name} encoder is disposed`);
      return H264Pipe.start(this.ffmpeg, args, this.name, this.primer);
    });
    pipe.catch(noop); // spawn errors surface through encode()/started()
    this.live.add(pipe);
    return pipe;
  }

  /** Make the standby the active process (replacing it if it died while idle) and retire the old one. */
  private swap(): void {
    const old = this.active;
    const standby = this.standby;
    this.active = standby.then((pipe) => {
      if (!pipe.failed) return pipe;
      this.live.delete(standby);
      if (this.disposed) throw new NapariCudaError("encoder_failed", `${this.name} encoder is disposed`);
      return this.spawn();
    });
    this.active.catch(noop);
    this.retire(old);
  }

  private retire(old: Promise<H264Pipe>): void {
    void old
      .then(async (pipe) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, RETIRE_TIMEOUT_MS)));
        await Promise.race([pipe.idle(), timeout]);
        clearTimeout(timer);
        await pipe.dispose();
      }, noop)
      .finally(() => this.live.delete(old));
  }
}

/** Start an encoder (two ffmpeg processes: active + warm standby) for one view at one size. */
export async function createEncoder(opts: EncoderOptions & CreateEncoderExtras): Promise<VideoEncoder> {
  checkOptions(opts);
  const kind = encoderKind(opts.encoder ?? "libx264");
  const env = opts.env ?? process.env;
  const probe = await probeFfmpeg(opts.ffmpeg);
  kind.args(opts, env, probe); // bad settings throw here, not in a later spawn
  const argsFor = (coarser: number): string[] => kind.args(opts, env, probe, coarser);
  const bound = opts.maxFrameBytes ?? MAX_FRAME_BYTES;
  const encoder = new FfmpegVideoEncoder(kind.name, opts, opts.ffmpeg, argsFor, bound);
  await encoder.started();
  return encoder;
}
