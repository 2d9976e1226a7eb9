/** The daemon as a child process (sources via tsx, and the esbuild bundle): start line, exits, no orphans. */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { get } from "node:http";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { processAlive } from "../../../src/daemon/util/parent-watch.js";
import { PROTOCOL_VERSION } from "../../../src/protocol/index.js";
import { openViewer, sleep, streamHello, TestClient, TOKENS } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const BUNDLE = join(ROOT, "kernel-bridge/napari_cuda/_daemon/daemon.js");
const TOKENS_LINE = `${JSON.stringify({ control_token: TOKENS.control, view_token: TOKENS.view })}\n`;

type Entry = "tsx" | "bundle";

interface Child {
  proc: ChildProcessWithoutNullStreams;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const started: Child[] = [];

function launch(entry: Entry, args: string[] = [], env: NodeJS.ProcessEnv = {}): Child {
  const argv = entry === "tsx" ? ["--import", "tsx", join(ROOT, "src/daemon/main.ts")] : [BUNDLE];
  const proc = spawn(process.execPath, [...argv, ...args], {
    cwd: ROOT,
    env: { ...process.env, NAPARI_CUDA_LOG_LEVEL: "info", NAPARI_CUDA_RENDER_THREADS: "1", ...env },
  });
  let err = "";
  proc.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const child = { proc, stderr: () => err, exited };
  started.push(child);
  return child;
}

/** Everything stdout says until it closes (the contract: exactly one line). */
function stdoutText(c: Child): Promise<string> {
  return new Promise((resolve) => {
    let out = "";
    c.proc.stdout.on("data", (b: Buffer) => (out += b.toString()));
    c.proc.stdout.on("close", () => resolve(out));
  });
}

/** The listening line, once it arrives. */
function listening(
  c: Child,
): Promise<{ event: string; host: string; port: number; pid: number; protocol: number; version: string }> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (b: Buffer): void => {
      out += b.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        c.proc.stdout.off("data", onData);
        resolve(JSON.parse(out.slice(0, nl)));
      }
    };
    c.proc.stdout.on("data", onData);
    void c.exited.then(({ code }) => reject(new Error(`daemon exited (${code}) before listening: ${c.stderr()}`)));
  });
}

async function start(entry: Entry, args: string[] = []): Promise<{ c: Child; port: number; all: Promise<string> }> {
  const c = launch(entry, args);
  const all = stdoutText(c);
  c.proc.stdin.write(TOKENS_LINE);
  const line = await listening(c);
  assert.deepEqual(line, {
    event: "listening",
    host: "127.0.0.1",
    port: line.port,
    pid: c.proc.pid,
    protocol: PROTOCOL_VERSION,
    version: "0.1.0",
  });
  return { c, port: line.port, all };
}

function healthz(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/healthz" }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

function childPids(pid: number, name: RegExp): number[] {
  try {
    const out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(pid)], { encoding: "utf8" });
    return out
      .split("\n")
      .filter((l) => name.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
  } catch {
    return []; // ps exits 1 when nothing matches
  }
}

/** Open a view so that the daemon runs ffmpeg; resolves with the view and the ffmpeg pids. */
/** The daemon on `port`, as the helpers address it. */
function at(port: number): { url: (path: string) => string } {
  return { url: (path) => `ws://127.0.0.1:${port}${path}` };
}

async function viewWithEncoder(port: number, daemonPid: number): Promise<{ v: TestClient; ffmpeg: number[] }> {
  await openViewer(at(port), "v1");
  const v = await TestClient.open(`ws://127.0.0.1:${port}/stream`);
  v.send(streamHello());
  await v.untilBinary();
  const ffmpeg = childPids(daemonPid, /ffmpeg/);
  assert.ok(ffmpeg.length > 0, "the view's encoder runs ffmpeg");
  return { v, ffmpeg };
}

async function exitsWithin(c: Child, ms: number, from = Date.now()): Promise<number | null> {
  const r = await Promise.race([c.exited, sleep(ms).then(() => null)]);
  assert.ok(r, `still running after ${ms} ms; stderr:\n${c.stderr()}`);
  assert.ok(r.at - from <= ms);
  return r.code;
}

before(() => {
  execFileSync(process.execPath, [join(ROOT, "scripts/bundle-daemon.mjs")], { cwd: ROOT, stdio: "ignore" });
  assert.ok(existsSync(BUNDLE));
});

after(async () => {
  for (const c of started) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
});

