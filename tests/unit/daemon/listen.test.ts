/**
 * The daemon holds both loopback addresses on its port (issue 11 item 1): nobody else can listen on
 * [::1]:<port>, where jupyter-server-proxy's `localhost` may resolve first; a taken ::1 port makes it
 * choose another port. Skipped where the machine has no ::1.
 */
import assert from "node:assert/strict";
import { get } from "node:http";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { after, before, describe, test } from "node:test";
import { childLogger } from "../../../src/daemon/log.js";
import { listenLoopback } from "../../../src/daemon/server/listen.js";
import { startTestDaemon, type TestDaemon } from "./helpers.js";

function bind(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen({ host, port, ipv6Only: host === "::1" }, () => resolve(s));
  });
}

/** The error code of binding host:port (null when the bind succeeded; the listener is closed again). */
async function bindError(host: string, port: number): Promise<string | null> {
  try {
    const s = await bind(host, port);
    await new Promise((r) => s.close(r));
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? "unknown";
  }
}

function portOf(s: Server): number {
  const a = s.address();
  return typeof a === "object" && a ? a.port : 0;
}

function healthz(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host, port, path: "/healthz" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}

const hasIpv6 = (await bindError("::1", 0)) === null;

describe("both loopback addresses on one port", { skip: !hasIpv6 && "no ::1 on this machine" }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon();
  });
  after(async () => {
    await t.daemon.close();
  });

  test("after listen(), [::1]:<port> cannot be bound by anyone else, and serves the daemon", async () => {
    assert.equal(await bindError("::1", t.daemon.port), "EADDRINUSE");
    assert.equal(await bindError("127.0.0.1", t.daemon.port), "EADDRINUSE");
    assert.equal(await healthz("::1", t.daemon.port), 200);
    assert.equal(await healthz("127.0.0.1", t.daemon.port), 200);
  });

  test("a taken [::1]:<port> makes the daemon choose another port and hold both addresses there", async () => {
    const squatter = await bind("::1", 0);
    const taken = portOf(squatter);
    const http = createHttpServer((_req, res) => res.end("ok"));
    try {
      // First try the squatted port (as an ephemeral pick could land on it), then ephemeral ones.
      const { port, twin } = await listenLoopback(http, "127.0.0.1", 0, childLogger("test"), [taken, 0, 0]);
      assert.notEqual(port, taken);
      assert.ok(twin, "the ::1 twin listens");
      assert.equal(await bindError("::1", port), "EADDRINUSE");
      assert.equal(await healthz("::1", port), 200, "the twin serves the same handler");
      assert.equal(await bindError("127.0.0.1", taken), null, "the abandoned 127.0.0.1 port was released");
      twin.close();
    } finally {
      http.close();
      squatter.close();
    }
  });

  test("with --host ::1 the daemon holds 127.0.0.1 on its port", async () => {
    const d = await startTestDaemon({ host: "::1" });
    try {
      assert.equal(await bindError("127.0.0.1", d.daemon.port), "EADDRINUSE");
      assert.equal(await healthz("::1", d.daemon.port), 200);
    } finally {
      await d.daemon.close();
    }
  });

  test("a fixed port whose twin is taken is an error, not a half-held port", async () => {
    const squatter = await bind("::1", 0);
    const http = createHttpServer();
    try {
      await assert.rejects(
        listenLoopback(http, "127.0.0.1", portOf(squatter), childLogger("test")),
        (err: NodeJS.ErrnoException) => err.code === "EADDRINUSE",
      );
      assert.equal(http.listening, false);
    } finally {
      squatter.close();
    }
  });
});
