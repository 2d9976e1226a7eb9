/**
 * Presentation on the display clock: decoded frames wait here for the next animation frame, where
 * only the newest is drawn. Frames of two decoders (two coded sizes) can finish out of order, so a
 * frame older than one already drawn or waiting is never shown. Every frame handed in is reported
 * exactly once: drawn (`displayed`) or not (`dropped`), so each gets its one ack.
 *
 * A redraw of a state already on screen (the full-resolution refine or the still of a rest, or a
 * redraw for loaded chunks: its seq is the shown frame's) is not drawn when the view has already
 * sent a newer state (`superseded`): the daemon's frame for that one follows, and the user is moving
 * again. Drawing it cost this 2-core machine's software Chromium 30-50 ms of the main thread (the
 * YUV conversion of a 1472x912 frame and a canvas resize), which held up the predicted draws of the
 * move it interrupted: perceived m2p p95 36-52 ms on the bench's pauses and notches (docs/latency.md).
 * The daemon renders every state it accepts; one it refuses (invalid_message) or fails to render
 * (render_failed) shows as an error, and the view keeps the frame it has until the next input.
 */
import type { FrameHeader } from "../../protocol/frame.js";
import type { DisplayedFrame } from "../instrument/stats.js";
import type { FrameClock, ClockTask } from "./frame-clock.js";
import type { InFlight } from "./frame-book.js";

/** Presenter.tick runs before other display tasks (the prediction's redraw). */
export const PRESENT_PRIORITY = 0;

export interface PresenterSink {
  /** Draw the frame on the canvas; it is closed right after this returns (or throws). */
  draw(frame: VideoFrame, header: FrameHeader): void;
  /** The frame is on screen (called after draw, in the same animation frame). */
  displayed(f: DisplayedFrame): void;
  /** A decoded frame that will not be shown (a newer one came first). */
  dropped(frameId: number): void;
  /** The view has sent a state newer than `seq` (a frame for it will follow). Absent: never. */
  superseded?(seq: number): boolean;
}

interface Pending {
  frame: VideoFrame;
  info: InFlight;
  decodeMs: number;
}

export class Presenter {
  private pending: Pending | null = null;
  /** The newest frame id drawn or waiting: anything at or below it is late. */
  private newest = 0;
  /** The seq of the frame on screen (-1: none yet). */
  private shownSeq = -1;
  private readonly task: ClockTask;
  private disposed = false;

  constructor(
    clock: FrameClock,
    private readonly sink: PresenterSink,
    private readonly now: () => number = () => performance.now(),
    private readonly wallNow: () => number = () => Date.now(),
  ) {
    this.task = clock.task(PRESENT_PRIORITY, () => this.present());
  }

  /** A frame waits to be drawn (else null). */
  get waiting(): boolean {
    return this.pending !== null;
  }

  /** A decoded frame: kept for the next animation frame unless a newer one is already known. */
  offer(frame: VideoFrame, info: InFlight, decodeMs: number): void {
    const id = info.header.frameId;
    if (this.disposed || id <= this.newest) {
      frame.close();
      this.sink.dropped(id);
      return;
    }
    const old = this.pending;
    this.pending = { frame, info, decodeMs };
    this.newest = id;
    if (old !== null) {
      old.frame.close();
      this.sink.dropped(old.info.header.frameId);
    }
    this.task.request();
  }

  /**
   * The connection dropped: a waiting frame is closed without an ack (its id belongs to the old
   * daemon session, whose frame ids the next one starts over).
   */
  reset(): void {
    this.pending?.frame.close();
    this.pending = null;
    this.newest = 0;
    this.shownSeq = -1;
  }

  /** Close a waiting frame (no ack: the socket is closing); safe to call twice; never throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.task.remove();
    this.reset();
  }

  /** The animation frame: draw the newest decoded frame, then do its bookkeeping. */
  private present(): void {
    const p = this.pending;
    this.pending = null;
    if (p === null || this.disposed) return;
    const { seq } = p.info.header;
    if (seq <= this.shownSeq && this.sink.superseded?.(seq) === true) {
      p.frame.close();
      this.sink.dropped(p.info.header.frameId);
      return;
    }
    let drawn = false;
    try {
      this.sink.draw(p.frame, p.info.header);
      drawn = true;
      this.shownSeq = seq;
    } finally {
      p.frame.close();
      // A failed draw still gets its one ack, as not shown.
      if (!drawn) this.sink.dropped(p.info.header.frameId);
    }
    this.sink.displayed({
      header: p.info.header,
      bytes: p.info.bytes,
      decodeMs: p.decodeMs,
      displayedAt: this.now(),
      displayedWall: this.wallNow(),
    });
  }
}
