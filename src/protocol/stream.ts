/**
 * Stream channel (widget view <-> daemon), one WebSocket per displayed view.
 * Text frames carry JSON messages below; binary frames (daemon -> client only)
 * carry one encoded access unit behind the header in frame.ts.
 */
import { z } from "zod";
import { CanvasSchema, ViewerStateSchema } from "./state.js";

const seq = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 32 - 1);

export const StreamHelloSchema = z.object({
  type: z.literal("hello"),
  protocol: z.number().int(),
  token: z.string().min(1).max(256),
  viewer_id: z.string().min(1).max(64),
  canvas: CanvasSchema,
  /** WebCodecs codec strings the browser reported as decodable. */
  codecs: z.array(z.string().max(64)).max(16),
  seq,
  state: ViewerStateSchema,
});

export const StreamStateSchema = z.object({ type: z.literal("state"), seq, state: ViewerStateSchema });
export const StreamResizeSchema = z.object({ type: z.literal("resize"), seq, canvas: CanvasSchema });
export const StreamAckSchema = z.object({
  type: z.literal("ack"),
  frame_id: z.number().int().nonnegative(),
  /** Client-measured decode time of that frame, for stats. */
  decode_ms: z.number().finite().nonnegative().optional(),
});
export const StreamKeyframeSchema = z.object({
  type: z.literal("keyframe"),
  reason: z.string().max(128).default("client"),
});

export const StreamClientMessageSchema = z.discriminatedUnion("type", [
  StreamHelloSchema,
  StreamStateSchema,
  StreamResizeSchema,
  StreamAckSchema,
  StreamKeyframeSchema,
]);
export type StreamClientMessage = z.infer<typeof StreamClientMessageSchema>;
export type StreamHello = z.infer<typeof StreamHelloSchema>;

/** Daemon -> client: how to configure the decoder. Sent after hello and whenever it changes. */
export interface StreamConfig {
  type: "config";
  protocol: number;
  session_id: string;
  /** WebCodecs codec string, e.g. "avc1.64001f". */
  codec: string;
  /** AVCDecoderConfigurationRecord (avcC), base64; payloads are length-prefixed (AVCC) NAL units. */
  description: string;
  width: number;
  height: number;
  encoder: string;
  backend: string;
  /** Why this encoder (e.g. "libx264 (software); h264_nvenc unusable: no NVENC engine on NVIDIA H200"). */
  encoder_reason: string;
  /** Why this backend (e.g. the GPU's name, or why the GPU could not start). */
  backend_reason: string;
}

/** One layer in a meta message. */
export interface StreamMetaLayer {
  id: string;
  /** Level-0 shape and dtype. */
  shape: number[];
  dtype: string;
  loaded: boolean;
  /** Level the last frame of this view drew (0 = finest) and the number of levels. */
  data_level: number;
  level_count: number;
}

/** Daemon -> client: the viewer's layers and multiscale state; sent on change (level switch, load progress). */
export interface StreamMeta {
  type: "meta";
  layers: StreamMetaLayer[];
  /** Level and level count of the first visible multiscale layer (single-scale data: 0 and 1), for the HUD. */
  level: number;
  level_count: number;
  /** Chunks queued or loading for this view; 0 when everything visible is at the chosen level. */
  loading: number;
}

/** Daemon -> client: an error. `path` names the failing property for invalid_message. */
export interface StreamError {
  type: "error";
  code: string;
  message: string;
  path?: string;
}

export type StreamServerMessage = StreamConfig | StreamMeta | StreamError;

export { H264_CODECS } from "./codecs.js";

/** Size limit of one client text message on the stream channel (bytes). */
export const STREAM_MAX_MESSAGE_BYTES = 256 * 1024;
/** At most this many frames sent and not yet acked per view. */
export const MAX_FRAMES_IN_FLIGHT = 2;
