/**
 * Daemon configuration from the command line and the environment.
 *
 * CLI:
 *   --parent-pid <pid>   exit when this process is gone (polled every second); default: none
 *   --port <n>           TCP port; default 0 (ephemeral)
 *   --host <addr>        127.0.0.1 (default) or ::1; nothing else (loopback only, see DESIGN.md)
 * Env:
 *   NAPARI_CUDA_LOG_LEVEL        pino level (fatal|error|warn|info|debug|trace|silent); default info
 *   NAPARI_CUDA_RENDER_THREADS   CPU render worker threads, 0 = render inline; default max(1, min(4, cores - 1))
 *   NAPARI_CUDA_MAX_MESSAGE_BYTES  largest control message (one layer's array travels in one), bytes; default
 *                                2 GiB; 1 KiB .. buffer.constants.MAX_LENGTH (ws assembles a message in one Buffer)
 *   NAPARI_CUDA_MAX_DATA_BYTES   memory budget of all layer arrays together, bytes (1 MiB .. 1 PiB); default 8 GiB
 *                                (data/viewer-store.ts)
 *   NAPARI_CUDA_BACKEND          auto|cpu|gpu; default auto (GPU when the native addon loads and EGL + CUDA start)
 *   NAPARI_CUDA_H264_PROFILE     high|main|baseline: the best profile to use (the client's codecs still decide); default high
 *   NAPARI_CUDA_MAX_IN_FLIGHT    most frames sent and not yet displayed per view (1..8); default 6. The window in use
 *                                adapts to the measured link below that (server/link-control.ts); 2 until measured
 *   NAPARI_CUDA_CACHE_BYTES      decoded-chunk cache budget for datasets (bytes); default 2 GiB (data/chunk-cache.ts)
 *   NAPARI_CUDA_MS_AUTO*         multiscale level policy (multiscale/env.ts)
 *   NAPARI_CUDA_INTERACTIVE_MS   moving frames at half resolution while a full one costs more than this (render
 *                                + encode + browser decode, ms); default 20, 0 always, "off" never (scene/interactive.ts)
 *   NAPARI_CUDA_OVERSCAN_MAX_AREA  pixel budget of an overscanned frame (the view's requested margins): at most this
 *                                many times the canvas's pixels (1..16, 1 = no overscan); default 1.6 (server/overscan.ts)
 *   NAPARI_CUDA_MAX_VIEWS        views served at once (1..256); one more is refused with too_many_views; default 16
 *   NAPARI_CUDA_MAX_ENCODERS     encoders alive at once, all views (1..1024; each is an ffmpeg process plus its warm
 *                                standby); default 32. Beyond it the longest-idle one is stopped, else encoder_limit
 *   NAPARI_CUDA_DEBUG_RENDER_DELAY_MS  debug only: every view render waits this long first (0..5000 ms), to try
 *                                the view's prediction against a slow daemon; default 0
 *   NAPARI_CUDA_STILL_CRF        CRF of the 4:4:4 still a resting view gets when its browser decodes High 4:4:4
 *                                (0..51, default 3; "off": none); checked here, read by the encoder (encode/x264.ts)
 *   NAPARI_CUDA_FFMPEG, NAPARI_CUDA_X264_CRF, NAPARI_CUDA_ENCODER (libx264|h264_nvenc: skip the probe) are read
 *                                by the encoder (src/daemon/encode).
 */
import { constants as bufferConstants } from "node:buffer";
import { parseArgs } from "node:util";
import { ConfigError } from "./config-error.js";
import { cacheBytesFromEnv } from "./data/chunk-cache.js";
import { DEFAULT_MAX_DATA_BYTES, maxDataBytesFromEnv } from "./data/viewer-store.js";
import { defaultMsAutoConfig, parseMsAutoConfig, type MsAutoConfig } from "./multiscale/env.js";
import { DEFAULT_INTERACTIVE_MS, interactiveMsFromEnv } from "./scene/interactive.js";
import { stillCrf } from "./encode/x264.js";
import { DEFAULT_OVERSCAN_MAX_AREA, overscanMaxAreaFromEnv } from "./server/overscan.js";
import { CONTROL_MAX_MESSAGE_BYTES, STREAM_MAX_MESSAGE_BYTES } from "../protocol/index.js";

