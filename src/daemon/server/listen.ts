/**
 * Listen on both loopback addresses with one port. The daemon serves on its configured host
 * (127.0.0.1 or ::1) and also holds the other loopback address on the same port, so that no other
 * local user can listen there: jupyter-server-proxy dials `localhost:<port>`, and where localhost
 * resolves to ::1 first it would reach whoever sits on [::1]:<port> with the browser's cookies and the
 * view token. The twin listener serves the same handlers. When the twin address is taken, the pair is
 * bound again on another ephemeral port; a machine without IPv6 serves 127.0.0.1 alone.
 */
import type { Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import type { Logger } from "../log.js";

/** Ephemeral-port attempts before giving up when the twin address keeps being taken. */
export const LISTEN_ATTEMPTS = 5;

/** Error codes meaning "this machine has no such address family/address": serve without the twin. */
const NO_FAMILY = new Set(["EADDRNOTAVAIL", "EAFNOSUPPORT", "EPROTONOSUPPORT"]);

export type LoopbackHost = "127.0.0.1" | "::1";

export interface Listening {
  port: number;
  /** The listener on the other loopback address; null when the machine lacks it. */
  twin: Server | null;
}

function twinOf(host: LoopbackHost): LoopbackHost {
  return host === "127.0.0.1" ? "::1" : "127.0.0.1";
}

function errCode(err: unknown): string {
  return typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
}

function listenOnce(server: HttpServer | Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once("error", onError);
    server.listen({ port, host, ipv6Only: host === "::1" }, () => {
      server.off("error", onError);
      const addr = server.address();
      resolve(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}

function closeQuietly(server: HttpServer | Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Bind `http` on `host`:`port` and a twin listener (feeding the same server) on the other loopback
 * address, same port. `tryPorts`: the ports to try in turn (default: `port` once when fixed, else
 * LISTEN_ATTEMPTS ephemeral ones). Throws the last error when no pair could be bound.
 */
export async function listenLoopback(
  http: HttpServer,
  host: LoopbackHost,
  port: number,
  log: Logger,
  tryPorts: readonly number[] = port === 0 ? Array<number>(LISTEN_ATTEMPTS).fill(0) : [port],
): Promise<Listening> {
  let last: unknown = new Error("no port to try");
  for (const candidate of tryPorts) {
    const bound = await listenOnce(http, candidate, host);
    const twin = createServer((socket) => http.emit("connection", socket));
    try {
      await listenOnce(twin, bound, twinOf(host));
      return { port: bound, twin };
    } catch (err) {
      if (NO_FAMILY.has(errCode(err))) {
        log.warn({ err: errCode(err) }, `no ${twinOf(host)} on this machine: serving ${host} only`);
        return { port: bound, twin: null };
      }
      last = err;
      log.warn({ port: bound, err: errCode(err) }, `${twinOf(host)}:${bound} is taken: trying another port`);
      await closeQuietly(http);
    }
  }
  throw last;
}
