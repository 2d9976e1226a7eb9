/**
 * Decode bookkeeping (pure): keyframe gating after (re)configure and the frames handed to the
 * decoder but not yet output, so every frame gets exactly one ack (flow control is end to end).
 */
import type { FrameHeader } from "../../protocol/frame.js";

/** A frame handed to the decoder. */
export interface InFlight {
  header: FrameHeader;
  bytes: number;
  decodeStart: number;
}

export class FrameBook {
  private needKeyframe = true;
  private readonly inflight = new Map<number, InFlight>();

  /** True until a keyframe was admitted after the last (re)configure or reset. */
  get waitingForKeyframe(): boolean {
    return this.needKeyframe;
  }

  get size(): number {
    return this.inflight.size;
  }

  /** Decoding must restart at a keyframe (configure, decoder reset, dropped delta). */
  requireKeyframe(): void {
    this.needKeyframe = true;
  }

  /** May this frame be decoded? Deltas are refused until a keyframe arrives. */
  admit(keyframe: boolean): boolean {
    if (keyframe) this.needKeyframe = false;
    return !this.needKeyframe;
  }

  /** Record a frame handed to the decoder. */
  add(frameId: number, f: InFlight): void {
    this.inflight.set(frameId, f);
  }

  /**
   * The decoder output `frameId`: returns its record (undefined if unknown) and the ids of
   * older frames that will never be output (the decoder dropped them).
   */
  take(frameId: number): { frame: InFlight | undefined; skipped: number[] } {
    const frame = this.inflight.get(frameId);
    const skipped: number[] = [];
    for (const id of this.inflight.keys()) if (id < frameId) skipped.push(id);
    for (const id of skipped) this.inflight.delete(id);
    this.inflight.delete(frameId);
    return { frame, skipped };
  }

  /** Forget every in-flight frame (decoder reset): returns their ids, oldest first. */
  drain(): number[] {
    const ids = [...this.inflight.keys()].sort((a, b) => a - b);
    this.inflight.clear();
    return ids;
  }
}
