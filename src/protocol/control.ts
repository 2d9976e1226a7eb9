/**
 * Control channel (kernel <-> daemon): request/response over one WebSocket,
 * authenticated with the control token. Requests carry an `id`; the reply
 * echoes it. Array bytes travel as the binary message that immediately
 * follows a `set_layer_data` request; screenshot pixels as the binary message
 * that immediately follows its reply.
 */
import { z } from "zod";
import { DTYPES } from "./colormaps.js";
import { CanvasSchema, ViewerStateSchema } from "./state.js";

const id = z.number().int().nonnegative();
const viewerId = z.string().min(1).max(64);

export const ControlHelloSchema = z.object({
  op: z.literal("hello"),
  id,
  protocol: z.number().int(),
  token: z.string().min(1).max(256),
});

export const SetLayerDataSchema = z.object({
  op: z.literal("set_layer_data"),
  id,
  viewer_id: viewerId,
  layer_id: z.string().min(1).max(64),
  dtype: z.enum(DTYPES),
  /** C-order shape, outermost first; the last two axes are (y, x). */
  shape: z.array(z.number().int().positive()).min(2).max(32),
  nbytes: z.number().int().nonnegative(),
});

/** Open a dataset on the daemon's machine (control token only: the browser can never load files). */
export const OpenLayerSchema = z.object({
  op: z.literal("open_layer"),
  id,
  viewer_id: viewerId,
  layer_id: z.string().min(1).max(64),
  /** Absolute local path (or file:// URL) or http(s) URL of an OME-Zarr image (or plain zarr array). */
  uri: z.string().min(1).max(4096),
  /** Fix these source axes at an index (channel_axis splits channels into layers); they leave the layer. */
  select: z
    .array(z.object({ axis: z.number().int().nonnegative().max(31), index: z.number().int().nonnegative() }))
    .max(32)
    .default([]),
});

export const RemoveLayerSchema = z.object({
  op: z.literal("remove_layer"),
  id,
  viewer_id: viewerId,
  layer_id: z.string().min(1).max(64),
});

export const CloseViewerSchema = z.object({ op: z.literal("close_viewer"), id, viewer_id: viewerId });

/**
 * Create a viewer before any of its views connects (a view's hello must name a viewer the kernel
 * created; set_layer_data and open_layer create theirs too). Reply `{created}`: false when it existed.
 */
export const OpenViewerSchema = z.object({ op: z.literal("open_viewer"), id, viewer_id: viewerId });

export const ScreenshotSchema = z.object({
  op: z.literal("screenshot"),
  id,
  viewer_id: viewerId,
  state: ViewerStateSchema,
  canvas: CanvasSchema,
});

export const InfoSchema = z.object({ op: z.literal("info"), id });
export const ShutdownSchema = z.object({ op: z.literal("shutdown"), id });

export const ControlRequestSchema = z.discriminatedUnion("op", [
  ControlHelloSchema,
  SetLayerDataSchema,
  OpenLayerSchema,
  RemoveLayerSchema,
  CloseViewerSchema,
  OpenViewerSchema,
  ScreenshotSchema,
  InfoSchema,
  ShutdownSchema,
]);
export type ControlRequest = z.infer<typeof ControlRequestSchema>;
export type ControlOp = ControlRequest["op"];

export interface ControlOk<T = unknown> {
  id: number;
  ok: true;
  result: T;
}
export interface ControlFail {
  id: number | null;
  ok: false;
  error: { code: string; message: string; path?: string };
}
export type ControlReply = ControlOk | ControlFail;

/** Result of `screenshot`; the pixels (height*width*4 bytes, RGBA8, rows top-down) follow as binary. */
export interface ScreenshotResult {
  width: number;
  height: number;
  format: "rgba8";
  nbytes: number;
  /** Multiscale level each drawn layer used (layer id -> level; 0 = finest). */
  levels: Record<string, number>;
}

/** One pyramid level of an opened layer (axes after `select`). */
export interface LevelResult {
  shape: number[];
  chunks: number[];
  /** Downsample factors vs level 0 per axis. */
  factors: number[];
}

/** Result of `open_layer`: what the kernel needs to build the layer (axes after `select`). */
export interface OpenLayerResult {
  dtype: string;
  axes: Array<{ name: string; type: string | null; unit: string | null }>;
  levels: LevelResult[];
  /** Level-0 world transform from the metadata, per axis. */
  scale: number[];
  translate: number[];
  /** Finite (min, max) of the coarsest level: napari's default contrast limits for multiscale data. */
  contrast_range: [number, number];
  name: string | null;
  ngff_version: string | null;
  /** omero channel metadata of the selected channel, when present. */
  channel: { label: string | null; color: string | null } | null;
}

/** Result of `info`. */
export interface InfoResult {
  version: string;
  protocol: number;
  pid: number;
  backend: string;
  backend_reason: string;
  encoder: string;
  encoder_reason: string;
  ffmpeg: string | null;
  viewers: number;
  views: number;
}

/**
 * Size limit of one control message, array payloads included (bytes); NAPARI_CUDA_MAX_MESSAGE_BYTES overrides.
 * Not the daemon's memory budget for layer data (NAPARI_CUDA_MAX_DATA_BYTES, 8 GiB by default).
 */
export const CONTROL_MAX_MESSAGE_BYTES = 2 * 1024 ** 3;
