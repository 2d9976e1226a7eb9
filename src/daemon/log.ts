/**
 * Logging: pino JSON lines on stderr (fd 2). stdout carries only the daemon's
 * single "listening" line. No transports/worker threads, so it works bundled.
 *
 * The sink never blocks the event loop: a parent that stops draining stderr
 * (or dies while another process holds the pipe open) must not freeze the
 * daemon, nor its exit. pino.destination() would: its exit hook loops on
 * EAGAIN forever. So a pipe/socket stderr is written through a non-blocking
 * net.Socket with a bounded backlog (lines are dropped, and counted, beyond
 * it); a file or terminal is written synchronously (those never stall).
 */
import { constants, fstatSync, openSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import { pino, type Logger } from "pino";
import { LOG_LEVELS, type LogLevel } from "./config.js";

export type { Logger };

/** Bytes queued for a stalled stderr before lines are dropped. */
const MAX_BACKLOG_BYTES = 1024 * 1024;

/**
 * A new open file description of the same pipe (Linux: /proc/self/fd/N), so that
 * Node making fd 2 blocking when something touches process.stderr cannot make
 * our writes blocking too. Falls back to `fd` itself (sockets cannot be reopened).
 */
function ownDescription(fd: number): number {
  try {
    return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return fd;
  }
}

/** pino destination: non-blocking, bounded, never throws. */
class StderrSink {
  private socket: Socket | null = null;
  private broken = false;
  private dropped = 0;

  constructor(private readonly fd: number) {
    try {
      const st = fstatSync(fd);
      if (st.isFIFO() || st.isSocket()) {
        this.socket = new Socket({ fd: ownDescription(fd), readable: false, writable: true });
        this.socket.on("error", () => (this.broken = true)); // EPIPE: the reader is gone
        this.socket.unref();
      }
    } catch {
      this.socket = null;
    }
  }

  write(line: string): boolean {
    if (this.broken) return true;
    try {
      if (!this.socket) {
        writeSync(this.fd, line);
        return true;
      }
      if (this.socket.writableLength > MAX_BACKLOG_BYTES) {
        this.dropped++;
        return true;
      }
      if (this.dropped > 0) {
        const note = { level: 40, time: Date.now(), msg: `${this.dropped} log lines dropped: stderr is not drained` };
        this.socket.write(`${JSON.stringify(note)}\n`);
        this.dropped = 0;
      }
      this.socket.write(line);
    } catch {
      this.broken = true;
    }
    return true;
  }

  /** Resolves once queued lines are written, or after `ms` (a stalled reader must not delay exit). */
  flush(ms: number): Promise<void> {
    const s = this.socket;
    if (!s || this.broken || s.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      s.write("", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

let root: Logger | undefined;
let sink: StderrSink | undefined;

function levelFromEnv(): LogLevel {
  const l = process.env.NAPARI_CUDA_LOG_LEVEL?.trim().toLowerCase();
  return l && (LOG_LEVELS as readonly string[]).includes(l) ? (l as LogLevel) : "info";
}

/** The process-wide logger (created on first use; level from NAPARI_CUDA_LOG_LEVEL, default info). */
export function getLogger(): Logger {
  if (!root) {
    sink = new StderrSink(2);
    root = pino({ level: levelFromEnv(), base: { pid: process.pid, name: "napari-cuda" } }, sink);
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

/** Wait (at most `ms`) for queued log lines to reach stderr before the process exits. Never throws. */
export function flushLogs(ms = 200): Promise<void> {
  return sink ? sink.flush(ms) : Promise.resolve();
}
