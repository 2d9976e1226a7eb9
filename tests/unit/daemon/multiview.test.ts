/**
 * Several views of one viewer against a real in-process daemon: a view's move reaches the viewer's
 * other views at once (a `sync` message; the view answers with that state as the widget does, and
 * gets a frame rendered with it: its `range` reply reads what it shows), never views of other
 * viewers nor views that did not ask for sync; the kernel's late echo of a move does not move the
 * others back; a view is rendered with the state it sent; closing a view leaves the others streaming.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decodeFrame, type StreamRange, type StreamSync, type ViewerState } from "../../../src/protocol/index.js";
import { LEASE_MS } from "../../../src/daemon/server/view-share.js";
import {
  frameAt,
  layer,
  openViewer,
  setLayerData,
  sleep,
  startTestDaemon,
  streamHello,
  TestClient,
  viewerState,
  type TestDaemon,
} from "./helpers.js";

let t: TestDaemon;
let nextId = 1;
/** Layer g: 48 x 512 uint8, the value of a sample is its column / 2 (its x). */
const W = 512;

before(async () => {
  t = await startTestDaemon();
  const data = new Uint8Array(48 * W).map((_, i) => (i % W) >> 1);
  for (const viewer of ["mv1", "mv2"]) {
    await openViewer(t, viewer);
    await setLayerData(t, viewer, "g", "uint8", [48, W], data);
  }
});
after(async () => {
  await t.daemon.close();
});

/** The state of a view looking at column `x` (the canvas is 64 px wide at zoom 1). */
function at(x: number): ViewerState {
  return viewerState([24, x], 1, [layer("g")]);
}

/** A view of `viewer` at column `x`; `follows`: its hello says it takes sync messages (the widget's does). */
async function view(viewer: string, x: number, follows = true): Promise<TestClient> {
  const c = await TestClient.open(t.url("/stream"));
  c.send(streamHello({ viewer_id: viewer, state: at(x), sync: follows }));
  await frameAt(c, 0);
  return c;
}

/** Text messages until one of `type` (returned last), acking frames; and how many frames came. */
async function until(c: TestClient, type: string): Promise<{ texts: Array<{ type: string }>; frames: number }> {
  const texts: Array<{ type: string }> = [];
  let frames = 0;
  for (;;) {
    const m = await c.next(10_000);
    if (m.kind === "binary") {
      frames++;
      c.send({ type: "ack", frame_id: decodeFrame(m.data).header.frameId });
      continue;
    }
    const msg = m.json as { type: string };
    texts.push(msg);
    if (msg.type === type) return { texts, frames };
  }
}

/** The next frame (texts before it are returned). */
async function frame(c: TestClient): Promise<Array<{ type: string }>> {
  const { data, texts } = await c.untilBinary();
  c.send({ type: "ack", frame_id: decodeFrame(data).header.frameId });
  return texts as Array<{ type: string }>;
}

/** The [min, max] of g in the view as the daemon renders it (asks again while loading); texts before it. */
async function shown(c: TestClient): Promise<{ min: number; max: number; texts: Array<{ type: string }> }> {
  const seen: Array<{ type: string }> = [];
  for (;;) {
    const id = nextId++;
    c.send({ type: "range", id, layer_id: "g" });
    const { texts } = await until(c, "range");
    const r = texts.pop() as StreamRange;
    seen.push(...texts);
    if (r.status === "ok" && r.min !== null && r.max !== null) return { min: r.min, max: r.max, texts: seen };
    await sleep(20);
  }
}

const syncs = (texts: Array<{ type: string }>) => texts.filter((m) => m.type === "sync") as unknown as StreamSync[];

