/**
 * Chunk channel (kernel <-> daemon, WebSocket `/chunks`): the kernel serves the chunks of its lazy
 * (kernel-served) layers. The kernel connects (Bearer control token at the upgrade, no Origin) and
 * says hello with its `server_id`; the daemon then asks `chunk` / `cancel`, the kernel answers
 * `chunk_data` (followed by ONE binary message: the C-order, little-endian bytes) or `chunk_error`.
 * JSON text messages, snake_case; see docs/protocol.md "/chunks".
 */
import { z } from "zod";
import { DTYPES } from "./colormaps.js";

/** A kernel's chunk server id: random per kernel process. */
export const SERVER_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
export const ServerIdSchema = z
  .string()
  .regex(SERVER_ID_PATTERN, "server_id must be 16..64 characters of [A-Za-z0-9_-]");
/** A layer source's id within its kernel's chunk server. */
export const SourceIdSchema = z.string().min(1).max(64);
/** Request number: positive, unique per connection. */
const req = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const index = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Longest error message kept from the kernel (a traceback tail): longer ones fail validation. */
export const CHUNK_ERROR_MAX_CHARS = 16_384;

/** kernel -> daemon, first message. Reply `{id, ok: true, result: {protocol}}`, or an error then close. */
export const ChunkHelloSchema = z.object({
  op: z.literal("hello"),
  id: z.number().int().nonnegative(),
  protocol: z.number().int(),
  token: z.string().min(1).max(256),
  server_id: ServerIdSchema,
});

/** kernel -> daemon: the chunk of request `req`; ONE binary message of `nbytes` bytes follows. */
export const ChunkDataSchema = z.object({
  op: z.literal("chunk_data"),
  req,
  dtype: z.enum(DTYPES),
  /** stop - start of the request. */
  shape: z.array(z.number().int().positive()).min(2).max(32),
  nbytes: z.number().int().nonnegative(),
});

/** kernel -> daemon: computing request `req` failed; `message` names the layer and chunk. */
export const ChunkErrorSchema = z.object({
  op: z.literal("chunk_error"),
  req,
  code: z.literal("compute_failed"),
  message: z.string().max(CHUNK_ERROR_MAX_CHARS),
});

export const KernelChunkMessageSchema = z.discriminatedUnion("op", [
  ChunkHelloSchema,
  ChunkDataSchema,
  ChunkErrorSchema,
]);
export type KernelChunkMessage = z.infer<typeof KernelChunkMessageSchema>;
export type ChunkHello = z.infer<typeof ChunkHelloSchema>;
export type ChunkData = z.infer<typeof ChunkDataSchema>;
export type ChunkErrorMessage = z.infer<typeof ChunkErrorSchema>;

/**
 * daemon -> kernel: compute one chunk. `start`/`stop`: level-`level` coordinates over all axes of
 * the source, stop exclusive: one chunk of the declared chunk grid, clipped to the level shape.
 */
export const ChunkRequestSchema = z.object({
  op: z.literal("chunk"),
  req,
  source_id: SourceIdSchema,
  level: z.number().int().nonnegative().max(31),
  start: z.array(index).min(2).max(32),
  stop: z.array(index).min(2).max(32),
});

/** daemon -> kernel: request `req` is no longer needed; the kernel drops it and sends nothing for it. */
export const ChunkCancelSchema = z.object({ op: z.literal("cancel"), req });

export const DaemonChunkMessageSchema = z.discriminatedUnion("op", [ChunkRequestSchema, ChunkCancelSchema]);
export type DaemonChunkMessage = z.infer<typeof DaemonChunkMessageSchema>;
export type ChunkRequest = z.infer<typeof ChunkRequestSchema>;
export type ChunkCancel = z.infer<typeof ChunkCancelSchema>;

/** Ops the kernel sends on /chunks. */
export const CHUNK_KERNEL_OPS = KernelChunkMessageSchema.options.map((o) => o.shape.op.value);
/** Ops the daemon sends on /chunks. */
export const CHUNK_DAEMON_OPS = DaemonChunkMessageSchema.options.map((o) => o.shape.op.value);
