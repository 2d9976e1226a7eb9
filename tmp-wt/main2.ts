import { Worker } from "node:worker_threads";
console.log(process.execArgv);
const w = new Worker(new URL("./entry.ts", import.meta.url), { workerData: { role: "cpu-render" }, execArgv: [...process.execArgv] });
w.on("message", (m) => { console.log("got", m); void w.terminate(); });
w.on("error", (e) => console.log("err", e.message));
const w2 = new Worker(`import(${JSON.stringify(new URL("./entry.ts", import.meta.url).href)})`, { eval: true, workerData: { role: "x" } });
w2.on("message", (m) => { console.log("got2", m); void w2.terminate(); });
w2.on("error", (e) => console.log("err2", e.message));
