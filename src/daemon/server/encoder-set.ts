/**
 * The encoders of one view, one per frame size: the canvas size and, while the view moves on a slow
 * node, the half-resolution size (scene/interactive.ts). Both stay warm so switching between them
 * costs one keyframe, not an ffmpeg start. The least recently used one goes when a third size comes
 * (the canvas was resized).
 */
import { NapariCudaError } from "../../protocol/index.js";
import type { VideoEncoder } from "../encode/types.js";

export const MAX_ENCODERS_PER_VIEW = 2;

export class EncoderSet {
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly live = new Map<string, VideoEncoder>();
  private disposed = false;

  constructor(private readonly create: (width: number, height: number) => Promise<VideoEncoder>) {}

  /** The encoder for this size, created (and the least recently used one disposed) if needed. */
  async get(width: number, height: number): Promise<VideoEncoder> {
    const key = `${width}x${height}`;
    const cur = this.live.get(key);
    if (cur) {
      this.live.delete(key);
      this.live.set(key, cur);
      return cur;
    }
    for (const [k, old] of this.live) {
      if (this.live.size < MAX_ENCODERS_PER_VIEW) break;
      this.live.delete(k);
      void old.dispose().catch(() => undefined);
    }
    const enc = await this.create(width, height);
    if (this.disposed) {
      await enc.dispose().catch(() => undefined);
      throw new NapariCudaError("shutting_down", "stream closed");
    }
    this.live.set(key, enc);
    return enc;
  }

  /** False once `enc` was replaced, dropped or disposed: its frames must not go out. */
  has(enc: VideoEncoder): boolean {
    return this.live.get(`${enc.width}x${enc.height}`) === enc;
  }

  /** Forget and dispose `enc` (it failed); the next frame of its size starts a new one. */
  drop(enc: VideoEncoder): void {
    if (this.has(enc)) this.live.delete(`${enc.width}x${enc.height}`);
    void enc.dispose().catch(() => undefined);
  }

  /** Dispose every encoder (their ffmpeg processes are killed). Never throws. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.all(all.map((e) => e.dispose().catch(() => undefined)));
  }
}
