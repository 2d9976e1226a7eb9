/**
 * The widget's pick path end to end in node: StreamPipeline (the view's stream) against a real
 * in-process daemon; value messages parsed and matched to their picks; null when disconnected.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { NapariCudaError } from "../../../src/protocol/errors.js";
import { parseServerMessage } from "../../../src/widget/stream/messages.js";
import { setLayerData, startTestDaemon, type TestDaemon } from "../daemon/helpers.js";
import { widgetPipeline } from "../daemon/widget-pipeline.js";

let t: TestDaemon;
before(async () => {
  t = await startTestDaemon();
});
after(async () => {
  await t.daemon.close();
});

test("value messages are checked and name the bad property", () => {
  const ok = {
    type: "value",
    id: 3,
    layer_id: "a",
    status: "ok",
    value: "NaN",
    level: 1,
    level_count: 2,
    data_position: [4, 5],
  };
  assert.deepEqual(parseServerMessage(JSON.stringify(ok)), ok);
  for (const [patch, path] of [
    [{ status: "maybe" }, "status"],
    [{ value: "12" }, "value"],
    [{ value: [1] }, "value"],
    [{ id: -1 }, "id"],
    [{ layer_id: 5 }, "layer_id"],
    [{ data_position: [1.5] }, "data_position"],
    [{ level: null }, "level"],
  ] as const) {
    assert.throws(
      () => parseServerMessage(JSON.stringify({ ...ok, ...patch })),
      (e: unknown) => e instanceof NapariCudaError && e.path === path,
      JSON.stringify(patch),
    );
  }
});

test("pipeline.pick: the daemon's value for each pick, null once the stream is gone", async () => {
  const H = 6;
  const W = 7;
  await setLayerData(
    t,
    "wp",
    "img",
    "uint8",
    [H, W],
    Uint8Array.from({ length: H * W }, (_, i) => i),
  );

  const { pipeline, started } = widgetPipeline(t, "wp");
  try {
    assert.equal(await pipeline.pick([0, 0]), null, "not connected yet");
    await started();
    // Several at once: each promise gets its own answer.
    const replies = await Promise.all([
      pipeline.pick([1, 2]),
      pipeline.pick([5, 6], "img"),
      pipeline.pick([6, 0]),
      pipeline.pick([0, 0], "other"),
    ]);
    assert.deepEqual(
      replies.map((r) => [r?.status, r?.value, r?.layer_id]),
      [
        ["ok", 1 * W + 2, "img"],
        ["ok", 5 * W + 6, "img"],
        ["outside", null, "img"],
        ["no_layer", null, "other"],
      ],
    );
    const pending = pipeline.pick([1, 1]);
    pipeline.dispose();
    const late = await pending;
    assert.ok(late === null || late.value === 8, "answered, or null when the stream closed first");
    assert.equal(await pipeline.pick([1, 1]), null, "disposed");
  } finally {
    pipeline.dispose();
  }
});
