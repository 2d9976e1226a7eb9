/**
 * What the canvas shows: the last decoded frame, warped from the camera it was rendered with to
 * the camera the user has now (client-side prediction), or as rendered when prediction is off.
 *
 * With prediction on, each decoded frame is first copied (overscan margins included) into a store
 * canvas: a warped redraw from it is a canvas-to-canvas blit (0.1-0.3 ms at 1280x720 in software
 * Chromium) where a redraw from a VideoFrame kept open would convert its YUV again each time
 * (4-16 ms). The copy itself costs what drawing the frame straight onto the canvas did.
 *
 * The visible canvas's backing store keeps the view's device size whatever the frame's size: a
 * half-resolution moving frame is drawn scaled up (nearest, 0.3 ms). Resizing the canvas to each
 * frame's size instead made Chromium drop the canvas's pooled compositor buffers at every switch
 * between half and full resolution (moving frame, refine) and allocate new ones, 9-18 ms of the
 * main thread in the commit of the next two changed frames (traced: docs/latency.md).
 */
import type { FrameHeader } from "../../protocol/frame.js";
import type { PredictView } from "../predict/camera-log.js";
import { isIdentity, warpAffine, type Affine } from "../predict/warp.js";
import type { ViewStats } from "../instrument/stats.js";
import { drawPlan, samePlan, viewSize, type DrawPlan, type PictureGeometry, type Size } from "./draw-plan.js";
import type { ClockTask, FrameClock } from "./frame-clock.js";
import type { ViewDom } from "./view-dom.js";

/** The prediction's redraw runs after the presenter's new frame in one animation frame. */
export const REPAINT_PRIORITY = 10;

export interface PainterHost {
  /** Whether prediction is on (the `predict` trait). */
  predict(): boolean;
  /** The view the user has now. */
  view(): PredictView;
  /** The view a frame was rendered with, by its header's seq; undefined when unknown. */
  frameView(seq: number): PredictView | undefined;
  /** The canvas's CSS size, null before the first measure. */
  cssSize(): Size | null;
  /** The canvas's size in device px (the backing store's size), null before the first measure. */
  deviceSize(): Size | null;
}

interface Stored extends PictureGeometry {
  view: PredictView | undefined;
}

export class Painter {
  private store: HTMLCanvasElement | null = null;
  private storeCtx: CanvasRenderingContext2D | null = null;
  private picture: Stored | null = null;
  private last: DrawPlan | null = null;
  private readonly task: ClockTask;

  constructor(
    private readonly dom: ViewDom,
    private readonly host: PainterHost,
    private readonly stats: ViewStats,
    clock: FrameClock,
  ) {
    this.task = clock.task(REPAINT_PRIORITY, () => this.repaint());
  }

  /** Draw a decoded daemon frame (in the animation frame); the caller closes it afterwards. */
  frame(frame: VideoFrame, header: FrameHeader): void {
    const geometry = {
      width: frame.displayWidth,
      height: frame.displayHeight,
      marginX: header.marginX,
      marginY: header.marginY,
    };
    this.sizeCanvas(viewSize(geometry));
    if (!this.host.predict()) {
      this.drop();
      this.draw(frame, this.plan(geometry, null), null);
      this.stats.drew(false);
      return;
    }
    const ctx = this.storeContext(geometry);
    if (ctx === null) return;
    ctx.drawImage(frame, 0, 0);
    this.picture = { ...geometry, view: this.host.frameView(header.seq) };
    this.last = null;
    this.paint();
  }

  /** The camera (or the canvas) changed: redraw the stored frame for it at the next animation frame. */
  request(): void {
    if (this.picture !== null) this.task.request();
  }

  /** The canvas was resized (its picture scaled by resizeCanvas): redraw the stored frame crisp. */
  resized(): void {
    this.last = null;
    this.request();
  }

  /** Prediction was turned off: show the stored frame as rendered, then let it go. */
  predictOff(): void {
    if (this.picture !== null && this.stats.predicting) {
      this.last = null;
      this.paint();
    }
    this.drop();
  }

  /** Release the store; safe to call twice; never throws. */
  dispose(): void {
    this.task.remove();
    this.drop();
  }

  private repaint(): void {
    if (this.picture !== null && this.host.predict()) this.paint();
  }

  private paint(): void {
    const pic = this.picture;
    const store = this.store;
    if (pic === null || store === null) return;
    const css = this.host.cssSize() ?? viewSize(pic);
    const warp =
      this.host.predict() && pic.view !== undefined
        ? warpAffine(pic.view, this.host.view(), css.width, css.height)
        : null;
    const plan = this.plan(pic, warp, css);
    if (this.last !== null && samePlan(plan, this.last)) return;
    this.last = plan;
    this.draw(store, plan, warp);
    this.stats.drew(warp !== null && !isIdentity(warp), plan.covers);
  }

  /** How to draw a picture of `pic`'s geometry, warped by `warp`, onto the canvas as it is now. */
  private plan(pic: PictureGeometry, warp: Affine | null, css = this.host.cssSize() ?? viewSize(pic)): DrawPlan {
    const { canvas } = this.dom;
    return drawPlan(warp, pic, { width: canvas.width, height: canvas.height }, css);
  }

  /** Draw `source` by `plan` (`warp`: the prediction it includes, null for a frame as rendered). */
  private draw(source: CanvasImageSource, plan: DrawPlan, warp: Affine | null): void {
    const { ctx } = this.dom;
    if (plan.kind === "blit") {
      if (!plan.covers) this.clear();
      ctx.drawImage(source, plan.x, plan.y);
    } else {
      this.clear();
      // Nearest-neighbour: 0.3-0.4 ms instead of 1.5-2.8 ms bilinear at 1280x720 in software, for a
      // prediction (it shows until the daemon's frame for it arrives) and a half-resolution frame.
      // A full frame one pixel short of an odd canvas (4:2:0 needs even sizes) keeps smooth
      // scaling: no doubled column.
      const upscale = Math.abs(plan.m[0]) >= 1.5 || Math.abs(plan.m[3]) >= 1.5;
      ctx.imageSmoothingEnabled = !upscale && (warp === null || isIdentity(warp));
      ctx.setTransform(...plan.m);
      ctx.drawImage(source, 0, 0);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.imageSmoothingEnabled = true;
    }
  }

  private clear(): void {
    const { canvas, ctx } = this.dom;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  /**
   * Keep the canvas's pixel buffer at the view's device size (`view`, the frame's view region, only
   * before the first measure): a size change costs the compositor's buffers (see the top).
   */
  private sizeCanvas(view: Size): void {
    const { canvas } = this.dom;
    const size = this.host.deviceSize() ?? view;
    if (canvas.width === size.width && canvas.height === size.height) return;
    canvas.width = size.width;
    canvas.height = size.height;
    this.last = null;
  }

  private storeContext(size: Size): CanvasRenderingContext2D | null {
    if (this.store === null) {
      this.store = this.dom.canvas.ownerDocument.createElement("canvas");
      this.storeCtx = this.store.getContext("2d", { alpha: false });
    }
    if (this.store.width !== size.width || this.store.height !== size.height) {
      this.store.width = size.width;
      this.store.height = size.height;
    }
    return this.storeCtx;
  }

  private drop(): void {
    this.picture = null;
    this.last = null;
    if (this.store !== null) {
      // A 0x0 canvas frees its pixels at once (a detached canvas otherwise waits for GC).
      this.store.width = 0;
      this.store.height = 0;
    }
    this.store = null;
    this.storeCtx = null;
  }
}
