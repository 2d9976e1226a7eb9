import { Worker } from "node:worker_threads";
const w = new Worker(new URL("./entry.ts", import.meta.url), { workerData: { role: "cpu-render" } });
w.on("message", (m) => { console.log("got", m); void w.terminate(); });
w.on("error", (e) => console.log("err", e));
const e = new DOMException("aborted", { name: "AbortError", cause: 42 } as any);
console.log(e.name, (e as any).cause, e instanceof Error);
const sab = new Uint8Array(new SharedArrayBuffer(8)); sab.fill(65);
process.stdout.write(sab); process.stdout.write("\n");
