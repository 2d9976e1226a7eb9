/**
 * The encoders of one view, one per frame size: the canvas size and, while the view moves on a slow
 * node, the half-resolution size (scene/interactive.ts). Both stay open, so a switch costs a keyframe
 * from that encoder's warm standby process (a new standby then starts in the background), not a cold
 * ffmpeg start. The least recently used one is stopped when a third size comes (the canvas was resized).
 */
import { NapariCudaError } from "../../protocol/index.js";
import type { VideoEncoder } from "../encode/types.js";

export const MAX_ENCODERS_PER_VIEW = 2;

interface Entry {
  opening: Promise<VideoEncoder>;
  /** Set once `opening` resolved. */
  encoder?: VideoEncoder;
}

export class EncoderSet {
  /** Open or opening encoders by "WxH"; insertion order is recency (the first is the least recent). */
  private readonly live = new Map<string, Entry>();
  /** Encoders being stopped: dispose() waits for them so no ffmpeg outlives the view. */
  private readonly stopping = new Set<Promise<void>>();
  private disposed = false;

  constructor(private readonly create: (width: number, height: number) => Promise<VideoEncoder>) {}

  /** The encoder for this size, created (and the least recently used one stopped) if needed. */
  get(width: number, height: number): Promise<VideoEncoder> {
    if (this.disposed) return Promise.reject(new NapariCudaError("shutting_down", "stream closed"));
    const key = `${width}x${height}`;
    const cur = this.live.get(key);
    if (cur) {
      this.live.delete(key);
      this.live.set(key, cur);
      return cur.opening;
    }
    for (const [k, old] of this.live) {
      if (this.live.size < MAX_ENCODERS_PER_VIEW) break;
      this.live.delete(k);
      this.stop(old.opening);
    }
    const entry: Entry = { opening: this.create(width, height) };
    this.live.set(key, entry);
    entry.opening.then(
      (enc) => (entry.encoder = enc),
      // A failed creation is forgotten, so the next frame of this size tries again.
      () => this.live.get(key) === entry && this.live.delete(key),
    );
    return entry.opening;
  }

  /** False once `enc` was replaced, dropped or stopped: its frames must not go out. */
  has(enc: VideoEncoder): boolean {
    return this.live.get(`${enc.width}x${enc.height}`)?.encoder === enc;
  }

  /** Forget and stop `enc` (it failed); the next frame of its size starts a new one. */
  drop(enc: VideoEncoder): void {
    if (this.has(enc)) this.live.delete(`${enc.width}x${enc.height}`);
    this.stop(Promise.resolve(enc));
  }

  /** Stop every encoder, waiting until their ffmpeg processes are gone. Never throws. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const e of this.live.values()) this.stop(e.opening);
    this.live.clear();
    await Promise.all([...this.stopping]);
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
