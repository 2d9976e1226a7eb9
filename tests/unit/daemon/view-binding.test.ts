/**
 * Views are bound to viewers the kernel created (issue 11 item 7): a hello naming another viewer is
 * refused, a view's hello leaves nothing behind after it closes, closing a viewer closes its views,
 * and the daemon serves at most NAPARI_CUDA_MAX_VIEWS views.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { InfoResult } from "../../../src/protocol/index.js";
import {
  controlClient,
  openViewer,
  setLayerData,
  startTestDaemon,
  streamHello,
  TestClient,
  type TestDaemon,
} from "./helpers.js";

type ErrorMsg = { type: string; code: string; message: string };

async function info(t: TestDaemon): Promise<InfoResult> {
  const k = await controlClient(t);
  k.send({ op: "info", id: 1 });
  const r = (await k.json<{ result: InfoResult }>()).result;
  await k.close();
  return r;
}

/** A view that said hello; `first` is its first message (meta, or the error that refused it). */
async function hello(t: TestDaemon, viewer: string): Promise<{ c: TestClient; first: ErrorMsg }> {
  const c = await TestClient.open(t.url("/stream"));
  c.send(streamHello({ viewer_id: viewer, codecs: ["vp8"] })); // no H.264: no encoder, meta only
  const first = await c.json<ErrorMsg>();
  if (first.type === "meta") assert.equal((await c.json<ErrorMsg>()).code, "unsupported"); // (no H.264)
  return { c, first };
}

/** Wait until the daemon counts `n` views (a closed socket is disposed a moment after the close). */
async function untilViews(t: TestDaemon, n: number): Promise<void> {
  for (let i = 0; i < 100 && (await info(t)).views !== n; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await info(t)).views, n);
}

describe("views bound to the kernel's viewers", { timeout: 60_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon({ maxViews: 3 });
  });
  after(async () => {
    await t.daemon.close();
  });

  test("a hello naming a viewer the kernel never created => unknown_viewer, close 1008, nothing kept", async () => {
    const before = await info(t);
    for (let i = 0; i < 20; i++) {
      const { c, first } = await hello(t, `never-${i}`);
      assert.equal(first.type, "error");
      assert.equal(first.code, "unknown_viewer");
      assert.equal((await c.closed).code, 1008);
    }
    const now = await info(t);
    assert.equal(now.viewers, before.viewers, "hellos created no viewer entries");
    assert.equal(now.views, 0);
  });

  test("a view of a created viewer streams meta; closing it frees its entry", async () => {
    await openViewer(t, "made");
    const { c, first } = await hello(t, "made");
    assert.equal(first.type, "meta");
    assert.equal((await info(t)).views, 1);
    await c.close();
    await untilViews(t, 0);
  });

  test("set_layer_data creates the viewer; close_viewer closes its views (unknown_viewer, 1008)", async () => {
    await setLayerData(t, "data", "img", "uint8", [4, 4], new Uint8Array(16));
    const a = await hello(t, "data");
    const b = await hello(t, "data");
    const other = await hello(t, "made");
    assert.deepEqual([a.first.type, b.first.type, other.first.type], ["meta", "meta", "meta"]);
    const k = await controlClient(t);
    k.send({ op: "close_viewer", id: 2, viewer_id: "data" });
    assert.deepEqual(await k.json(), { id: 2, ok: true, result: { closed: true } });
    for (const v of [a, b]) {
      assert.equal((await v.c.json<ErrorMsg>()).code, "unknown_viewer");
      assert.equal((await v.c.closed).code, 1008);
    }
    assert.equal(other.c.ws.readyState, other.c.ws.OPEN, "another viewer's view stays");
    // A new view of the closed viewer is refused until the kernel creates it again.
    assert.equal((await hello(t, "data")).first.code, "unknown_viewer");
    await k.close();
    await other.c.close();
  });

  test("one view over maxViews => too_many_views naming NAPARI_CUDA_MAX_VIEWS, close 1013", async () => {
    await openViewer(t, "cap");
    await untilViews(t, 0);
    const views = [await hello(t, "cap"), await hello(t, "cap"), await hello(t, "cap")];
    for (const v of views) assert.equal(v.first.type, "meta");
    const extra = await hello(t, "cap");
    assert.equal(extra.first.code, "too_many_views");
    assert.match(extra.first.message, /NAPARI_CUDA_MAX_VIEWS/);
    assert.equal((await extra.c.closed).code, 1013);
    // A freed place is taken again.
    await views[0]!.c.close();
    await untilViews(t, 2);
    const again = await hello(t, "cap");
    assert.equal(again.first.type, "meta");
    for (const v of [...views.slice(1), again]) await v.c.close();
  });
});
