/**
 * The kernel hands the daemon its tokens on stdin: the first line is JSON
 * {"control_token": "...", "view_token": "..."}; stdin then stays open and its
 * EOF means the kernel is gone.
 */
import type { Readable } from "node:stream";
import { z } from "zod";
import type { Tokens } from "../server/auth.js";

const TokensSchema = z.object({
  control_token: z.string().min(16).max(256),
  view_token: z.string().min(16).max(256),
});

const MAX_LINE_BYTES = 4096;

/** Parse the tokens line; throws Error with a readable message. */
export function parseTokensLine(line: string): Tokens {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new Error("the first stdin line is not JSON");
  }
  const r = TokensSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`bad tokens on stdin: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}`);
  }
  if (r.data.control_token === r.data.view_token) throw new Error("control_token and view_token must differ");
  return { control: r.data.control_token, view: r.data.view_token };
}

/**
 * Read the first line of `input` (rejects on EOF before a newline, on an overlong
 * line, or after `timeoutMs`), then keep reading so that `onEnd` fires at a later EOF.
 */
export function readFirstLine(input: Readable, onEnd: () => void, timeoutMs = 60_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let buf = "";
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no tokens line on stdin within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | null, line?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(line ?? "");
    };
    input.setEncoding("utf8");
    input.on("data", (chunk: string) => {
      if (done) return; // later input is ignored; reading continues only to see EOF
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl >= 0) finish(null, buf.slice(0, nl).replace(/\r$/, ""));
      else if (buf.length > MAX_LINE_BYTES) finish(new Error("the first stdin line is too long"));
    });
    // After the line, EOF (or a broken pipe) means the kernel is gone; before it, it is only a rejection.
    const ended = (why: string): void => {
      if (done) onEnd();
      else finish(new Error(`stdin ${why} before the tokens line`));
    };
    input.on("end", () => ended("closed"));
    input.on("error", () => ended("failed"));
    input.resume();
  });
}
