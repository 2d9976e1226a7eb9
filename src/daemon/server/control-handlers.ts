/**
 * The control requests that touch data, renders or daemon facts, as functions of the daemon context:
 * each returns its result (control-session.ts sends it, in request order).
 */
import {
  NapariCudaError,
  POINT_EXTRA_COLUMNS,
  PROTOCOL_VERSION,
  type InfoResult,
  type LayerRangeResult,
  type OpenLayerResult,
  type ScreenshotResult,
} from "../../protocol/index.js";
import { kernelSource } from "../data/kernel-source.js";
import { applyPatch } from "../data/layer-patch.js";
import { markChanged } from "../render/gpu/generation.js";
import type { Logger } from "../log.js";
import { exactFrame } from "../scene/exact-frame.js";
import { openLayerResult } from "../scene/open-result.js";
import { scanRange, viewRegion } from "../scene/view-range.js";
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

/**
 * Overwrite a box of an in-memory layer (a label edit; the binary message after the request), then
 * redraw. The GPU's cached texture of that array is marked stale (same array, new contents).
 */
export function patchLayerData(ctx: DaemonContext, log: Logger, req: Req<"patch_layer_data">, bytes: Buffer): object {
  if (bytes.byteLength !== req.nbytes) {
    throw new NapariCudaError("invalid_data", `got ${bytes.byteLength} bytes, nbytes says ${req.nbytes}`, {
      path: "nbytes",
    });
  }
  if (!ctx.hub.hasViewer(req.viewer_id)) {
    throw new NapariCudaError("unknown_viewer", `no viewer ${req.viewer_id}`, { path: "viewer_id" });
  }
  const entry = ctx.viewers.layers(req.viewer_id).get(req.layer_id);
  if (!entry) {
    const msg = `no layer ${req.layer_id} in viewer ${req.viewer_id}`;
    throw new NapariCudaError("unknown_layer", msg, { path: "layer_id" });
  }
  if (entry.kind !== "memory") {
    const msg = `layer ${req.layer_id} is read from a dataset, not an array the kernel sent: it cannot be patched`;
    throw new NapariCudaError("unsupported", msg, { path: "layer_id" });
  }
  applyPatch(entry.data, { dtype: req.dtype, start: req.start, shape: req.shape, bytes });
  markChanged(entry.data.data);
  ctx.hub.notifyDataChanged(req.viewer_id);
  log.debug({ viewer: req.viewer_id, layer: req.layer_id, start: req.start, shape: req.shape }, "layer data patched");
  return {};
}

/** Store a Points layer's table (the binary message after the request); creates the viewer. */
export function setPoints(ctx: DaemonContext, log: Logger, req: Req<"set_points">, bytes: Buffer): object {
  const columns = req.ndim + POINT_EXTRA_COLUMNS;
  const nbytes = req.count * columns * 8;
  if (bytes.byteLength !== nbytes || req.nbytes !== nbytes) {
    throw new NapariCudaError(
      "invalid_data",
      `${req.count} points of ${req.ndim} axes need ${nbytes} bytes; got ${bytes.byteLength}, nbytes says ${req.nbytes}`,
      { path: "nbytes" },
    );
  }
  // No points: one row of NaN coordinates, never drawn (arrays have no empty axes).
  const table = req.count > 0 ? bytes : Buffer.from(new Float64Array(columns).fill(NaN).buffer);
  ctx.viewers.setLayer(req.viewer_id, req.layer_id, "float64", [Math.max(req.count, 1), columns], table);
  ctx.hub.openViewer(req.viewer_id);
  ctx.hub.notifyDataChanged(req.viewer_id);
  log.info({ viewer: req.viewer_id, layer: req.layer_id, points: req.count }, "points set");
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

/**
 * Show a lazy array the kernel serves over /chunks; creates the viewer. Computes nothing: the
 * contrast range is the kernel's. One chunk may be at most a quarter of the chunk cache (and fit
 * one message).
 */
export async function openKernelLayer(
  ctx: DaemonContext,
  log: Logger,
  req: Req<"open_kernel_layer">,
): Promise<OpenLayerResult> {
  const maxChunkBytes = Math.min(ctx.config.controlMaxBytes, ctx.scene.store.cacheBudget / 4);
  const source = kernelSource(req, ctx.chunkLinks, maxChunkBytes);
  const entry = ctx.viewers.openKernelLayer(req.viewer_id, req.layer_id, source);
  ctx.hub.openViewer(req.viewer_id);
  if (entry.kind !== "source") throw new NapariCudaError("internal", "open_kernel_layer made no source layer");
  const result = await openLayerResult(ctx.scene.store, entry);
  ctx.hub.notifyDataChanged(req.viewer_id);
  const connected = ctx.chunkLinks.has(req.server_id);
  log.info({ viewer: req.viewer_id, layer: req.layer_id, uri: source.info.uri, connected }, "kernel layer opened");
  return result;
}

/** Most passes of load-then-scan before giving up (chunks evicted between load and scan each time). */
const RANGE_ATTEMPTS = 3;

/**
 * The finite [min, max] of the layer's data that `canvas` shows for `state`, at the level napari's
 * rule picks; missing chunks are loaded and awaited (kernel layers compute them) until `signal`
 * aborts (the control connection closed: the kernel gave up).
 */
export async function layerRange(
  ctx: DaemonContext,
  req: Req<"layer_range">,
  signal?: AbortSignal,
): Promise<LayerRangeResult> {
  const entry = ctx.viewers.layers(req.viewer_id).get(req.layer_id);
  if (!entry) {
    const msg = `no layer ${req.layer_id} in viewer ${req.viewer_id}`;
    throw new NapariCudaError("unknown_layer", msg, { path: "layer_id" });
  }
  const layer = req.state.layers.find((l) => l.id === req.layer_id);
  if (!layer) {
    const msg = `state.layers has no layer ${req.layer_id}`;
    throw new NapariCudaError("invalid_message", msg, { path: "state.layers" });
  }
  const { store, still } = ctx.scene;
  const level = still.choose(entry, layer, req.state, req.canvas);
  const region = viewRegion(entry, level, layer, req.state, req.canvas);
  if (region === null) return { min: null, max: null, level };
  const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  for (let attempt = 0; attempt < RANGE_ATTEMPTS; attempt++) {
    const read = await scanRange(store, entry, level, region, pause);
    if (read.kind === "range") return { min: read.min, max: read.max, level };
    if (entry.kind === "source") await store.load(entry.source, level, read.chunks, signal);
  }
  throw new NapariCudaError(
    "too_large",
    "the chunks on screen do not fit the chunk cache at once; raise NAPARI_CUDA_CACHE_BYTES",
    { path: "NAPARI_CUDA_CACHE_BYTES" },
  );
}

/**
 * Render `state` exactly (finest wanted levels, chunks awaited): the result and its RGBA pixels.
 * `signal` (the control connection closed) releases the chunks it waits for.
 */
export async function screenshot(
  ctx: DaemonContext,
  req: Req<"screenshot">,
  signal?: AbortSignal,
): Promise<{ result: ScreenshotResult; pixels: Buffer }> {
  const { store, assembler, still } = ctx.scene;
  const entries = ctx.viewers.layers(req.viewer_id);
  const scene = await exactFrame(assembler, store, entries, still, req.state, req.canvas, signal);
  const frame = await ctx.renderer.render(scene.request, signal);
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
