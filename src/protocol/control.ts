/**
 * Control channel (kernel <-> daemon): request/response over one WebSocket,
 * authenticated with the control token. Requests carry an `id`; the reply
 * echoes it. Array bytes travel as the binary message that immediately
 * follows a `set_layer_data` request; screenshot pixels as the binary message
 * that immediately follows its reply.
 */
import { z } from "zod";
import { ServerIdSchema, SourceIdSchema } from "./chunks.js";
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

/**
 * Overwrite a box of an in-memory layer's array (an edit: a paint stroke, a fill, an undo) with the
 * binary message that follows: `shape` elements of `dtype` (the layer's) in C order, starting at
 * `start`, `nbytes` long. Reply `{}`; errors: unknown_viewer / unknown_layer, unsupported (the layer
 * is not an array the kernel sent), invalid_data (dtype, a box outside the array, nbytes).
 */
export const PatchLayerDataSchema = z.object({
  op: z.literal("patch_layer_data"),
  id,
  viewer_id: viewerId,
  layer_id: z.string().min(1).max(64),
  dtype: z.enum(DTYPES),
  start: z.array(z.number().int().nonnegative()).min(2).max(32),
  shape: z.array(z.number().int().positive()).min(2).max(32),
  nbytes: z.number().int().nonnegative(),
});

/** Most points one layer holds. */
export const MAX_POINTS = 10_000_000;

/**
 * A Points layer's table (the binary message that follows): `count` rows of float64, each the
 * point's `ndim` data coordinates (outermost first), then its size (data units), face and border
 * colours (RGBA bytes packed as r + 256 g + 65536 b + 16777216 a) and symbol (an index into
 * POINT_SYMBOLS). `count` may be 0 (an empty layer to annotate).
 */
export const SetPointsSchema = z.object({
  op: z.literal("set_points"),
  id,
  viewer_id: viewerId,
  layer_id: z.string().min(1).max(64),
  count: z.number().int().nonnegative().max(MAX_POINTS),
  ndim: z.number().int().min(2).max(32),
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

const finite = z.number().finite();
const ndimList = <T extends z.ZodType>(item: T) => z.array(item).min(2).max(32);

/** One level of a kernel-served layer (level coords; `offset` in level-0 data coords). */
export const KernelLevelSchema = z.object({
  shape: ndimList(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
  chunks: ndimList(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
  factors: ndimList(finite.positive()),
  offset: ndimList(finite),
});

/**
 * Show a lazy array the kernel serves over /chunks (its ChunkServer `server_id`, source `source_id`).
 * Every per-axis list has the same length (ndim, 2..32) at every level; the server need not be
 * connected yet. Reply: OpenLayerResult with `contrast_range` as given.
 */
export const OpenKernelLayerSchema = z
  .object({
    op: z.literal("open_kernel_layer"),
    id,
    viewer_id: viewerId,
    layer_id: z.string().min(1).max(64),
    server_id: ServerIdSchema,
    source_id: SourceIdSchema,
    dtype: z.enum(DTYPES),
    levels: z.array(KernelLevelSchema).min(1).max(32),
    axes: ndimList(
      z.object({ name: z.string().max(256), type: z.string().max(64).nullable(), unit: z.string().max(64).nullable() }),
    ),
    scale: ndimList(finite.refine((v) => v !== 0, "scale must not be 0")),
    translate: ndimList(finite),
    name: z.string().max(256).nullable(),
    contrast_range: z.tuple([finite, finite]),
  })
  .superRefine((r, ctx) => {
    // zod runs this even when fields failed already: look only at what is well formed.
    const lengthOf = (xs: unknown): number | null => (Array.isArray(xs) ? xs.length : null);
    const ndim = lengthOf(r.levels?.[0]?.shape);
    if (ndim === null) return;
    const check = (xs: unknown, path: PropertyKey[]): void => {
      const n = lengthOf(xs);
      if (n === null || n === ndim) return;
      ctx.addIssue({ code: "custom", path, message: `has ${n} entries, level 0 has ${ndim} axes`, input: xs });
    };
    for (const [i, l] of (Array.isArray(r.levels) ? r.levels : []).entries()) {
      for (const k of ["shape", "chunks", "factors", "offset"] as const) check(l?.[k], ["levels", i, k]);
    }
    for (const k of ["axes", "scale", "translate"] as const) check(r[k], [k]);
    const [lo, hi] = Array.isArray(r.contrast_range) ? r.contrast_range : [0, 0];
    if (lo > hi) {
      ctx.addIssue({ code: "custom", path: ["contrast_range"], message: "low must not exceed high", input: r });
    }
  });

export type OpenKernelLayer = z.infer<typeof OpenKernelLayerSchema>;

/** The finite [min, max] of what a view of `state` on `canvas` shows of a layer (reset_contrast_limits). */
export const LayerRangeSchema = z.object({
  op: z.literal("layer_range"),
  id,
  viewer_id: viewerId,
  layer_id: z.string().min(1).max(64),
  state: ViewerStateSchema,
  canvas: CanvasSchema,
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
  PatchLayerDataSchema,
  SetPointsSchema,
  OpenLayerSchema,
  OpenKernelLayerSchema,
  RemoveLayerSchema,
  CloseViewerSchema,
  OpenViewerSchema,
  ScreenshotSchema,
  LayerRangeSchema,
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

/**
 * Result of `layer_range`: finite min/max (null when nothing finite is shown) of the layer's data on
 * screen, at `level` (napari's level rule for the view).
 */
export interface LayerRangeResult {
  min: number | null;
  max: number | null;
  level: number;
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
