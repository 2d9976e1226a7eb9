/** Daemon metrics: the process-wide registry and the GET /metrics handler. */
import { DaemonMetrics } from "./registry.js";

export { DaemonMetrics, type FrameTiming, type LinkGauges } from "./registry.js";
export { metricsAuthorized, requestToken, serveMetrics } from "./http.js";

let instance: DaemonMetrics | null = null;

/**
 * The process's metrics (created on first use, with prom-client's default process metrics). One daemon
 * process is one scrape target, so daemons started in-process by tests share it.
 */
export function getMetrics(): DaemonMetrics {
  instance ??= new DaemonMetrics({ defaultMetrics: true });
  return instance;
}
