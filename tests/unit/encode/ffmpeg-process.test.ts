import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isNapariCudaError } from "../../../src/protocol/errors.js";
import {
  FfmpegProcess,
  KILL_GRACE_MS,
  STDERR_TAIL_BYTES,
  type FfmpegExit,
} from "../../../src/daemon/encode/ffmpeg-process.js";
import { requireFfmpeg } from "./helpers.js";

/** Start a process and collect its stdout; `exited` resolves with its exit. */
async function start(args: string[], path = requireFfmpeg()) {
  const chunks: Buffer[] = [];
  let onExit!: (e: FfmpegExit) => void;
  const exited = new Promise<FfmpegExit>((resolve) => (onExit = resolve));
  const proc = await FfmpegProcess.start(path, args, { onStdout: (c) => chunks.push(c), onExit });
  return { proc, exited, stdout: () => Buffer.concat(chunks) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const ECHO = ["-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "gray", "-s", "256x16"];

describe("FfmpegProcess", () => {
  it("rejects a missing binary with encoder_unavailable", async () => {
    await assert.rejects(
      FfmpegProcess.start("/nonexistent/napari-cuda/ffmpeg", [], { onStdout: () => {}, onExit: () => {} }),
      (err) => isNapariCudaError(err, "encoder_unavailable") && err.message.includes("/nonexistent/napari-cuda/ffmpeg"),
    );
  });

  it("resolves a large write only once the pipe drained, and passes every byte through", async () => {
    const { proc, exited, stdout } = await start([...ECHO, "-i", "pipe:0", "-f", "rawvideo", "pipe:1"]);
    try {
      const input = Buffer.alloc(8 << 20);
      for (let i = 0; i < input.length; i++) input[i] = (i * 7 + (i >> 12)) & 255;
      await proc.write(input);
      // A write that did not wait for 'drain' would resolve with ~nothing consumed yet.
      assert.ok(stdout().length > input.length - (1 << 20), `only ${stdout().length} bytes through at drain`);
      await proc.endInput();
      assert.equal((await exited).code, 0);
      assert.ok(stdout().equals(input), "output differs from input");
    } finally {
      await proc.dispose();
    }
  });

  it("reports an unexpected exit with the stderr tail, and failed writes reject (no EPIPE crash)", async () => {
    const { proc, exited } = await start(["-hide_banner", "-i", "/nonexistent/napari-cuda/in.raw", "-f", "null", "-"]);
    const big = Buffer.alloc(4 << 20);
    // Settled at once: a write may fail (EPIPE) while the test still waits for the exit.
    const settle = (p: Promise<void>) =>
      p.then(
        () => null,
        (err: unknown) => err,
      );
    const writes = [settle(proc.write(big)), settle(proc.write(big))];
    const exit = await exited;
    assert.equal(exit.expected, false);
    assert.notEqual(exit.code, 0);
    assert.match(proc.describeFailure("ffmpeg died"), /ffmpeg died \(exit code \d+.*No such file or directory/);
    for (const err of await Promise.all(writes)) {
      // null: the pipe took the bytes before ffmpeg exited
      if (err !== null) assert.ok(isNapariCudaError(err, "encoder_failed"), String(err));
    }
    await assert.rejects(proc.write(big), (err) => isNapariCudaError(err, "encoder_failed"));
    await proc.dispose();
  });

  it("keeps only the last ~8 KiB of stderr", async () => {
    const { proc, exited } = await start(
      ["-v", "debug", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=2", "-f", "null", "-"].concat(),
    );
    await exited;
    const tail = proc.stderrTail();
    assert.ok(tail.length > 4096 && Buffer.byteLength(tail) <= STDERR_TAIL_BYTES, `${tail.length} bytes`);
    await proc.dispose();
  });

  it("dispose() stops a waiting ffmpeg, is idempotent and never throws", async () => {
    const { proc, exited } = await start([...ECHO, "-i", "pipe:0", "-f", "null", "-"]);
    const pid = proc.pid!;
    assert.ok(alive(pid));
    const first = proc.dispose();
    assert.equal(proc.dispose(), first);
    await first;
    assert.equal((await exited).expected, true);
    assert.equal(alive(pid), false);
    await assert.rejects(proc.write(Buffer.alloc(16)), (err) => isNapariCudaError(err, "encoder_failed"));
    await proc.dispose();
  });

  it("dispose() SIGKILLs a process that ignores SIGTERM after the grace period", async () => {
    // A real process that ignores SIGTERM and stdin EOF (exec keeps it a single process).
    const { proc, exited, stdout } = await start(["-c", "trap '' TERM; echo ready; exec sleep 30"], "/bin/sh");
    const pid = proc.pid!;
    while (!stdout().toString().includes("ready")) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await proc.dispose();
    const took = Date.now() - t0;
    assert.ok(took >= KILL_GRACE_MS - 50 && took < KILL_GRACE_MS + 2000, `dispose took ${took} ms`);
    assert.equal((await exited).signal, "SIGKILL");
    assert.equal(alive(pid), false);
  });
});
