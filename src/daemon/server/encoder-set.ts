/**
 * The encoders of one view, one per frame kind: the canvas size (overscan included), while the view
 * moves the half- or quarter-resolution size (scene/interactive.ts, server/link-control.ts), and at
 * rest the 4:4:4 still (same size, another profile). They stay open, so a switch continues that
 * encoder's stream (the widget keeps a decoder per kind: no keyframe), and a keyframe the client asks
 * for comes from the encoder's warm standby process, not a cold ffmpeg start. The least recently used one
 * is stopped when one more kind comes (e.g. a resize), and kinds unused for ENCODER_RETIRE_MS (an old
 * overscan size, a half resolution after moving) are stopped too, except the two used last: a view at
 * rest keeps its full and still encoders, not the processes of every size it passed through.
 *
 * A spare: while the view rests, the encoder of the size its next drag starts with is opened ahead
 * (warm()), since starting one (two ffmpeg processes) held the drag's first frame back ~100 ms on an idle
 * 2-core machine and ~300 ms under load. It is kept while it stays the spare (retireIdle skips it), sits
 * first in line when a new kind needs room, and takes only a free slot of the daemon's budget.
 */
import { NapariCudaError } from "../../protocol/index.js";
import type { VideoEncoder } from "../encode/types.js";

/** Full, half and quarter resolution, and the still: a view never needs more at once. */
export const MAX_ENCODERS_PER_VIEW = 4;
/** An encoder kind unused this long is stopped (unless it is one of the two used last). */
export const ENCODER_RETIRE_MS = 30_000;
/** How often the set looks for such kinds. */
const RETIRE_CHECK_MS = 5_000;

interface Entry {
  opening: Promise<VideoEncoder>;
  /** Set once `opening` resolved. */
  encoder?: VideoEncoder;
  lastUsed: number;
}

export class EncoderSet {
  /** Open or opening encoders by "WxH" (+ ":still"); insertion order is recency (the first is the least recent). */
  private readonly live = new Map<string, Entry>();
  /** Encoders being stopped: dispose() waits for them so no ffmpeg outlives the view. */
  private readonly stopping = new Set<Promise<void>>();
  private disposed = false;
  private readonly retireTimer: NodeJS.Timeout;
  /** Key of the size warm() was last asked for: not retired while idle. */
  private spareKey: string | null = null;

  constructor(
    private readonly create: (width: number, height: number, still: boolean, spare: boolean) => Promise<VideoEncoder>,
    private readonly retireMs: number = ENCODER_RETIRE_MS,
  ) {
    this.retireTimer = setInterval(() => this.retireIdle(performance.now()), Math.min(RETIRE_CHECK_MS, retireMs));
    this.retireTimer.unref();
  }

  /** Stop kinds unused for `retireMs`, keeping the two used last and the spare. Returns how many were stopped. */
  retireIdle(now: number): number {
    const keys = [...this.live.keys()].filter((k) => k !== this.spareKey);
    let stopped = 0;
    for (const k of keys.slice(0, Math.max(0, keys.length - 2))) {
      const e = this.live.get(k)!;
      if (e.encoder === undefined || now - e.lastUsed < this.retireMs) continue;
      this.live.delete(k);
      this.stop(e.opening);
      stopped++;
    }
    return stopped;
  }

  /** The encoder for this size and kind, created (and the least recently used one stopped) if needed. */
  get(width: number, height: number, still = false): Promise<VideoEncoder> {
    if (this.disposed) return Promise.reject(new NapariCudaError("shutting_down", "stream closed"));
    const key = `${width}x${height}${still ? ":still" : ""}`;
    let cur = this.live.get(key);
    if (cur?.encoder?.closed === true) {
      // Reclaimed by the daemon's encoder budget for another view: start a new one.
      this.live.delete(key);
      cur = undefined;
    }
    if (cur) {
      this.live.delete(key);
      this.live.set(key, cur);
      cur.lastUsed = performance.now();
      return cur.opening;
    }
    return this.open(key, width, height, still, false).opening;
  }

  /**
   * Open the (non-still) encoder of this size ahead of its first frame, as the view's spare; nothing when
   * it is open or opening (null: no spare, the last one may retire). It is placed least recent (the first
   * stopped when a new kind needs room), and a budget without a free slot refuses it: then the frame that
   * needs it starts it, as without a spare.
   */
  warm(size: { width: number; height: number } | null): void {
    if (this.disposed) return;
    if (size === null) {
      this.spareKey = null;
      return;
    }
    const { width, height } = size;
    const key = `${width}x${height}`;
    this.spareKey = key;
    const cur = this.live.get(key);
    if (cur !== undefined && cur.encoder?.closed !== true) return;
    this.live.delete(key);
    const entry = this.open(key, width, height, false, true);
    const rest = [...this.live].filter(([k]) => k !== key);
    this.live.clear();
    for (const [k, e] of [[key, entry] as const, ...rest]) this.live.set(k, e);
  }

  /** The open encoder of this size and kind, if there is one (none is started). */
  peek(width: number, height: number, still = false): VideoEncoder | undefined {
    const enc = this.live.get(`${width}x${height}${still ? ":still" : ""}`)?.encoder;
    return enc?.closed === true ? undefined : enc;
  }

  /** False once `enc` was replaced, dropped or stopped (here or by the encoder budget): its frames must not go out. */
  has(enc: VideoEncoder): boolean {
    return enc.closed !== true && this.keyOf(enc) !== undefined;
  }

  /** Forget and stop `enc` (it failed); the next frame of its kind starts a new one. */
  drop(enc: VideoEncoder): void {
    const key = this.keyOf(enc);
    if (key !== undefined) this.live.delete(key);
    this.stop(Promise.resolve(enc));
  }

  /** Stop every encoder, waiting until their ffmpeg processes are gone. Never throws. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.retireTimer);
    for (const e of this.live.values()) this.stop(e.opening);
    this.live.clear();
    await Promise.all([...this.stopping]);
  }

  /** A new entry for `key` (the least recently used ones stopped to make room), most recent for now. */
  private open(key: string, width: number, height: number, still: boolean, spare: boolean): Entry {
    for (const [k, old] of this.live) {
      if (this.live.size < MAX_ENCODERS_PER_VIEW) break;
      this.live.delete(k);
      this.stop(old.opening);
    }
    const entry: Entry = { opening: this.create(width, height, still, spare), lastUsed: performance.now() };
    this.live.set(key, entry);
    entry.opening.then(
      (enc) => (entry.encoder = enc),
      // A failed creation is forgotten, so the next frame of this kind tries again.
      () => this.live.get(key) === entry && this.live.delete(key),
    );
    return entry;
  }

  private keyOf(enc: VideoEncoder): string | undefined {
    for (const [k, e] of this.live) if (e.encoder === enc) return k;
    return undefined;
  }

  private stop(enc: Promise<VideoEncoder>): void {
    const done = enc.then(
      (e) => e.dispose().catch(() => undefined),
      () => undefined,
    );
    this.stopping.add(done);
    void done.then(() => this.stopping.delete(done));
  }
}
