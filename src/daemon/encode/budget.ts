/**
 * The daemon-wide cap on encoders (NAPARI_CUDA_MAX_ENCODERS): every view's encoders (full, half, quarter
 * resolution, the still; each an ffmpeg process plus its warm standby) count against one budget. When it is
 * spent, the encoder that has been idle longest (another view's standby kind, not used for RECLAIM_IDLE_MS)
 * is stopped to make room; with none idle, the new encoder is refused with encoder_limit.
 * A spare (an encoder a view opens ahead of its first frame, server/encoder-set.ts) takes a free slot only,
 * never waits or reclaims for one, and is the first stopped, idle or not, while no frame has used it.
 */
import { NapariCudaError } from "../../protocol/errors.js";
import type { EncodedFrame, VideoEncoder } from "./types.js";

/** An encoder unused this long (and with no frame in it) may be stopped for another one. */
export const RECLAIM_IDLE_MS = 1000;

/** One encoder counted against the budget; closed once disposed or reclaimed. */
export class BudgetedEncoder implements VideoEncoder {
  private pending = 0;
  private lastUsed = performance.now();
  private released = false;
  private disposing: Promise<void> | null = null;
  /** Set when the budget stopped it for another encoder: its owner must start a new one. */
  reclaimed = false;
  /** Set when a new encoder waits for this one's slot (see EncoderBudget.acquire). */
  claimed = false;

  /**
   * `observe`: told each frame's outcome (null: encoded; else the error), not for frames after dispose.
   * `spare`: opened ahead of use; it stays one (the first reclaimed) until its first frame.
   */
  constructor(
    private readonly inner: VideoEncoder,
    private readonly release: (enc: BudgetedEncoder) => void,
    private readonly observe?: (err: unknown) => void,
    public spare = false,
  ) {}

  get name(): string {
    return this.inner.name;
  }
  get width(): number {
    return this.inner.width;
  }
  get height(): number {
    return this.inner.height;
  }
  /** True once disposed or reclaimed: the owner must not send it frames. */
  get closed(): boolean {
    return this.disposing !== null;
  }

  /** Milliseconds since its last frame, or -1 while a frame is in it. */
  idleMs(now: number): number {
    return this.pending > 0 ? -1 : now - this.lastUsed;
  }

  encode(pixels: Uint8Array, opts?: { keyframe?: boolean }): Promise<EncodedFrame> {
    this.spare = false;
    this.pending++;
    this.lastUsed = performance.now();
    const out = this.inner.encode(pixels, opts);
    const done = (err: unknown): void => {
      this.pending--;
      this.lastUsed = performance.now();
      if (!this.closed) this.observe?.(err);
    };
    out.then(
      () => done(null),
      (err: unknown) => done(err ?? new Error("encode failed")),
    );
    return out;
  }

  /** Stops the encoder; its slot is freed only once the process has exited (so the cap counts processes). */
  dispose(): Promise<void> {
    if (!this.disposing) {
      this.disposing = this.inner
        .dispose()
        .catch(() => undefined)
        .then(() => {
          if (!this.released) {
            this.released = true;
            this.release(this);
          }
        });
    }
    return this.disposing;
  }
}

export class EncoderBudget {
  private readonly live = new Set<BudgetedEncoder>();
  /** Slots taken by encoders still starting. */
  private starting = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max encoders must be a positive integer, got ${max}`);
  }

  /** Encoders counted now (started and starting). */
  get used(): number {
    return this.live.size + this.starting;
  }

  /**
   * Start an encoder through `start` within the budget: reclaims the longest-idle encoder when it is spent,
   * else rejects with encoder_limit naming the setting. The slot is freed when the encoder's process has
   * exited after dispose (or at once when `start` fails). `observe` is told each frame's outcome (BudgetedEncoder).
   * A `spare` is refused with encoder_limit unless a slot is free now: it must not stop or delay anything.
   */
  async acquire(
    start: () => Promise<VideoEncoder>,
    observe?: (err: unknown) => void,
    spare = false,
  ): Promise<BudgetedEncoder> {
    // A slot still held by an exiting encoder, or by one stopped for us, is waited for: never two processes
    // for one slot. Each such encoder is claimed by one waiter only.
    const full = this.used >= this.max;
    const wait = full ? (spare ? null : (this.claimExiting() ?? this.reclaimOne())) : undefined;
    if (wait === null) {
      throw new NapariCudaError(
        "encoder_limit",
        `the daemon runs its most encoders (${this.max}, NAPARI_CUDA_MAX_ENCODERS) and none is idle; ` +
          `close a view or raise NAPARI_CUDA_MAX_ENCODERS`,
        { path: "NAPARI_CUDA_MAX_ENCODERS" },
      );
    }
    this.starting++;
    let inner: VideoEncoder;
    try {
      if (wait) await wait;
      inner = await start();
    } finally {
      this.starting--;
    }
    const enc = new BudgetedEncoder(inner, (e) => this.live.delete(e), observe, spare);
    this.live.add(enc);
    return enc;
  }

  /** An encoder already stopping whose slot nobody waits for yet: its exit, or null. */
  private claimExiting(): Promise<void> | null {
    for (const e of this.live) {
      if (e.closed && !e.claimed) {
        e.claimed = true;
        return e.dispose();
      }
    }
    return null;
  }

  /**
   * Stop a spare no frame has used yet, else the encoder idle longest (at least RECLAIM_IDLE_MS): its exit,
   * or null when none is idle.
   */
  private reclaimOne(): Promise<void> | null {
    const now = performance.now();
    let best: BudgetedEncoder | null = null;
    for (const e of this.live) {
      if (e.closed) continue;
      if (e.spare) {
        best = e;
        break;
      }
      const idle = e.idleMs(now);
      if (idle >= RECLAIM_IDLE_MS && (best === null || idle > best.idleMs(now))) best = e;
    }
    if (best === null) return null;
    best.reclaimed = true;
    best.claimed = true;
    return best.dispose();
  }
}