describe("views of one viewer follow each other", { timeout: 120_000 }, () => {
  test("a move in A reaches B (sync + frame), not C of another viewer; echoes and closes", async () => {
    const a = await view("mv1", 32);
    const b = await view("mv1", 32);
    const c = await view("mv2", 32);
    const d = await view("mv1", 32, false);
    try {
      const c0 = await shown(c);
      assert.ok((await shown(b)).max < 40, "B starts at the left edge");

      // A moves: B gets a sync with A's camera and B's latest seq; B's widget adopts it under a new
      // seq and sends it, and gets a frame showing it.
      a.send({ type: "state", seq: 1, state: at(400) });
      const { texts } = await until(b, "sync");
      const sync = syncs(texts)[0]!;
      assert.deepEqual(sync.camera.center, [24, 400]);
      assert.equal(sync.seq, 0, "B's latest seq");
      b.send({ type: "state", seq: 1, state: { ...at(0), camera: sync.camera, dims: sync.dims } });
      await frame(b);
      const b1 = await shown(b);
      assert.ok(b1.min >= 180 && b1.max <= 220, `B shows A's camera: ${JSON.stringify(b1)}`);

      // C (another viewer) got nothing: B's sync went out in the same tick as any of C's would.
      const c1 = await shown(c);
      assert.deepEqual(syncs(c1.texts), []);
      assert.deepEqual([c1.min, c1.max], [c0.min, c0.max]);
      // D (a view whose hello did not ask for sync) renders its own state, as before.
      const d1 = await shown(d);
      assert.deepEqual(syncs(d1.texts), []);
      assert.ok(d1.max < 40, `D keeps its own camera: ${JSON.stringify(d1)}`);

      // A moves on; the kernel's echo of A's earlier camera reaches B and B sends it on: B is rendered
      // as it asked (its frames show the camera of their seq), and A is not moved back.
      a.send({ type: "state", seq: 2, state: at(300) });
      await until(b, "sync");
      b.send({ type: "state", seq: 2, state: at(300) });
      b.send({ type: "state", seq: 3, state: at(400) });
      const b2 = await shown(b);
      assert.ok(b2.min >= 180 && b2.max <= 220, `B shows what it sent: ${JSON.stringify(b2)}`);
      const a2 = await shown(a);
      assert.deepEqual(syncs(a2.texts), [], "A was not sent B's stale echo");
      assert.ok(a2.min >= 130 && a2.max <= 170, `A stays where it moved: ${JSON.stringify(a2)}`);

      // B's own move (after A's lease) reaches A.
      await sleep(LEASE_MS + 50);
      b.send({ type: "state", seq: 4, state: at(100) });
      const { texts: toA } = await until(a, "sync");
      assert.deepEqual(syncs(toA)[0]!.camera.center, [24, 100]);
      assert.equal(syncs(toA)[0]!.seq, 2, "A's seq");
      a.send({ type: "state", seq: 3, state: at(100) });
      await frame(a);

      // Closing A leaves B streaming: B's next move renders, and nothing fails.
      await a.close();
      await sleep(LEASE_MS + 50);
      b.send({ type: "state", seq: 5, state: at(250) });
      await frame(b);
      const b3 = await shown(b);
      assert.ok(b3.min >= 105 && b3.max <= 145, `B still renders its own moves: ${JSON.stringify(b3)}`);
      assert.deepEqual(
        b3.texts.filter((m) => m.type === "error"),
        [],
      );
    } finally {
      await Promise.all([a.close(), b.close(), c.close(), d.close()]);
    }
  });

  test("a move under another view's lease is shown in that view only", async () => {
    const a = await view("mv1", 32);
    const b = await view("mv1", 32);
    try {
      a.send({ type: "state", seq: 1, state: at(350) });
      await until(b, "sync");
      // B moves at once (within A's lease): B shows its move, A is not moved; A's next move reaches B.
      b.send({ type: "state", seq: 1, state: at(64) });
      const b1 = await shown(b);
      assert.ok(b1.min >= 16 && b1.max <= 48, `B shows its own move: ${JSON.stringify(b1)}`);
      const a1 = await shown(a);
      assert.deepEqual(syncs(a1.texts), []);
      assert.ok(a1.min >= 155 && a1.max <= 195, `A is not moved: ${JSON.stringify(a1)}`);
      a.send({ type: "state", seq: 2, state: at(280) });
      const { texts } = await until(b, "sync");
      assert.deepEqual(syncs(texts)[0]!.camera.center, [24, 280]);
      // A's newer move superseded B's held one: when A's lease ends, A is not sent B's old move.
      await sleep(LEASE_MS + 100);
      const a2 = await shown(a);
      assert.deepEqual(syncs(a2.texts), [], "A got no stale held move");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("a move held back by a lease reaches the others when the lease ends", async () => {
    const a = await view("mv1", 32);
    const b = await view("mv1", 32);
    try {
      // A passes a camera on (as a kernel echo would) and takes the lease; B drags once and stops.
      // (Columns no earlier test used: values shared in the last 3 s count as echoes.)
      a.send({ type: "state", seq: 1, state: at(420) });
      await until(b, "sync");
      const t0 = performance.now();
      b.send({ type: "state", seq: 1, state: at(96) });
      const { texts } = await until(a, "sync");
      const waited = performance.now() - t0;
      assert.deepEqual(syncs(texts)[0]!.camera.center, [24, 96]);
      assert.ok(waited < LEASE_MS + 400, `A followed B ${waited.toFixed(0)} ms after B's move`);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
