/** One ffmpeg child process: stdin writes with backpressure, stdout chunks out, stderr kept as a bounded tail. */
import { spawn, type ChildProcess } from "node:child_process";
import { NapariCudaError } from "../../protocol/errors.js";

/** How much of stderr is kept for error messages. */
export const STDERR_TAIL_BYTES = 8 * 1024;
/** Grace period between SIGTERM and SIGKILL in dispose(). */
export const KILL_GRACE_MS = 2000;

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the exit followed dispose() (not a failure). */
  expected: boolean;
}

export interface FfmpegProcessHandlers {
  /** Every stdout chunk, in order. */
  onStdout(chunk: Buffer): void;
  /** Called once when the process has exited (or could not start). */
  onExit(exit: FfmpegExit): void;
}

/** Keeps the last `limit` bytes written to it. */
class TailBuffer {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const joined = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.buf = joined.length > this.limit ? Buffer.from(joined.subarray(joined.length - this.limit)) : joined;
  }
  text(): string {
    return this.buf.toString("utf8").trim();
  }
}

/** A running ffmpeg; create with FfmpegProcess.start(). */
export class FfmpegProcess {
  private readonly child: ChildProcess;
  private readonly stderr = new TailBuffer(STDERR_TAIL_BYTES);
  private exitInfo: FfmpegExit | null = null;
  private readonly exited: Promise<void>;
  private disposing = false;
  private disposed: Promise<void> | null = null;
  private ioError: Error | null = null;
  private lastWrite: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly args: readonly string[],
    private readonly handlers: FfmpegProcessHandlers,
  ) {
    this.child = spawn(path, args, { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    let markExited!: () => void;
    this.exited = new Promise((resolve) => (markExited = resolve));
    // 'error' without 'close' happens when the spawn itself fails (ENOENT, EACCES).
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (this.exitInfo) return;
      this.exitInfo = { code, signal, expected: this.disposing };
      markExited();
      this.handlers.onExit(this.exitInfo);
    };
    // Kept for the whole life: a later 'error' (e.g. a failed kill) must not become an uncaught exception.
    this.child.on("error", (err: NodeJS.ErrnoException) => {
      this.ioError ??= err;
      if (this.child.pid === undefined) finish(null, null);
    });
    this.child.once("close", (code, signal) => finish(code, signal));
    // stdin errors (EPIPE, ERR_STREAM_DESTROYED) must never become uncaught exceptions.
    this.child.stdin!.on("error", (err) => (this.ioError ??= err));
    this.child.stdout!.on("data", (chunk: Buffer) => {
      if (!this.exitInfo) this.handlers.onStdout(chunk);
    });
    this.child.stderr!.on("data", (chunk: Buffer) => this.stderr.push(chunk));
    this.child.stdout!.on("error", () => undefined); // the exit status reports the failure
    this.child.stderr!.on("error", () => undefined);
  }

  /** Spawn ffmpeg; resolves once it runs, rejects with encoder_unavailable when it cannot be started. */
  static start(path: string, args: readonly string[], handlers: FfmpegProcessHandlers): Promise<FfmpegProcess> {
    let proc: FfmpegProcess;
    try {
      proc = new FfmpegProcess(path, args, handlers);
    } catch (err) {
      // spawn() throws synchronously for malformed arguments (e.g. a NUL byte in the path).
      const msg = `cannot start ffmpeg at ${path}: ${String(err)} (set NAPARI_CUDA_FFMPEG)`;
      return Promise.reject(new NapariCudaError("encoder_unavailable", msg, { cause: err }));
    }
    return new Promise((resolve, reject) => {
      proc.child.once("spawn", () => resolve(proc));
      proc.child.once("error", (err: NodeJS.ErrnoException) => {
        if (proc.child.pid !== undefined) return;
        const why = err.code === "ENOENT" ? "not found" : err.code === "EACCES" ? "not executable" : err.message;
        reject(
          new NapariCudaError(
            "encoder_unavailable",
            `cannot start ffmpeg at ${path}: ${why} (set NAPARI_CUDA_FFMPEG)`,
            {
              cause: err,
            },
          ),
        );
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Exit status once the process has exited, else null. */
  get exit(): FfmpegExit | null {
    return this.exitInfo;
  }

  /** The last ~8 KiB of stderr. */
  stderrTail(): string {
    return this.stderr.text();
  }

  /** Describe an unexpected end, with the stderr tail, for error messages. */
  describeFailure(what: string): string {
    const e = this.exitInfo;
    const status = e ? `exit code ${e.code ?? "none"}, signal ${e.signal ?? "none"}` : "still running";
    const tail = this.stderrTail();
    const io = this.ioError ? `; ${this.ioError.message}` : "";
    return `${what} (${status}${io})${tail ? `; stderr: ${tail}` : ""}`;
  }

  /**
   * Write to stdin; resolves when accepted (after 'drain' when the pipe is full), rejects with encoder_failed.
   * Overlapping writes are queued here, one in the stream at a time, so Node never buffers a backlog of frames.
   */
  write(data: Uint8Array): Promise<void> {
    const done = this.lastWrite.then(() => this.writeNow(data));
    this.lastWrite = done.catch(() => undefined);
    return done;
  }

  private writeNow(data: Uint8Array): Promise<void> {
    const stdin = this.child.stdin!;
    if (this.exitInfo || this.disposing || stdin.destroyed || !stdin.writable) {
      return Promise.reject(new NapariCudaError("encoder_failed", this.describeFailure("ffmpeg stdin is closed")));
    }
    return new Promise((resolve, reject) => {
      const fail = (): void => {
        cleanup();
        reject(new NapariCudaError("encoder_failed", this.describeFailure("writing to ffmpeg failed")));
      };
      const done = (): void => {
        cleanup();
        resolve();
      };
      const cleanup = (): void => {
        stdin.off("drain", done);
        stdin.off("close", fail);
        stdin.off("error", fail);
      };
      stdin.once("close", fail);
      stdin.once("error", fail);
      // Settle on the write's callback (the kernel has the bytes), not on write() returning true: a small
      // frame into a full pipe is still read from `data` by libuv after that, and callers reuse or free it
      // (pinned GPU frame slots) once this settles. One write at a time, so this also paces like 'drain'.
      stdin.write(data, (err) => (err ? fail() : done()));
    });
  }

  /** Close stdin after the queued writes: ffmpeg flushes its output and exits by itself. */
  async endInput(): Promise<void> {
    await this.lastWrite;
    this.child.stdin!.end();
  }

  /** End stdin, SIGTERM, SIGKILL after KILL_GRACE_MS; resolves once the process is gone. Never throws; idempotent. */
  dispose(): Promise<void> {
    this.disposed ??= this.stop();
    return this.disposed;
  }

  private async stop(): Promise<void> {
    this.disposing = true;
    if (this.exitInfo) return;
    try {
      this.child.stdin!.end();
    } catch {
      // already destroyed: nothing to end
    }
    this.kill("SIGTERM");
    if (await this.exitedWithin(KILL_GRACE_MS)) return;
    this.kill("SIGKILL");
    await this.exitedWithin(KILL_GRACE_MS);
  }

  private kill(signal: NodeJS.Signals): void {
    try {
      this.child.kill(signal);
    } catch {
      // ESRCH: already gone
    }
  }

  private exitedWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
