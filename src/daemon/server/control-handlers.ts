/**
 * The control requests that touch data, renders or daemon facts, as functions of the daemon context:
 * each returns its result (control-session.ts sends it, in request order).
 */
import {
  NapariCudaError,
  PROTOCOL_VERSION,
  type InfoResult,
  type OpenLayerResult,
  type ScreenshotResult,
} from "../../protocol/index.js";
import type { Logger } from "../log.js";
import { exactFrame } from "../scene/live-scene.js";
import { openLayerResult } from "../scene/open-result.js";
import { DAEMON_VERSION } from "../version.js";
import type { DaemonContext } from "./context.js";
import type { ControlRequest } from "../../protocol/index.js";

type Req<Op extends ControlRequest["op"]> = Extract<ControlRequest, { op: Op }>;

/** Store a layer's array (the binary message after the request); creates the viewer. */
export function setLayerData(ctx: DaemonContext, log: Logger, req: Req<"set_layer_data">, bytes: Buffer): object {
  if (bytes.byteLength !== req.nbytes) {
    throw new NapariCudaError("invalid_data", `got ${bytes.byteLength} bytes, nbytes says ${req.nbytes}`, {
      path: "nbytes",
    });
  }
  ctx.viewers.setLayer(req.viewer_id, req.layer_id, req.dtype, req.shape, bytes);
  ctx.hub.openViewer(req.viewer_id);
  ctx.hub.notifyDataChanged(req.viewer_id);
  log.info({ viewer: req.viewer_id, layer: req.layer_id, dtype: req.dtype, shape: req.shape }, "layer data set");
  return {};
}

/** Open a dataset as a layer; creates the viewer. A layer whose metadata cannot be read is not kept. */
export async function openLayer(ctx: DaemonContext, log: Logger, req: Req<"open_layer">): Promise<OpenLayerResult> {
  const entry = await ctx.viewers.openLayer(req.viewer_id, req.layer_id, req.uri, req.select);
  ctx.hub.openViewer(req.viewer_id); // the store holds the viewer now, whatever follows
  if (entry.kind !== "source") throw new NapariCudaError("internal", "open_layer made no source layer");
  let result: OpenLayerResult;
  try {
    result = await openLayerResult(ctx.scene.store, entry);
  } catch (err) {
    // The layer is unusable (e.g. a corrupt coarsest chunk): do not keep it.
    ctx.viewers.removeLayer(req.viewer_id, req.layer_id);
    throw err;
  }
  ctx.hub.notifyDataChanged(req.viewer_id);
  log.info({ viewer: req.viewer_id, layer: req.layer_id, uri: entry.source.info.uri }, "layer opened");
  return result;
}

/** Render `state` exactly (finest wanted levels, chunks awaited): the result and its RGBA pixels. */
export async function screenshot(
  ctx: DaemonContext,
  req: Req<"screenshot">,
): Promise<{ result: ScreenshotResult; pixels: Buffer }> {
  const { store, assembler, still } = ctx.scene;
  const scene = await exactFrame(assembler, store, ctx.viewers.layers(req.viewer_id), still, req.state, req.canvas);
  const frame = await ctx.renderer.render(scene.request);
  // Copy: the renderer may reuse its buffer once released, while the socket still writes ours.
  const pixels = Buffer.from(frame.rgba);
  ctx.renderer.release(frame);
  const result: ScreenshotResult = {
    width: frame.width,
    height: frame.height,
    format: "rgba8",
    nbytes: pixels.byteLength,
    levels: Object.fromEntries(scene.layers.map((l) => [l.id, l.drawn ?? l.wanted])),
  };
  return { result, pixels };
}

/** Daemon facts for `viewer.info()`. */
export async function info(ctx: DaemonContext): Promise<InfoResult> {
  const enc = await ctx.encoders.describe();
  return {
    version: DAEMON_VERSION,
    protocol: PROTOCOL_VERSION,
    pid: process.pid,
    backend: ctx.backend.name,
    backend_reason: ctx.backend.reason,
    encoder: enc.encoder,
    encoder_reason: enc.reason,
    ffmpeg: enc.ffmpeg,
    viewers: ctx.viewers.count,
    views: ctx.hub.size,
  };
}