for (const entry of ["tsx", "bundle"] as const) {
  describe(`daemon process (${entry})`, { timeout: 120_000 }, () => {
    test("one stdout line, /healthz, stdin EOF => exit 0 within 3 s, no ffmpeg left", async () => {
      const { c, port, all } = await start(entry, ["--parent-pid", String(process.pid)]);
      assert.deepEqual(await healthz(port), { status: 200, body: "ok" });
      const { v, ffmpeg } = await viewWithEncoder(port, c.proc.pid!);
      const t0 = Date.now();
      c.proc.stdin.end();
      assert.equal(await exitsWithin(c, 3000, t0), 0);
      assert.equal((await v.closed).code, 1001);
      assert.deepEqual(
        ffmpeg.filter((p) => processAlive(p)),
        [],
        "ffmpeg children are gone",
      );
      const out = await all;
      assert.equal(out.split("\n").filter(Boolean).length, 1, `stdout: ${out}`);
      assert.match(c.stderr(), /"msg":"listening"/);
    });
  });
}

describe("daemon process (bundle) exits", { timeout: 120_000 }, () => {
  test("when the parent pid dies", async () => {
    const parent = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      const { c } = await start("bundle", ["--parent-pid", String(parent.pid)]);
      parent.kill("SIGKILL");
      const t0 = Date.now();
      assert.equal(await exitsWithin(c, 3000, t0), 0);
      assert.match(c.stderr(), /parent process \d+ is gone/);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  test("when the parent dies before sending the tokens", async () => {
    const parent = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      const c = launch("bundle", ["--parent-pid", String(parent.pid)]);
      await sleep(300);
      parent.kill("SIGKILL");
      // stdin stays open (we hold it): only the parent watch can notice.
      assert.equal(await exitsWithin(c, 3000), 0);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  test("even when nobody drains its stderr (a full pipe never blocks it)", async () => {
    const c = launch("bundle", [], { NAPARI_CUDA_LOG_LEVEL: "debug" });
    c.proc.stderr.removeAllListeners("data");
    c.proc.stderr.pause();
    c.proc.stdin.write(TOKENS_LINE);
    const { port } = await listening(c);
    // Each view logs on connect and close: far more than a pipe (64 KiB) holds.
    await openViewer(at(port), "flood");
    for (let i = 0; i < 400; i++) {
      const v = await TestClient.open(`ws://127.0.0.1:${port}/stream`);
      v.send(streamHello({ codecs: ["vp8"], viewer_id: "flood" }));
      await v.json();
      await v.close();
    }
    const t0 = Date.now();
    c.proc.kill("SIGTERM");
    assert.equal(await exitsWithin(c, 3000, t0), 0);
  });

  test("on SIGTERM: clients get 1001, exit 0 with no ffmpeg left", async () => {
    const { c, port } = await start("bundle");
    const { v, ffmpeg } = await viewWithEncoder(port, c.proc.pid!);
    const k = await TestClient.open(`ws://127.0.0.1:${port}/control`);
    k.send({ op: "hello", id: 1, protocol: PROTOCOL_VERSION, token: TOKENS.control });
    await k.json();
    c.proc.kill("SIGTERM");
    assert.equal(await exitsWithin(c, 3000), 0);
    assert.equal((await v.closed).code, 1001);
    assert.equal((await k.closed).code, 1001);
    assert.deepEqual(
      ffmpeg.filter((p) => processAlive(p)),
      [],
    );
  });

  test("on the shutdown op", async () => {
    const { c, port } = await start("bundle");
    const k = await TestClient.open(`ws://127.0.0.1:${port}/control`);
    k.send({ op: "hello", id: 1, protocol: PROTOCOL_VERSION, token: TOKENS.control });
    await k.json();
    k.send({ op: "shutdown", id: 2 });
    assert.deepEqual(await k.json(), { id: 2, ok: true, result: {} });
    assert.equal(await exitsWithin(c, 3000), 0);
  });

  test("with code 2 on a missing or bad tokens line, or a non-loopback host", async () => {
    const cases: Array<[string[], string | null, RegExp]> = [
      [[], null, /stdin closed before the tokens line/],
      [[], "hello\n", /not JSON/],
      [[], `${JSON.stringify({ control_token: TOKENS.control })}\n`, /view_token/],
      [["--host", "0.0.0.0"], TOKENS_LINE, /--host must be 127\.0\.0\.1 or ::1/],
    ];
    for (const [args, input, why] of cases) {
      const c = launch("bundle", args);
      const out = stdoutText(c);
      if (input !== null) c.proc.stdin.write(input);
      c.proc.stdin.end();
      assert.equal(await exitsWithin(c, 5000), 2);
      assert.match(c.stderr(), why);
      assert.equal(await out, "", "nothing on stdout");
    }
  });
});
