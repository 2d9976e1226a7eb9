/**
 * Logging: pino JSON lines on stderr (fd 2). stdout carries only the daemon's
 * single "listening" line. No transports/worker threads, so it works bundled.
 */
import { pino, type Logger } from "pino";
import { LOG_LEVELS, type LogLevel } from "./config.js";

export type { Logger };

let root: Logger | undefined;
let dest: ReturnType<typeof pino.destination> | undefined;

function levelFromEnv(): LogLevel {
  const l = process.env.NAPARI_CUDA_LOG_LEVEL?.trim().toLowerCase();
  return l && (LOG_LEVELS as readonly string[]).includes(l) ? (l as LogLevel) : "info";
}

/** The process-wide logger (created on first use; level from NAPARI_CUDA_LOG_LEVEL, default info). */
export function getLogger(): Logger {
  if (!root) {
    // Async writes (minLength 0: no batching) so a parent that drains stderr slowly cannot stall the event loop.
    dest = pino.destination({ dest: 2, sync: false, minLength: 0 });
    root = pino({ level: levelFromEnv(), base: { pid: process.pid, name: "napari-cuda" } }, dest);
  }
  return root;
}

/** Set the level of the process-wide logger. */
export function setLogLevel(level: LogLevel): void {
  getLogger().level = level;
}

/** Child logger for one component. */
export function childLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return getLogger().child({ component, ...bindings });
}

/** Flush buffered log lines before the process exits. Never throws. */
export function flushLogs(): void {
  try {
    dest?.flushSync();
  } catch {
    // nothing useful to do: stderr is gone
  }
}
