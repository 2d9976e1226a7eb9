/**
 * Checks on a WebSocket upgrade request before ws sees it. /control and /chunks are the kernel's: they must carry
 * `Authorization: Bearer <control token>` and no Origin header (browsers always send Origin on a
 * WebSocket upgrade; the kernel's Python client never does), so a web page can never open it and
 * nothing is buffered for a caller without the token. /stream is the browser's: it authenticates in
 * hello (a browser cannot set headers), under the pre-auth limits of preauth.ts.
 */
import type { IncomingMessage } from "node:http";
import { bearerToken, tokenMatches, type Tokens } from "./auth.js";

/** Why an upgrade is refused, as an HTTP status line; null when it may proceed. */
export function refuseUpgrade(
  req: IncomingMessage,
  channel: "control" | "chunks" | "stream",
  tokens: Tokens,
): string | null {
  if (channel === "stream") return null;
  if (req.headers.origin !== undefined) return "403 Forbidden";
  const token = bearerToken(req.headers.authorization);
  if (token === null || !tokenMatches(token, tokens.control)) return "401 Unauthorized";
  return null;
}
