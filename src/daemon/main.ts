/**
 * Daemon entry point (also the entry of its CPU render worker threads).
 *
 * Process contract (see the brief / DESIGN.md): `node daemon.js --parent-pid <pid>`;
 * stdin's first line is JSON tokens; stdout gets exactly one JSON "listening"
 * line; logs go to stderr. Exits 0 after a graceful shutdown on stdin EOF,
 * parent death, SIGTERM/SIGINT or the `shutdown` op; exits 2 on bad input;
 * exits 1 after an uncaught exception or unhandled rejection (the kernel starts
 * a new daemon on its next request).
 */
import { fileURLToPath } from "node:url";
import { isMainThread, workerData } from "node:worker_threads";
import { PROTOCOL_VERSION } from "../protocol/index.js";
import { ConfigError, parseConfig } from "./config.js";
import { CHUNK_WORKER_ROLE } from "./data/chunk-worker-protocol.js";
import { runChunkWorker } from "./data/chunk-worker.js";
import { startDaemon, type RunningDaemon } from "./daemon.js";
import { childLogger, flushLogs, setLogLevel } from "./log.js";
import { runCpuRenderWorker } from "./render/cpu-worker.js";
import { parentIdentity, watchParentIdentity } from "./util/parent-identity.js";
import { parseTokensLine, readFirstLine } from "./util/stdin-tokens.js";
import { DAEMON_VERSION } from "./version.js";

/** Longest wait for encoders and sockets to close after a crash before the process exits anyway. */
const CRASH_CLOSE_MS = 2000;

function die(message: string): never {
  process.stderr.write(`napari-cuda daemon: ${message}\n`);
  process.exit(2);
}

async function runDaemon(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    die(err instanceof ConfigError ? err.message : String(err));
  }
  setLogLevel(config.logLevel);
  const log = childLogger("main");

  let daemon: RunningDaemon | null = null;
  let stopping = false;
  const shutdown = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, "shutting down");
    // Whatever hangs, the process is gone within the deadline.
    setTimeout(() => {
      log.warn("graceful shutdown timed out; exiting");
      process.exit(0);
    }, config.shutdownTimeoutMs).unref();
    void (daemon ? daemon.close() : Promise.resolve())
      .then(() => log.info("stopped"))
      .then(() => flushLogs(200))
      .finally(() => process.exit(0));
  };

  // Bad messages are answered where they are parsed; an exception that reaches the top left some
  // state (a render pump, an encoder, a socket) half-updated, and a view served from it may freeze
  // without an error. Exit instead: the kernel starts a fresh daemon on its next request and views
  // reconnect to it. An unhandled rejection is the same failure in async code (Node's own default
  // is to exit on it). Encoders (ffmpeg children) are stopped first, for at most CRASH_CLOSE_MS.
  let crashed = false;
  const crash = (what: string, err: unknown): void => {
    log.fatal({ err }, `${what}; exiting (status 1)`);
    if (crashed || stopping) process.exit(1); // a failure while shutting down: no second attempt
    crashed = stopping = true;
    setTimeout(() => process.exit(1), Math.min(CRASH_CLOSE_MS, config.shutdownTimeoutMs)).unref();
    void (daemon ? daemon.close() : Promise.resolve()).then(() => flushLogs(200)).finally(() => process.exit(1));
  };
  process.on("uncaughtException", (err) => crash("uncaught exception", err));
  process.on("unhandledRejection", (err) => crash("unhandled rejection", err));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  // The kernel writes to stdout's reader; if it is gone, stdout writes fail: that is a shutdown too.
  process.stdout.on("error", () => shutdown("stdout closed"));
  // Watch the kernel from the start: it may die before it has even sent the tokens. Its start time
  // is recorded now, so a reused pid does not keep this daemon alive.
  if (config.parentPid !== null) watchParentIdentity(parentIdentity(config.parentPid), (reason) => shutdown(reason));

  let line: string;
  try {
    line = await readFirstLine(process.stdin, () => shutdown("stdin closed (EOF)"));
  } catch (err) {
    die(err instanceof Error ? err.message : String(err));
  }
  let tokens;
  try {
    tokens = parseTokensLine(line);
  } catch (err) {
    die(err instanceof Error ? err.message : String(err));
  }
  if (stopping) process.exit(0);

  // From sources (tsx) the renderer knows its worker script; bundled, the worker is this very file.
  const self = fileURLToPath(import.meta.url);
  const workerEntry = self.endsWith(".ts") ? undefined : self;
  try {
    daemon = await startDaemon({
      config,
      tokens,
      onShutdownRequest: (reason) => shutdown(reason),
      ...(workerEntry === undefined ? {} : { workerEntry }),
    });
  } catch (err) {
    log.fatal({ err }, "cannot start the server");
    await flushLogs(200);
    die(`cannot listen on ${config.host}:${config.port}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (stopping) {
    void daemon.close();
    return;
  }
  process.stdout.write(
    `${JSON.stringify({
      event: "listening",
      host: daemon.host,
      port: daemon.port,
      pid: process.pid,
      protocol: PROTOCOL_VERSION,
      version: DAEMON_VERSION,
    })}\n`,
  );
}

const workerRole = isMainThread ? null : (workerData as { role?: unknown } | null)?.role;
if (workerRole === "cpu-render") {
  runCpuRenderWorker();
} else if (workerRole === CHUNK_WORKER_ROLE) {
  runChunkWorker();
} else {
  await runDaemon();
}