export type BackendRequest = "auto" | "cpu" | "gpu";
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DaemonConfig {
  host: "127.0.0.1" | "::1";
  port: number;
  parentPid: number | null;
  logLevel: LogLevel;
  /** CPU render worker threads; null: the renderer's default (see render/cpu-renderer.ts). */
  renderThreads: number | null;
  backend: BackendRequest;
  /** ws maxPayload of the control channel (array bytes travel there; NAPARI_CUDA_MAX_MESSAGE_BYTES). */
  controlMaxBytes: number;
  /** Memory budget of all layer arrays the kernels sent, together (NAPARI_CUDA_MAX_DATA_BYTES). */
  maxDataBytes: number;
  /** ws maxPayload of the stream channel. */
  streamMaxBytes: number;
  /** A connection that has not sent hello by then is closed (1008 hello_required). */
  helloTimeoutMs: number;
  /** Stream message rate limit: token bucket refill per second and burst size. */
  streamRatePerSec: number;
  streamBurst: number;
  /** Second flow-control guard: skip rendering while a socket has more than this many bytes queued. */
  maxBufferedBytes: number;
  /** End-to-end flow control: the most frames sent and not yet acked (displayed) per view; the link decides below. */
  maxInFlight: number;
  /** Highest H.264 profile to stream (NAPARI_CUDA_H264_PROFILE). */
  h264Profile: "high" | "main" | "baseline";
  /** Graceful shutdown must finish within this; then the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Multiscale level policy (NAPARI_CUDA_MS_AUTO*). */
  msAuto: MsAutoConfig;
  /** Decoded-chunk cache budget in bytes (NAPARI_CUDA_CACHE_BYTES). */
  cacheBytes: number;
  /** Moving frames are drawn at half resolution while a full one costs more than this (ms); null = never. */
  interactiveMs: number | null;
  /** Overscanned frames have at most this many times the canvas's pixels (NAPARI_CUDA_OVERSCAN_MAX_AREA). */
  overscanMaxArea: number;
  /** Debug: each view render waits this long first (NAPARI_CUDA_DEBUG_RENDER_DELAY_MS). */
  renderDelayMs: number;
  /** Most views (stream connections past hello) the daemon serves at once (NAPARI_CUDA_MAX_VIEWS). */
  maxViews: number;
  /** Most encoder (ffmpeg) processes alive at once, all views together (NAPARI_CUDA_MAX_ENCODERS). */
  maxEncoders: number;
}

/** Frames in flight per view at most, by default: enough for 30 fps over a ~150 ms round trip. */
export const DEFAULT_MAX_IN_FLIGHT = 6;

/** Views per daemon at most, by default: a few notebooks' outputs and tabs of one user. */
export const DEFAULT_MAX_VIEWS = 16;
/** Encoder processes at most, by default: 16 views with a full and a half-resolution encoder each. */
export const DEFAULT_MAX_ENCODERS = 32;

/** Smallest and largest NAPARI_CUDA_MAX_MESSAGE_BYTES: ws receives a message into one Buffer. */
export const MIN_MESSAGE_BYTES = 1024;
export const MAX_MESSAGE_BYTES = bufferConstants.MAX_LENGTH;

export { ConfigError };

/** Defaults, for documentation and for tests that start a daemon in-process. */
export function defaultConfig(): DaemonConfig {
  return {
    host: "127.0.0.1",
    port: 0,
    parentPid: null,
    logLevel: "info",
    renderThreads: null,
    backend: "auto",
    controlMaxBytes: CONTROL_MAX_MESSAGE_BYTES,
    maxDataBytes: DEFAULT_MAX_DATA_BYTES,
    streamMaxBytes: STREAM_MAX_MESSAGE_BYTES,
    helloTimeoutMs: 5000,
    streamRatePerSec: 500,
    streamBurst: 1000,
    maxBufferedBytes: 4 * 1024 * 1024,
    maxInFlight: DEFAULT_MAX_IN_FLIGHT,
    h264Profile: "high",
    shutdownTimeoutMs: 3000,
    msAuto: defaultMsAutoConfig(),
    cacheBytes: cacheBytesFromEnv({}),
    interactiveMs: DEFAULT_INTERACTIVE_MS,
    overscanMaxArea: DEFAULT_OVERSCAN_MAX_AREA,
    renderDelayMs: 0,
    maxViews: DEFAULT_MAX_VIEWS,
    maxEncoders: DEFAULT_MAX_ENCODERS,
  };
}

