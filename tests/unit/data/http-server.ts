/** A static file server for the HTTP tests (GET/HEAD, Range requests), with injectable failures. */
import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

export interface StaticServer {
  url: string;
  /** Paths requested so far (URL pathnames). */
  requests: string[];
  /** Pathnames answered with this status instead of the file. */
  fail: Map<string, number>;
  close(): Promise<void>;
}

export async function serveDir(root: string): Promise<StaticServer> {
  const requests: string[] = [];
  const fail = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(pathname);
    const status = fail.get(pathname);
    if (status !== undefined) {
      res.writeHead(status).end();
      return;
    }
    const file = join(root, normalize(pathname));
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error("not a file");
      size = st.size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    let start = 0;
    let end = size - 1;
    if (range) {
      if (range[1] === "") start = size - Number(range[2]);
      else {
        start = Number(range[1]);
        if (range[2] !== "") end = Math.min(end, Number(range[2]));
      }
    }
    res.writeHead(range ? 206 : 200, { "content-length": String(end - start + 1), "accept-ranges": "bytes" });
    if (req.method === "HEAD") res.end();
    else createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
