/**
 * A static file server whose answers for chosen paths wait until the test releases them: a source
 * whose chunks land when the test says (like a kernel computing them), with every request counted.
 */
import { readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

export interface GatedServer {
  url: string;
  /** Requests per URL pathname so far. */
  count(path: string): number;
  /** Hold answers for paths this returns true for (default: none). */
  hold: (path: string) => boolean;
  /** Paths answered with HTTP 500 (a chunk whose computation fails). */
  fail: Set<string>;
  /** Resolves once `path` has been requested (and is waiting, when held). */
  requested(path: string): Promise<void>;
  /** Answer the held requests for `path` (and later ones); all held ones when omitted. */
  release(path?: string): void;
  close(): Promise<void>;
}

export async function serveGated(root: string): Promise<GatedServer> {
  const counts = new Map<string, number>();
  const waiting = new Map<string, Array<() => void>>();
  const released = new Set<string>();
  const seen = new Map<string, Array<() => void>>();
  let all = false;
  const gate: GatedServer = {
    url: "",
    count: (path) => counts.get(path) ?? 0,
    hold: () => false,
    fail: new Set(),
    requested: (path) =>
      (counts.get(path) ?? 0) > 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => seen.set(path, [...(seen.get(path) ?? []), resolve])),
    release: (path) => {
      if (path === undefined) all = true;
      else released.add(path);
      for (const [p, fns] of waiting) {
        if (path !== undefined && p !== path) continue;
        waiting.delete(p);
        for (const fn of fns) fn();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const answer = (path: string, method: string | undefined, res: import("node:http").ServerResponse): void => {
    if (gate.fail.has(path)) {
      res.writeHead(500).end();
      return;
    }
    const file = join(root, normalize(path));
    try {
      if (!statSync(file).isFile()) throw new Error("not a file");
    } catch {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { "content-length": String(body.length) });
    res.end(method === "HEAD" ? undefined : body);
  };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const go = (): void => answer(path, req.method, res);
    if (gate.hold(path) && !all && !released.has(path)) waiting.set(path, [...(waiting.get(path) ?? []), go]);
    else go();
    for (const fn of seen.get(path) ?? []) fn();
    seen.delete(path);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}
