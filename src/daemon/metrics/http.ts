/**
 * GET /metrics: Prometheus text format, for a caller holding the control or the view token, given as
 * `Authorization: Bearer <token>` only. A token in the URL (`?token=`) is refused with 401 whatever the
 * header says: URLs end up in proxy logs, browser history and Referer headers. Anything else: 401 (no
 * token or a wrong one), 405 (other methods). Compared in constant time (auth.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerToken, tokenMatches, type Tokens } from "../server/auth.js";
import type { DaemonMetrics } from "./registry.js";

/** Does the request URL carry a `token` query parameter (refused: tokens do not belong in URLs)? */
export function urlHasToken(req: IncomingMessage): boolean {
  try {
    return new URL(req.url ?? "/", "http://localhost").searchParams.has("token");
  } catch {
    return false;
  }
}

/** The token of the request's Bearer header; null when it has none (or a query token, which is refused). */
export function requestToken(req: IncomingMessage): string | null {
  if (urlHasToken(req)) return null;
  return bearerToken(req.headers.authorization);
}

/** Either token grants read access to metrics (they reveal no data, only timings and counts). */
export function metricsAuthorized(tokens: Tokens, token: string | null): boolean {
  if (token === null) return false;
  // Both compares always run: the time taken does not say which token came close.
  const control = tokenMatches(token, tokens.control);
  const view = tokenMatches(token, tokens.view);
  return control || view;
}

/** Answer a /metrics request. Never throws; a collection failure is a 500. */
export async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  tokens: Tokens,
  metrics: DaemonMetrics,
): Promise<void> {
  const plain = { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" };
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { ...plain, allow: "GET, HEAD" });
    res.end("method not allowed");
    return;
  }
  if (!metricsAuthorized(tokens, requestToken(req))) {
    res.writeHead(401, { ...plain, "www-authenticate": 'Bearer realm="napari-cuda"' });
    res.end("unauthorized");
    return;
  }
  try {
    const { contentType, body } = await metrics.expose();
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    res.end(req.method === "GET" ? body : undefined);
  } catch (err) {
    res.writeHead(500, plain);
    res.end(`metrics collection failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
