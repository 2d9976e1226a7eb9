import { Worker } from "node:worker_threads";
const entry = new URL("./entry.ts", import.meta.url).href;
const api = import.meta.resolve("tsx/esm/api");
console.log(api);
const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); }).catch((e) => { setImmediate(() => { throw e; }); });`;
for (const execArgv of [process.execArgv, []]) {
const t0 = performance.now();
const w = new Worker(code, { eval: true, workerData: { role: "cpu-render" }, execArgv });
w.on("message", (m) => { console.log("got", m, execArgv, performance.now()-t0); void w.terminate(); });
w.on("error", (e) => console.log("err", e.message));
}
