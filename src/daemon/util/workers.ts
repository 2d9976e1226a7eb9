/** Worker-thread plumbing shared by the render and chunk pools. */
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/** DOMException "AbortError" (what fetch and Node's own APIs reject with), cause = the signal's reason. */
export function abortError(signal: AbortSignal, what = "operation"): DOMException {
  // The two-argument form type-checks under both the DOM and Node lib typings.
  const err = new DOMException(`${what} aborted`, "AbortError");
  Object.defineProperty(err, "cause", { value: signal.reason, configurable: true, writable: true });
  return err;
}

/**
 * Start a worker on `entry` (the daemon bundle, whose main.ts dispatches on workerData.role, or a
 * .ts file when running under tsx) with `workerData.role = role`.
 */
export function spawnWorker(entry: string | URL, role: string): Worker {
  const href = entry instanceof URL ? entry.href : entry.startsWith("file:") ? entry : pathToFileURL(entry).href;
  const options = { workerData: { role } };
  if (!href.endsWith(".ts")) return new Worker(new URL(href), options);
  // Node 20 starts loading a worker's entry before its inherited `--import tsx` hooks are
  // active, so a .ts entry goes through a shim that registers tsx first.
  const api = import.meta.resolve("tsx/esm/api");
  const shim = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(href)}); });`;
  return new Worker(shim, { ...options, eval: true });
}
