// Starts the daemon from an unpacked wheel, asks it `info`, and lists the shared libraries the running
// daemon has mapped (/proc/<pid>/maps). One JSON line on stdout. Plain Node (>= 20, run with
// --experimental-websocket on Node 20), no packages: it runs where only the wheel's contents exist.
//   node --experimental-websocket scripts/gpu-driver-only.mjs <dir with napari_cuda/_daemon/daemon.js>
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = process.argv[2];
if (!root) throw new Error("usage: gpu-driver-only.mjs <unpacked wheel dir>");
const daemonJs = join(root, "napari_cuda", "_daemon", "daemon.js");
const TOKEN = "driver-only-control-token-0123456789";
const PROTOCOL_VERSION = 2;

// The daemon inherits this process's environment (the caller makes it empty with env -i).
const child = spawn(process.execPath, [daemonJs, "--parent-pid", String(process.pid)], {
  env: { ...process.env, NAPARI_CUDA_BACKEND: "gpu", NAPARI_CUDA_LOG_LEVEL: "info" },
  stdio: ["pipe", "pipe", "inherit"],
});
child.stdin.write(JSON.stringify({ control_token: TOKEN, view_token: "driver-only-view-token-0123456789" }) + "\n");
const first = await new Promise((resolve, reject) => {
  child.once("exit", (code) => reject(new Error(`daemon exited with ${code} before listening`)));
  createInterface({ input: child.stdout }).once("line", resolve);
});
const { port } = JSON.parse(first);

// The kernel's way in: the control token as a Bearer header at the upgrade (undici's WebSocket takes headers).
const ws = new WebSocket(`ws://127.0.0.1:${port}/control`, { headers: { authorization: `Bearer ${TOKEN}` } });
const replies = [];
const waiters = [];
ws.addEventListener("message", (ev) => {
  if (typeof ev.data !== "string") return;
  const w = waiters.shift();
  if (w) w(JSON.parse(ev.data));
  else replies.push(JSON.parse(ev.data));
});
await new Promise((resolve, reject) => {
  ws.addEventListener("open", resolve, { once: true });
  ws.addEventListener("error", () => reject(new Error("control socket failed")), { once: true });
});
const next = () => (replies.length ? Promise.resolve(replies.shift()) : new Promise((r) => waiters.push(r)));
ws.send(JSON.stringify({ op: "hello", id: 0, protocol: PROTOCOL_VERSION, token: TOKEN }));
const hello = await next();
ws.send(JSON.stringify({ op: "info", id: 1 }));
const info = await next();

// The libraries the daemon (node + the addon, after the GPU context is up) actually loaded.
const libs = [
  ...new Set(
    readFileSync(`/proc/${child.pid}/maps`, "utf8")
      .split("\n")
      .map((l) => l.split(/\s+/).slice(5).join(" "))
      .filter((p) => /\.so(\.|$)|\.node$/.test(p)),
  ),
].sort();
const toolkit = libs.filter((p) => /\/cuda[^/]*\/|libcudart|libnvrtc|libnvjpeg|libcublas|libnpp/.test(p));
console.log(JSON.stringify({ hello_ok: hello.ok, info: info.result ?? info, libs, toolkit }));
ws.close();
child.stdin.end();
child.kill("SIGTERM");
process.exit(info.result?.backend === "gpu" && toolkit.length === 0 ? 0 : 1);
