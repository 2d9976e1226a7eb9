/** After an uncaught exception or unhandled rejection the daemon stops its encoders and exits 1 (real child). */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { processStartTime } from "../../../src/daemon/util/parent-identity.js";
import { setLayerData, sleep, streamHello, TestClient, TOKENS, type TestDaemon } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
// Throws (or rejects) on the daemon's main thread on SIGUSR2: the daemon's code has no crash hook.
const CRASH_PRELOAD = join(ROOT, "tests/support/crash-on-signal.cjs");

interface Daemon {
  proc: ChildProcessWithoutNullStreams;
  port: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

const started: Daemon[] = [];
after(() => {
  for (const d of started) if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill("SIGKILL");
});

async function startDaemon(env: NodeJS.ProcessEnv = {}): Promise<Daemon> {
  const main = join(ROOT, "src/daemon/main.ts");
  const proc = spawn(
    process.execPath,
    ["--require", CRASH_PRELOAD, "--import", "tsx", main, "--parent-pid", String(process.pid)],
    { cwd: ROOT, env: { ...process.env, NAPARI_CUDA_LOG_LEVEL: "info", NAPARI_CUDA_RENDER_THREADS: "1", ...env } },
  );
  let err = "";
  proc.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  proc.stdin.write(`${JSON.stringify({ control_token: TOKENS.control, view_token: TOKENS.view })}\n`);
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    void exited.then((code) => reject(new Error(`daemon exited (${code}) before listening:\n${err}`)));
  });
  const d = { proc, port: (JSON.parse(line) as { port: number }).port, stderr: () => err, exited };
  started.push(d);
  return d;
}

function ffmpegChildrenOf(pid: number): number[] {
  try {
    const out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(pid)], { encoding: "utf8" });
    return out
      .split("\n")
      .filter((l) => /ffmpeg/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
  } catch {
    return []; // ps exits 1 when nothing matches
  }
}

async function exitCode(d: Daemon, ms = 15_000): Promise<number | null> {
  const code = await Promise.race([d.exited, sleep(ms).then(() => "running" as const)]);
  assert.notEqual(code, "running", `the daemon still runs ${ms} ms after the crash; stderr:\n${d.stderr()}`);
  return code as number | null;
}

test("an uncaught exception stops the encoders and exits 1", async () => {
  const d = await startDaemon();
  const t: Pick<TestDaemon, "url"> = { url: (path) => `ws://127.0.0.1:${d.port}${path}` };
  await setLayerData(t as TestDaemon, "v1", "l1", "uint8", [48, 64], new Uint8Array(48 * 64).fill(128));
  const view = await TestClient.open(t.url("/stream"));
  view.send(streamHello());
  await view.untilBinary();
  const ffmpeg = ffmpegChildrenOf(d.proc.pid!);
  assert.ok(ffmpeg.length > 0, "the view's encoder runs ffmpeg");

  d.proc.kill("SIGUSR2");
  assert.equal(await exitCode(d), 1);
  assert.match(d.stderr(), /uncaught exception; exiting \(status 1\)/);
  assert.match(d.stderr(), /injected uncaught exception/);
  // The daemon stopped (and reaped) its ffmpeg children before exiting: none is left, not even a zombie.
  assert.deepEqual(
    ffmpeg.filter((pid) => processStartTime(pid) !== null),
    [],
  );
  await view.close();
});

test("an unhandled rejection exits 1 as well", async () => {
  const d = await startDaemon({ NAPARI_CUDA_TEST_CRASH: "reject" });
  d.proc.kill("SIGUSR2");
  assert.equal(await exitCode(d), 1);
  assert.match(d.stderr(), /unhandled rejection; exiting \(status 1\)/);
});
