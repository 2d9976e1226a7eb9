/** The render pump's contract with its session (render-pump.ts): what it calls, its limits, its stats. */
import type { Canvas, NapariCudaError, Overscan, ViewerState } from "../../protocol/index.js";
import type { DecoderConfig, VideoEncoder } from "../encode/types.js";
import type { Logger } from "../log.js";
import type { RenderedFrame } from "../render/types.js";
import type { FrameCost, FrameScale } from "../scene/interactive.js";
import type { LinkStats } from "./link-control.js";

/** What the pump asks for: the view's latest state and canvas, its margins, and what the link allows. */
export interface ViewRequest {
  state: ViewerState;
  /** The view's canvas (even sizes, full resolution): levels are chosen for it. */
  canvas: Canvas;
  /** Full-resolution margins per side, already within the budget (server/overscan.ts clampMargins). */
  margins: Overscan;
  /** Scale the link asks for while the view moves (server/link-control.ts); 1 at rest. */
  linkScale: FrameScale;
  /** The client decodes 4:4:4 stills: a frame at rest is one. */
  stills: boolean;
}

/** A rendered frame, the multiscale level its header reports, and what kind of frame it is. */
export interface PumpFrame {
  frame: RenderedFrame;
  level: number;
  levelCount: number;
  /** Coded overscan margins per side (default 0). */
  marginX?: number;
  marginY?: number;
  /** 1 full, 2 half, 4 quarter resolution (default 1). */
  scale?: FrameScale;
  /** Drawn while the view moved (default false). */
  moving?: boolean;
  /** Pixels of the frame at full resolution (default: the frame's own). */
  fullPixels?: number;
  /** Goes to the still (4:4:4) encoder (default false). */
  still?: boolean;
}

export interface PumpDeps {
  render(req: ViewRequest, signal: AbortSignal): Promise<PumpFrame>;
  release(frame: RenderedFrame): void;
  /**
   * Coded size of the first moving frame a drag would start with for `req` (null: the size at rest). The
   * pump opens that encoder as a spare while the view rests, so the drag's first frame finds it running.
   */
  movingSize?(req: ViewRequest): { width: number; height: number } | null;
  /**
   * `still`: the 4:4:4 low-CRF encoder for frames at rest (only asked for when PumpLimits.stills).
   * `spare`: opened ahead of its first frame: only in a free slot of the daemon's encoder budget, and the
   * first one stopped when another encoder needs a slot (encode/budget.ts).
   */
  createEncoder(width: number, height: number, still: boolean, spare?: boolean): Promise<VideoEncoder>;
  /** The encoder produced a new SPS/PPS: the client must (re)configure before the next frame. */
  sendConfig(config: DecoderConfig, encoder: VideoEncoder): void;
  sendFrame(message: Uint8Array): boolean;
  sendError(err: NapariCudaError): void;
  bufferedAmount(): number;
  /** A frame went out: its render and encode times and render start to send (ms), for metrics. */
  observe?(t: { renderMs: number; encodeMs: number; totalMs: number }): void;
  /** The client acked a frame with its decode time: the frame's whole cost (interactive quality). */
  observeCost?(cost: FrameCost): void;
  /** The link estimates after an ack (metrics gauges). */
  observeLink?(stats: LinkStats): void;
  log: Logger;
}

export interface PumpLimits {
  /** Most frames in flight (sent + encoding); the link's window decides below it. */
  maxInFlight: number;
  maxBufferedBytes: number;
  /** Frames in flight before the first ack measured the link; default 2. */
  startInFlight?: number;
  /** Overscan pixel budget (server/overscan.ts); default 1 (no overscan). */
  overscanMaxArea?: number;
  /** Whether the client decodes 4:4:4 stills and the daemon makes them (asked per frame); default no. */
  stills?: () => boolean;
  /** Keyframe requests are honoured at most once per this many ms; default KEYFRAME_INTERVAL_MS (250). */
  keyframeIntervalMs?: number;
}

/** Canvas rounded down to even width/height (yuv420p needs even sizes). */
export function evenCanvas(c: Canvas): Canvas {
  return { ...c, width: c.width & ~1, height: c.height & ~1 };
}

/** Timings and kinds of sent frames and the link's estimates, for stats and logs. */
export interface PumpStats {
  framesSent: number;
  keyframesSent: number;
  stillsSent: number;
  bytesSent: number;
  lastRenderMs: number;
  lastEncodeMs: number;
  lastScale: FrameScale;
  /** Link estimates as of the last ack (link-control.ts). */
  rttMs: number;
  minRttMs: number;
  rateBytesPerSec: number;
  windowFrames: number;
  linkScale: FrameScale;
}
