/**
 * What one view draws: resolves each frame through the scene (level choice with
 * hysteresis, progressive chunk loading), renders it, and keeps the client informed:
 * a level switch makes the frame a keyframe and sends meta; a change in loading sends
 * meta; a dwell waiting to expire re-renders without new input.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { StreamMeta, StreamMetaLayer } from "../../protocol/index.js";
import { NapariCudaError } from "../../protocol/index.js";
import type { Logger } from "../log.js";
import { formatDecision, LiveChooser } from "../scene/choosers.js";
import {
  InteractiveQuality,
  REFINE_AFTER_MS,
  STILL_AFTER_MS,
  type FrameCost,
  type FrameScale,
} from "../scene/interactive.js";
import { LiveScene } from "../scene/live-scene.js";
import type { LayerResolution } from "../scene/resolve.js";
import type { DaemonContext } from "./context.js";
import { frameGeometry } from "./overscan.js";
import type { PumpFrame, ViewRequest } from "./pump-types.js";

export interface ViewFrameHooks {
  /** Render again with the latest state (chunks arrived, a dwell expired). */
  markDirty(): void;
  /** Make the frame being produced a keyframe. */
  keyframeNext(): void;
  sendMeta(meta: StreamMeta): void;
  sendError(err: NapariCudaError): void;
  log: Logger;
}

/** A rendered frame plus the level the header reports (first visible multiscale layer) and its kind. */
export type ViewFrame = Required<PumpFrame>;

/** Redraws for arriving chunks come at most this often (ms); moves redraw at once as ever. */
export const LOAD_REDRAW_MS = 200;

