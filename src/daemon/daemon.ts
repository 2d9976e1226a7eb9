/**
 * The daemon assembled: renderer, encoder factory, viewer store, server. main.ts
 * runs it as a process; tests start it in-process.
 */
import type { DaemonConfig } from "./config.js";
import { ChunkStore } from "./data/chunk-store.js";
import { openSource } from "./data/source.js";
import { ViewerStore } from "./data/viewer-store.js";
import { getMetrics } from "./metrics/index.js";
import { childLogger, type Logger } from "./log.js";
import { CpuRenderer } from "./render/cpu-renderer.js";
import { startRenderer } from "./render/gpu/backend.js";
import { StillChooser } from "./scene/choosers.js";
import { SceneAssembler } from "./scene/resolve.js";
import { SourceRegistry } from "./scene/sources.js";
import type { Tokens } from "./server/auth.js";
import { ChunkLinks } from "./server/chunk-links.js";
import type { DaemonContext } from "./server/context.js";
import { FfmpegEncoderFactory } from "./server/encoder-factory.js";
import { DaemonServer } from "./server/server.js";
import { ViewHub } from "./server/view-hub.js";

export interface DaemonOptions {
  config: DaemonConfig;
  tokens: Tokens;
  /** Script the CPU render and chunk workers run (the bundle itself); undefined: their defaults (sources). */
  workerEntry?: string;
  /** Called when a client asks the daemon to stop (`shutdown` op); the owner then calls close(). */
  onShutdownRequest?: (reason: string) => void;
  env?: NodeJS.ProcessEnv;
  /** How long a kernel chunk request waits for its chunk server to connect (default CONNECT_WAIT_MS). */
  chunkConnectWaitMs?: number;
}

export interface RunningDaemon {
  readonly host: string;
  readonly port: number;
  readonly backend: { name: string; reason: string };
  /** Stop accepting, close connections (1001), stop encoders and render workers. Idempotent; never throws. */
  close(): Promise<void>;
}

/** Start the daemon's server; resolves once it listens. */
export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const { config } = opts;
  const log: Logger = childLogger("daemon");
  const choice = await startRenderer(
    config.backend,
    () =>
      new CpuRenderer({
        ...(config.renderThreads === null ? {} : { threads: config.renderThreads }),
        ...(opts.workerEntry === undefined ? {} : { workerEntry: opts.workerEntry }),
      }),
    opts.env ?? process.env,
  );
  const { renderer, backend, pixelFormat } = choice;
  if (choice.requestedButFailed) log.error({ backend }, "GPU backend requested but not available; using the CPU");
  else log.info({ backend }, `rendering on the ${backend.name}`);
  const store = new ChunkStore({
    cacheBytes: config.cacheBytes,
    ...(opts.workerEntry === undefined ? {} : { workerEntry: opts.workerEntry }),
  });
  const sources = new SourceRegistry(
    (uri) => openSource(uri),
    (source) => store.drop(source),
  );
  const metrics = getMetrics();
  const untrackCache = metrics.trackChunkCache(() => store.cachedBytes);
  const ctx: DaemonContext = {
    config,
    tokens: opts.tokens,
    renderer,
    backend,
    pixelFormat,
    encoders: new FfmpegEncoderFactory(opts.env ?? process.env, config.maxEncoders),
    viewers: new ViewerStore(config.maxDataBytes, sources, (source) => store.drop(source)),
    hub: new ViewHub(),
    scene: { store, assembler: new SceneAssembler(store), still: new StillChooser(config.msAuto) },
    chunkLinks: new ChunkLinks(opts.chunkConnectWaitMs),
    metrics,
    requestShutdown: (reason) => opts.onShutdownRequest?.(reason),
  };
  const server = new DaemonServer(ctx, childLogger("server"));
  let port: number;
  try {
    port = await server.listen();
  } catch (err) {
    untrackCache();
    await Promise.all([renderer.dispose(), store.dispose(), sources.dispose()]);
    throw err;
  }
  // Probe ffmpeg and the encoders (a real NVENC trial) once at start, not on the first view.
  void ctx.encoders.describe().then((enc) => log.info(enc, "encoder chosen"));
  log.info(
    { host: config.host, port, backend, threads: renderer instanceof CpuRenderer ? renderer.threads : 0 },
    "listening",
  );

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    try {
      await server.close();
    } catch (err) {
      log.error({ err }, "closing the server failed");
    }
    untrackCache();
    await Promise.all([renderer.dispose(), store.dispose(), sources.dispose()]);
  };
  return {
    host: config.host,
    port,
    backend,
    close: () => (closing ??= close()),
  };
}
