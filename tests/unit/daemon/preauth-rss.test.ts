/**
 * A 64 MiB message before authentication is refused without being buffered (issue 11 item 2): the
 * daemon runs as a child process and its peak RSS (VmHWM) is read from /proc. A 64 MiB message on an
 * authenticated /control (which may carry arrays) shows that the measure sees buffering.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { TOKENS } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const MIB = 1024 * 1024;
const SIZE = 64 * MIB;

/** Peak resident set of `pid` in bytes (VmHWM). */
function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(m, "VmHWM in /proc/<pid>/status");
  return Number(m[1]) * 1024;
}

/**
 * Upgrade `path` with `headers` over a raw socket, then send one masked binary frame announcing
 * SIZE bytes and stream them until the daemon closes. Returns the HTTP status and, after a 101, the
 * close code the daemon sent (null when none).
 */
function sendHuge(port: number, path: string, headers: string[]): Promise<{ status: number; close: number | null }> {
  return new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port });
    let got = Buffer.alloc(0);
    let stopped = false;
    sock.on("data", (b: Buffer) => (got = Buffer.concat([got, b])));
    const finish = (): void => {
      const text = got.toString("latin1");
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
      const body = got.subarray(text.indexOf("\r\n\r\n") + 4);
      // A server close frame: 0x88, length >= 2, then the code (big-endian).
      const close = body.length >= 4 && body[0] === 0x88 ? body.readUInt16BE(2) : null;
      resolve({ status, close });
    };
    sock.on("close", finish);
    sock.on("error", () => undefined);
    sock.on("connect", () => {
      const req = [
        `GET ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        ...headers,
        "",
        "",
      ].join("\r\n");
      const head = Buffer.alloc(14);
      head[0] = 0x82; // FIN, binary
      head[1] = 0x80 | 127; // masked, 64-bit length
      head.writeBigUInt64BE(BigInt(SIZE), 2);
      sock.write(Buffer.concat([Buffer.from(req, "latin1"), head]));
      const chunk = Buffer.alloc(MIB, 0x41);
      let sent = 0;
      const pump = (): void => {
        while (!stopped && sent < SIZE) {
          sent += chunk.length;
          if (!sock.write(chunk)) return void sock.once("drain", pump);
        }
      };
      sock.on("close", () => (stopped = true));
      pump();
      // After an accepted message (the positive control) the daemon keeps the socket: close it.
      setTimeout(() => sock.end(), 3000).unref();
    });
  });
}

describe("pre-auth messages are not buffered (daemon as a child process)", { timeout: 120_000 }, () => {
  let proc: ChildProcessWithoutNullStreams;
  let port = 0;
  before(async () => {
    proc = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/daemon/main.ts")], {
      cwd: ROOT,
      env: {
        ...process.env,
        NAPARI_CUDA_LOG_LEVEL: "error",
        NAPARI_CUDA_RENDER_THREADS: "0",
        NAPARI_CUDA_BACKEND: "cpu",
      },
    });
    proc.stdin.write(`${JSON.stringify({ control_token: TOKENS.control, view_token: TOKENS.view })}\n`);
    port = await new Promise<number>((resolve, reject) => {
      let out = "";
      proc.stdout.on("data", (b: Buffer) => {
        out += b.toString();
        if (out.includes("\n")) resolve((JSON.parse(out.split("\n")[0]!) as { port: number }).port);
      });
      proc.once("exit", (code) => reject(new Error(`daemon exited (${code}) before listening`)));
    });
  });
  after(() => {
    proc.kill("SIGTERM");
  });

  test("64 MiB on /control without a token, and on /stream before hello: refused, peak RSS grows < 16 MiB", async () => {
    const start = peakRss(proc.pid!);
    const control = await sendHuge(port, "/control", []);
    assert.equal(control.status, 401);
    const stream = await sendHuge(port, "/stream", []);
    assert.equal(stream.status, 101);
    assert.equal(stream.close, 1009);
    const end = peakRss(proc.pid!);
    process.stdout.write(
      `# pre-auth 64 MiB: daemon VmHWM ${(start / MIB).toFixed(1)} -> ${(end / MIB).toFixed(1)} MiB\n`,
    );
    assert.ok(end - start < 16 * MIB, `peak RSS grew by ${((end - start) / MIB).toFixed(1)} MiB`);

    // The measure sees buffering: an authenticated /control accepts (and so holds) a 64 MiB message.
    const authed = await sendHuge(port, "/control", [`Authorization: Bearer ${TOKENS.control}`]);
    assert.equal(authed.status, 101);
    const buffered = peakRss(proc.pid!);
    process.stdout.write(`# after 64 MiB on authenticated /control: VmHWM ${(buffered / MIB).toFixed(1)} MiB\n`);
    assert.ok(
      buffered - end >= 48 * MIB,
      `an accepted 64 MiB message raised peak RSS by ${(buffered - end) / MIB} MiB`,
    );
  });
});
