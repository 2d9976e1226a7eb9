import assert from "node:assert/strict";
import { test } from "node:test";
import { LEASE_MS, ViewerShare } from "../../../src/daemon/server/view-share.js";
import type { Camera } from "../../../src/protocol/index.js";

const cam = (x: number): Camera => ({ center: [10, x], zoom: 1, angles: [0, 0, 90] });

test("a move held back by another view's lease is taken when the lease ends", () => {
  const share = new ViewerShare();
  const a = {};
  const b = {};
  // A (e.g. passing on the kernel's camera) takes the lease; B drags during it and stops.
  assert.deepEqual(share.offer(a, { camera: cam(1) }, 0), { camera: cam(1) });
  assert.deepEqual(share.offer(b, { camera: cam(5) }, 100), {});
  assert.deepEqual(share.offer(b, { camera: cam(6) }, 200), {});
  assert.equal(share.heldUntil(), LEASE_MS);
  assert.deepEqual(share.retryHeld(LEASE_MS - 1), [], "not while the lease lasts");
  assert.deepEqual(share.retryHeld(LEASE_MS), [{ view: b, moved: { camera: cam(6) } }]);
  assert.equal(share.heldUntil(), null);
});

test("a held value that is another view's late echo is not taken", () => {
  const share = new ViewerShare();
  const a = {};
  const b = {};
  share.offer(a, { camera: cam(1) }, 0);
  share.offer(a, { camera: cam(2) }, 50);
  // B passes on A's first camera (the kernel's echo) while A holds the lease.
  assert.deepEqual(share.offer(b, { camera: cam(1) }, 100), {});
  assert.deepEqual(share.retryHeld(50 + LEASE_MS), []);
});

test("a newer move supersedes a held one; a closed view's held move is dropped", () => {
  const share = new ViewerShare();
  const a = {};
  const b = {};
  share.offer(a, { camera: cam(1) }, 0);
  share.offer(b, { camera: cam(9) }, 100);
  share.offer(a, { camera: cam(2) }, 400); // goes to B too: B's held move is stale
  assert.equal(share.heldUntil(), null);
  assert.deepEqual(share.retryHeld(400 + LEASE_MS), []);
  share.offer(b, { camera: cam(8) }, 500);
  assert.equal(share.heldUntil(), 400 + LEASE_MS);
  share.release(b);
  assert.equal(share.heldUntil(), null);
});