export class ViewFrames {
  private readonly chooser: LiveChooser;
  private readonly scene: LiveScene;
  private last: LayerResolution[] = [];
  /** Chunks pending when the last frame was resolved: meta describes that frame, not a later moment. */
  private lastLoading = 0;
  private sentMeta = "";
  private dwellTimer: NodeJS.Timeout | undefined;
  private refineTimer: NodeJS.Timeout | undefined;
  private loadTimer: NodeJS.Timeout | undefined;
  private lastLoadRedraw = -Infinity;
  private readonly quality: InteractiveQuality;
  private disposed = false;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly viewerId: string,
    private readonly hooks: ViewFrameHooks,
  ) {
    const ms = ctx.config.msAuto;
    this.quality = new InteractiveQuality(ctx.config.interactiveMs);
    this.quality.changed(); // the hello's state: the first frame is not a still, one follows at rest
    this.chooser = new LiveChooser(ms, undefined, ms.debug ? (line) => hooks.log.info(line) : undefined);
    this.scene = new LiveScene({
      assembler: ctx.scene.assembler,
      store: ctx.scene.store,
      entries: () => ctx.viewers.layers(viewerId),
      chooser: this.chooser,
      onLoaded: (chunks, bytes) => {
        ctx.metrics.chunksLoadedAdd(chunks, bytes);
        this.loadRedraw();
      },
      onError: (err) => {
        if (!this.disposed) hooks.sendError(err);
      },
    });
  }

  async render(req: ViewRequest, signal: AbortSignal): Promise<ViewFrame> {
    const { state, canvas } = req;
    const delay = this.ctx.config.renderDelayMs;
    if (delay > 0) await sleep(delay, undefined, { signal });
    const now = performance.now();
    const moving = this.quality.moving(now);
    const scale: FrameScale = this.quality.answering(now)
      ? (Math.max(this.quality.movingScale(state.dims.ndisplay), req.linkScale) as FrameScale)
      : 1;
    let still = req.stills && !moving && this.quality.restingFor(now) >= STILL_AFTER_MS;
    const geo = frameGeometry(canvas, req.margins, scale);
    const full = scale === 1 ? geo : frameGeometry(canvas, req.margins, 1);
    // Levels follow the view's own pixel density: margins and the moving scale change neither.
    const f = this.scene.frame(state, geo.canvas, canvas);
    this.last = f.layers;
    // Taken now: chunks may all land while the frame renders, and a count read after the render would
    // then be 0 in every meta of a short load (the view's loading indicator would never show).
    this.lastLoading = this.scene.loading;
    // A still of half-loaded tiles would be the sharp final frame of a view that is still filling in.
    const partial = f.layers.some((l) => l.partial);
    if (partial) still = false;
    const decisions = this.chooser.take(new Set(state.layers.map((l) => l.id)));
    let wait: number | null = null;
    for (const [id, d] of decisions) {
      if (d.switched) {
        this.hooks.keyframeNext();
        if (d.auto) this.ctx.metrics.switched(d.dwellMs, d.reason === "oversub" ? "coarser" : "finer");
        if (this.ctx.config.msAuto.debug) this.hooks.log.info({ layer: id }, formatDecision(d, d.level));
      }
      if (d.nextCheckMs !== null) wait = Math.min(wait ?? Infinity, d.nextCheckMs);
    }
    this.scheduleCheck(wait);
    const frame = await this.ctx.renderer.render(f.request, signal);
    if (scale > 1) this.scheduleRedraw(REFINE_AFTER_MS);
    // While tiles fill in, each loaded chunk redraws the view: no timer, or it would spin.
    else if (req.stills && !still && !partial) this.scheduleRedraw(STILL_AFTER_MS - this.quality.restingFor());
    this.maybeSendMeta();
    const first = f.layers.find((l) => l.count > 1) ?? f.layers[0];
    return {
      frame,
      level: first?.drawn ?? first?.wanted ?? 0,
      levelCount: first?.count ?? 1,
      marginX: geo.marginX,
      marginY: geo.marginY,
      scale,
      moving,
      fullPixels: full.canvas.width * full.canvas.height,
      still,
    };
  }

  /**
   * The coded size of the first moving frame of a drag started now (the same request, moving), or null
   * when it is the size at rest: the render pump opens its encoder ahead (render-pump.ts).
   */
  movingSize(req: ViewRequest): { width: number; height: number } | null {
    const scale = Math.max(this.quality.movingScale(req.state.dims.ndisplay), req.linkScale) as FrameScale;
    if (scale === 1) return null;
    const { width, height } = frameGeometry(req.canvas, req.margins, scale).canvas;
    return { width, height };
  }

  /** A new state came from the view: motion decides the size of the next frames. */
  stateChanged(): void {
    this.quality.changed();
  }

  /** Stills became possible (the encoder was described): draw one once the view has rested. */
  stillsEnabled(): void {
    if (!this.disposed) this.scheduleRedraw(STILL_AFTER_MS - this.quality.restingFor());
  }

  /** A displayed frame's measured cost (the render pump reports it when the client acks). */
  observeCost(cost: FrameCost): void {
    this.quality.observe(cost);
  }

  /** Meta for the viewer's layers as this view last drew them. */
  meta(): StreamMeta {
    const drawn = new Map(this.last.map((l) => [l.id, l]));
    const layers: StreamMetaLayer[] = [...this.ctx.viewers.layers(this.viewerId).values()].map((e) => {
      const r = drawn.get(e.id);
      return {
        id: e.id,
        shape: [...e.levels[0]!.shape],
        dtype: e.dtype,
        // A layer this view has not drawn yet is not loaded: its level is not known before a frame.
        loaded: r ? r.drawn === r.wanted && !r.partial : false,
        data_level: r?.drawn ?? r?.wanted ?? e.levels.length - 1,
        level_count: e.levels.length,
      };
    });
    const first = layers.find((l) => l.level_count > 1) ?? layers[0];
    return {
      type: "meta",
      layers,
      level: first?.data_level ?? 0,
      level_count: first?.level_count ?? 1,
      loading: this.lastLoading,
    };
  }

  /** Send meta now (hello, data changed) or when it differs from the last one sent. */
  maybeSendMeta(force = false): void {
    const meta = this.meta();
    const text = JSON.stringify(meta);
    if (!force && text === this.sentMeta) return;
    this.sentMeta = text;
    this.hooks.sendMeta(meta);
  }

  /**
   * Draw the view again in `ms` (a full-resolution refine after moving frames, or a still once it
   * rests): the next render decides what it is from the state changes by then.
   */
  private scheduleRedraw(ms: number): void {
    clearTimeout(this.refineTimer);
    this.refineTimer = setTimeout(
      () => {
        this.refineTimer = undefined;
        if (!this.disposed) this.hooks.markDirty();
      },
      Math.max(0, ms) + 5, // libuv's timer clock is coarser than performance.now(): late, never early
    );
  }

  /**
   * Chunks arrived: draw them, at most every LOAD_REDRAW_MS (the first at once). An overview of
   * hundreds of small tiles would otherwise render and encode a frame per tile, on the cores that
   * compute the tiles (4 GiB bench: 512 frames while filling).
   */
  private loadRedraw(): void {
    if (this.disposed || this.loadTimer !== undefined) return;
    const wait = this.lastLoadRedraw + LOAD_REDRAW_MS - performance.now();
    if (wait <= 0) {
      this.lastLoadRedraw = performance.now();
      this.hooks.markDirty();
      return;
    }
    this.loadTimer = setTimeout(() => {
      this.loadTimer = undefined;
      this.lastLoadRedraw = performance.now();
      if (!this.disposed) this.hooks.markDirty();
    }, Math.ceil(wait));
  }

  private scheduleCheck(wait: number | null): void {
    clearTimeout(this.dwellTimer);
    this.dwellTimer = undefined;
    if (wait === null || this.disposed) return;
    this.dwellTimer = setTimeout(
      () => {
        this.dwellTimer = undefined;
        if (!this.disposed) this.hooks.markDirty();
      },
      Math.ceil(wait) + 1,
    );
  }

  /** Stop loads and timers. Never throws. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.dwellTimer);
    clearTimeout(this.refineTimer);
    clearTimeout(this.loadTimer);
    this.scene.dispose();
  }
}