function intIn(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(text)}`);
  const n = Number(text.trim());
  if (n < min || n > max) throw new ConfigError(`${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

/** NAPARI_CUDA_MAX_ENCODERS (1..1024), default 32; throws ConfigError naming it. */
export function maxEncodersFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env.NAPARI_CUDA_MAX_ENCODERS;
  return text?.trim() ? intIn("NAPARI_CUDA_MAX_ENCODERS", text, 1, 1024) : DEFAULT_MAX_ENCODERS;
}

/** Parse argv (without node and script) and env into a config; throws ConfigError. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): DaemonConfig {
  let values: { "parent-pid"?: string; port?: string; host?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { "parent-pid": { type: "string" }, port: { type: "string" }, host: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  const cfg = defaultConfig();
  if (values.host !== undefined) {
    if (values.host !== "127.0.0.1" && values.host !== "::1") {
      throw new ConfigError(`--host must be 127.0.0.1 or ::1 (loopback only), got ${JSON.stringify(values.host)}`);
    }
    cfg.host = values.host;
  }
  if (values.port !== undefined) cfg.port = intIn("--port", values.port, 0, 65535);
  if (values["parent-pid"] !== undefined) cfg.parentPid = intIn("--parent-pid", values["parent-pid"], 1, 2 ** 31 - 1);

  const level = env.NAPARI_CUDA_LOG_LEVEL?.trim().toLowerCase();
  if (level) {
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new ConfigError(
        `NAPARI_CUDA_LOG_LEVEL must be one of ${LOG_LEVELS.join("|")}, got ${JSON.stringify(level)}`,
      );
    }
    cfg.logLevel = level as LogLevel;
  }
  if (env.NAPARI_CUDA_RENDER_THREADS?.trim()) {
    cfg.renderThreads = intIn("NAPARI_CUDA_RENDER_THREADS", env.NAPARI_CUDA_RENDER_THREADS, 0, 64);
  }
  if (env.NAPARI_CUDA_MAX_MESSAGE_BYTES?.trim()) {
    const name = "NAPARI_CUDA_MAX_MESSAGE_BYTES";
    cfg.controlMaxBytes = intIn(name, env.NAPARI_CUDA_MAX_MESSAGE_BYTES, MIN_MESSAGE_BYTES, MAX_MESSAGE_BYTES);
  }
  if (env.NAPARI_CUDA_MAX_IN_FLIGHT?.trim()) {
    cfg.maxInFlight = intIn("NAPARI_CUDA_MAX_IN_FLIGHT", env.NAPARI_CUDA_MAX_IN_FLIGHT, 1, 8);
  }
  const profile = env.NAPARI_CUDA_H264_PROFILE?.trim().toLowerCase();
  if (profile) {
    if (profile !== "high" && profile !== "main" && profile !== "baseline") {
      throw new ConfigError(`NAPARI_CUDA_H264_PROFILE must be high, main or baseline, got ${JSON.stringify(profile)}`);
    }
    cfg.h264Profile = profile;
  }
  const backend = env.NAPARI_CUDA_BACKEND?.trim().toLowerCase();
  if (backend) {
    if (backend !== "auto" && backend !== "cpu" && backend !== "gpu") {
      throw new ConfigError(`NAPARI_CUDA_BACKEND must be auto, cpu or gpu, got ${JSON.stringify(backend)}`);
    }
    cfg.backend = backend;
  }
  if (env.NAPARI_CUDA_MAX_VIEWS?.trim()) {
    cfg.maxViews = intIn("NAPARI_CUDA_MAX_VIEWS", env.NAPARI_CUDA_MAX_VIEWS, 1, 256);
  }
  cfg.maxEncoders = maxEncodersFromEnv(env);
  if (env.NAPARI_CUDA_DEBUG_RENDER_DELAY_MS?.trim()) {
    cfg.renderDelayMs = intIn("NAPARI_CUDA_DEBUG_RENDER_DELAY_MS", env.NAPARI_CUDA_DEBUG_RENDER_DELAY_MS, 0, 5000);
  }
  cfg.msAuto = parseMsAutoConfig(env);
  try {
    cfg.cacheBytes = cacheBytesFromEnv(env);
    cfg.maxDataBytes = maxDataBytesFromEnv(env);
    cfg.interactiveMs = interactiveMsFromEnv(env);
    cfg.overscanMaxArea = overscanMaxAreaFromEnv(env);
    stillCrf(env); // read by the encoders: a bad value is refused here, at startup
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  return cfg;
}
