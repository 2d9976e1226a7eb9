/** PickScheduler: one pick in flight, the newest position wins, a minimum interval, retries. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PickStatus, StreamValue } from "../../../src/protocol/stream.js";
import {
  PICK_MIN_INTERVAL_MS,
  PICK_NO_STREAM_RETRY_MS,
  PICK_RETRY_MS,
  PickScheduler,
  type PickQuery,
} from "../../../src/widget/statusbar/pick-scheduler.js";
import { ManualClock } from "./clock.js";

/** A fake stream: records sends; each pending send is answered by the test. */
class Harness {
  readonly clock = new ManualClock();
  readonly sent: Array<{ q: PickQuery; at: number; answer: (v: StreamValue | null) => void }> = [];
  readonly results: Array<[number, PickStatus]> = [];
  connected = true;
  nones = 0;
  readonly s = new PickScheduler(
    {
      send: (q) => {
        if (!this.connected) return null;
        return new Promise((resolve) => this.sent.push({ q, at: this.clock.t, answer: resolve }));
      },
      result: (q, r) => this.results.push([q.position[0]!, r.status]),
      none: () => this.nones++,
    },
    this.clock,
  );

  ask(x: number): void {
    this.s.request({ position: [x, 0], layerId: "a" });
  }

  /** Answer the latest send and let the promise callbacks run. */
  async answer(status: PickStatus = "ok", after = 3): Promise<void> {
    this.clock.advance(after);
    const last = this.sent.at(-1)!;
    last.answer({
      type: "value",
      id: 1,
      layer_id: "a",
      status,
      value: status === "ok" ? last.q.position[0]! : null,
      level: 0,
      level_count: 1,
      data_position: [],
    });
    await flush();
  }

  xs(): number[] {
    return this.sent.map((s) => s.q.position[0]!);
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

test("one pick in flight; while it is out only the newest position waits, sent after the interval", async () => {
  const h = new Harness();
  h.ask(1);
  assert.deepEqual(h.xs(), [1], "the first pick goes at once");
  h.ask(2);
  h.ask(3);
  h.ask(4);
  assert.deepEqual(h.xs(), [1], "nothing more while one is in flight");
  await h.answer("ok", 3);
  assert.deepEqual(h.results, [[1, "ok"]]);
  assert.deepEqual(h.xs(), [1], "the next waits for the minimum interval");
  h.clock.advance(PICK_MIN_INTERVAL_MS);
  assert.deepEqual(h.xs(), [1, 4], "the newest position wins");
  assert.equal(h.sent[1]!.at, PICK_MIN_INTERVAL_MS);
  await h.answer("ok", 20);
  h.clock.advance(1000);
  assert.deepEqual(h.xs(), [1, 4], "nothing is asked twice");
  h.ask(5);
  assert.deepEqual(h.xs(), [1, 4, 5], "an idle scheduler sends at once");
  assert.equal(h.s.answered, 2);
  assert.equal(h.s.p50, 3);
});

test("loading and busy are asked again after a pause; a newer wish goes first", async () => {
  const h = new Harness();
  h.ask(1);
  await h.answer("loading");
  assert.deepEqual(h.results, [[1, "loading"]]);
  h.clock.advance(PICK_RETRY_MS - 1);
  assert.deepEqual(h.xs(), [1]);
  h.clock.advance(1);
  assert.deepEqual(h.xs(), [1, 1], "asked again");
  await h.answer("busy");
  h.clock.advance(PICK_MIN_INTERVAL_MS);
  h.ask(2);
  assert.deepEqual(h.xs(), [1, 1, 2], "a new position does not wait for the retry pause");
  await h.answer("ok");
  h.clock.advance(PICK_RETRY_MS * 5);
  assert.deepEqual(h.xs(), [1, 1, 2]);
  assert.deepEqual(h.results.at(-1), [2, "ok"]);
});

test("no stream or no answer: asked again later; the cursor leaving stops everything", async () => {
  const h = new Harness();
  h.connected = false;
  h.ask(1);
  assert.deepEqual([h.sent.length, h.nones], [0, 1], "told there is no answer");
  h.connected = true;
  h.clock.advance(PICK_NO_STREAM_RETRY_MS - 1);
  assert.equal(h.sent.length, 0);
  h.clock.advance(1);
  assert.deepEqual(h.xs(), [1], "sent once a stream is there");
  // The connection dropped: the pipeline answers null.
  h.sent[0]!.answer(null);
  await flush();
  assert.deepEqual([h.results, h.nones], [[], 2], "no result without an answer");
  h.clock.advance(PICK_NO_STREAM_RETRY_MS);
  assert.deepEqual(h.xs(), [1, 1]);
  h.s.request(null);
  await h.answer("ok");
  assert.deepEqual(h.results, [], "an answer after the cursor left is not shown");
  h.clock.advance(5000);
  assert.equal(h.sent.length, 2);
  h.ask(7);
  h.s.dispose();
  await h.answer("ok");
  h.ask(8);
  h.clock.advance(5000);
  assert.deepEqual(h.xs(), [1, 1, 7]);
  assert.deepEqual(h.results, [], "nothing after dispose");
});
