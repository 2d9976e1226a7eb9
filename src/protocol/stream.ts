/**
 * Stream channel (widget view <-> daemon), one WebSocket per displayed view.
 * Text frames carry JSON messages below; binary frames (daemon -> client only)
 * carry one encoded access unit behind the header in frame.ts.
 */
import { z } from "zod";
import { CanvasSchema, ViewerStateSchema, type Camera, type Dims } from "./state.js";

const seq = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 32 - 1);

/**
 * Overscan the view asks for: device pixels (of the full-resolution canvas) to render beyond each
 * side, [x, y], so a predicted pan shows real pixels at the edges (docs/latency.md). Default none.
 */
export const OverscanSchema = z.tuple([z.number().int().min(0).max(1024), z.number().int().min(0).max(1024)]);
export type Overscan = z.infer<typeof OverscanSchema>;

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
  overscan: OverscanSchema.optional(),
  /**
   * The view takes `sync` messages (another view of the viewer moved): the daemon then shows it the
   * others' moves at once. Absent: it learns them from the model only, as before.
   */
  sync: z.boolean().optional(),
});

export const StreamStateSchema = z.object({
  type: z.literal("state"),
  seq,
  state: ViewerStateSchema,
  overscan: OverscanSchema.optional(),
});
export const StreamResizeSchema = z.object({ type: z.literal("resize"), seq, canvas: CanvasSchema });
export const StreamAckSchema = z.object({
  type: z.literal("ack"),
  frame_id: z.number().int().nonnegative(),
  /** Client-measured decode time of that frame, for stats. */
  decode_ms: z.number().finite().nonnegative().optional(),
  /** The browser's decode queue (frames handed to its decoders, not yet output) when acking. */
  queue: z.number().int().nonnegative().max(1000).optional(),
});
/** The frames whose decoder lost its state: their coded size and kind (a still or not). */
export const KeyframeTargetSchema = z.object({
  width: z.number().int().min(1).max(16384),
  height: z.number().int().min(1).max(16384),
  still: z.boolean().default(false),
});
export type KeyframeTarget = z.infer<typeof KeyframeTargetSchema>;

export const StreamKeyframeSchema = z.object({
  type: z.literal("keyframe"),
  reason: z.string().max(128).default("client"),
  /** Only that encoder's next frame must be an IDR; absent: every encoder's (e.g. a bad frame). */
  target: KeyframeTargetSchema.optional(),
});

/**
 * The value of a layer's data under the cursor (the status bar). `position` is a world point with
 * one coordinate per viewer axis (the sliced axes at their slice), right-aligned to the layer's axes;
 * `layer_id` defaults to the top visible layer. Answered by one `value` message with the same `id`.
 */
export const StreamPickSchema = z.object({
  type: z.literal("pick"),
  id: seq,
  position: z.array(z.number().finite()).min(1).max(32),
  layer_id: z.string().min(1).max(64).optional(),
});

/**
 * The [min, max] of a layer's data as this view last drew it (napari's auto-contrast "once"):
 * 2D the current slice at the level shown, only the samples inside the view; 3D the whole volume
 * at the level shown. Answered by one `range` message with the same `id`.
 */
export const StreamRangeSchema = z.object({
  type: z.literal("range"),
  id: seq,
  layer_id: z.string().min(1).max(64),
});

export const StreamClientMessageSchema = z.discriminatedUnion("type", [
  StreamHelloSchema,
  StreamStateSchema,
  StreamResizeSchema,
  StreamAckSchema,
  StreamKeyframeSchema,
  StreamPickSchema,
  StreamRangeSchema,
]);
export type StreamClientMessage = z.infer<typeof StreamClientMessageSchema>;
export type StreamHello = z.infer<typeof StreamHelloSchema>;
export type StreamStateMessage = z.infer<typeof StreamStateSchema>;
export type StreamPick = z.infer<typeof StreamPickSchema>;
export type StreamRangeRequest = z.infer<typeof StreamRangeSchema>;

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

/**
 * What a `value` reply found: `ok` (value is the data value), `outside` (the point is outside the
 * layer's data), `loading` (its chunk is not in the cache yet: it is being loaded, ask again),
 * `no_layer` (no such layer, or no layer at all), `busy` (over the pick rate: ask again later).
 */
export const PICK_STATUSES = ["ok", "outside", "loading", "no_layer", "busy"] as const;
export type PickStatus = (typeof PICK_STATUSES)[number];

/** Daemon -> client: the answer to `pick` (same `id`). */
export interface StreamValue {
  type: "value";
  id: number;
  /** The layer looked at (null with `no_layer` when there is none). */
  layer_id: string | null;
  status: PickStatus;
  /**
   * The data value at `level` (status `ok`); non-finite floats as "NaN", "Infinity", "-Infinity"
   * (JSON has no number for them); null for every other status.
   */
  value: number | string | null;
  /** The level this view last drew the layer at (0 = finest), and the layer's level count. */
  level: number;
  level_count: number;
  /** The sample looked at: one index per layer axis at `level` (may lie outside the data); [] with no layer. */
  data_position: number[];
}

/**
 * What a `range` reply found: `ok` (min/max of the data shown; both null when none of the layer is
 * in view or every value shown is NaN/infinite), `loading` (chunks of it are not cached: they are
 * being loaded, ask again), `no_layer` (no such layer in this viewer or in this view's state),
 * `busy` (over the range rate, or another range of this view is being computed: ask again later).
 */
export const RANGE_STATUSES = ["ok", "loading", "no_layer", "busy"] as const;
export type RangeStatus = (typeof RANGE_STATUSES)[number];

/** Daemon -> client: the answer to `range` (same `id`). */
export interface StreamRange {
  type: "range";
  id: number;
  layer_id: string;
  status: RangeStatus;
  /** The smallest and largest finite value shown (status `ok`), else null. */
  min: number | null;
  max: number | null;
  /** The level looked at: the one this view last drew the layer at (0 = finest). */
  level: number;
}

/**
 * Daemon -> client (to views whose hello said `sync`): another view of the same viewer moved the
 * camera or dims. The view adopts them as its local state under a new seq and sends that state
 * (the daemon renders it and does not pass it on as a move), without writing them to the model
 * (the moving view does); model values older than this (the kernel's echo of the moving view's
 * earlier writes) are stale for it.
 */
export interface StreamSync {
  type: "sync";
  /** The view's latest seq the daemon had: a view that has sent a newer state since ignores it. */
  seq: number;
  camera: Camera;
  dims: Dims;
}

export type StreamServerMessage = StreamConfig | StreamMeta | StreamError | StreamValue | StreamRange | StreamSync;

/** The server message types, in the order docs/protocol.md lists them. */
export const STREAM_SERVER_TYPES = ["config", "meta", "error", "value", "range", "sync"] as const;

export { H264_CODECS } from "./codecs.js";

/** Size limit of one client text message on the stream channel (bytes). */
export const STREAM_MAX_MESSAGE_BYTES = 256 * 1024;
/** At most this many frames sent and not yet acked per view. */
export const MAX_FRAMES_IN_FLIGHT = 2;
