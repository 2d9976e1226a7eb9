/** PreauthGate: a cap on unauthenticated sockets that drops only idle ones (fake clock, real streams). */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { PreauthGate } from "../../../src/daemon/server/preauth.js";

describe("PreauthGate", () => {
  it("admits up to max; when full drops the oldest idle socket, never a fresh one", () => {
    let now = 0;
    const gate = new PreauthGate(2, 1000, () => now);
    const a = new PassThrough();
    const b = new PassThrough();
    assert.ok(gate.admit(a));
    now = 500;
    assert.ok(gate.admit(b));
    assert.equal(gate.admit(new PassThrough()), null, "full, and nobody idle for 1000 ms: refused");
    now = 1000;
    const c = new PassThrough();
    assert.ok(gate.admit(c), "a (idle 1000 ms) made room");
    assert.equal(a.destroyed, true);
    assert.equal(b.destroyed, false);
    assert.equal(gate.size, 2);
  });

  it("releases on hello (authenticated) and on close, once", async () => {
    const gate = new PreauthGate(2, 1000, () => 0);
    const a = new PassThrough();
    const b = new PassThrough();
    const ta = gate.admit(a)!;
    gate.admit(b);
    ta.authenticated();
    ta.authenticated();
    assert.equal(gate.size, 1);
    a.destroy(); // an authenticated socket's close no longer counts
    b.destroy();
    await new Promise((r) => setImmediate(r));
    assert.equal(gate.size, 0);
  });
});
