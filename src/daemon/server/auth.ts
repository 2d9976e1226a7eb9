/** Token checks: the control token (kernel) and the view token (browser views). */
import { createHash, timingSafeEqual } from "node:crypto";

export interface Tokens {
  /** Kernel only: may load data, take screenshots, shut down. */
  control: string;
  /** Browser views: may change view state and receive frames, nothing else. */
  view: string;
}

export type Channel = "control" | "stream";

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/** Constant-time token comparison (sha256 digests have equal length whatever the inputs). */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Does `token` grant access to `channel`? Each channel accepts exactly its own token. */
export function authorize(tokens: Tokens, channel: Channel, token: string): boolean {
  return tokenMatches(token, channel === "control" ? tokens.control : tokens.view);
}

/** The token of an `Authorization: Bearer <token>` header; null when absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}
