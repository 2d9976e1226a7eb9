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

export const RemoveLayerSchema = z.object({
  op: z.literal("remove_layer"),
  id,
  viewer_id: viewerId,
  layer_id: z.string().min(1).max(64),
});

export const CloseViewerSchema = z.object({ op: z.literal("close_viewer"), id, viewer_id: viewerId });

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
  RemoveLayerSchema,
  CloseViewerSchema,
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

/** Size limit of one control message, array payloads included (bytes); NAPARI_CUDA_MAX_DATA_BYTES overrides. */
export const CONTROL_MAX_MESSAGE_BYTES = 2 * 1024 ** 3;
