/**
 * Daemon entry point (also the entry of its CPU render worker threads).
 *
 * Process contract (see the brief / DESIGN.md): `node daemon.js --parent-pid <pid>`;
 * stdin's first line is JSON tokens; stdout gets exactly one JSON "listening"
 * line; logs go to stderr. Exits 0 after a graceful shutdown on stdin EOF,
 * parent death, SIGTERM/SIGINT or the `shutdown` op; exits 2 on bad input.
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
import { watchParent } from "./util/parent-watch.js";
import { parseTokensLine, readFirstLine } from "./util/stdin-tokens.js";
import { DAEMON_VERSION } from "./version.js";

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

  // A bad message must never take the daemon down: log and keep serving.
  process.on("uncaughtException", (err) => {
    log.error({ err }, "uncaught exception");
    if (stopping) process.exit(1);
  });
  process.on("unhandledRejection", (err) => {
    log.error({ err }, "unhandled rejection");
  });
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  // The kernel writes to stdout's reader; if it is gone, stdout writes fail: that is a shutdown too.
  process.stdout.on("error", () => shutdown("stdout closed"));
  // Watch the kernel from the start: it may die before it has even sent the tokens.
  if (config.parentPid !== null) {
    const parentPid = config.parentPid;
    watchParent(parentPid, () => shutdown(`parent process ${parentPid} is gone`));
  }

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
