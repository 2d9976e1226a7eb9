import assert from "node:assert/strict";
import { test } from "node:test";
import { MIN_STATE_INTERVAL_MS, StateSender } from "../../../src/widget/stream/sender.js";

/** A socket-side stand-in with a settable buffered byte count and a manual tick queue. */
function harness() {
  const sent: Array<{ seq?: number; type: string }> = [];
  const ticks: Array<() => void> = [];
  const io = {
    buffered: 0,
    send: (text: string) => void sent.push(JSON.parse(text) as { seq?: number; type: string }),
    bufferedAmount: () => io.buffered,
    schedule: (cb: () => void) => {
      ticks.push(cb);
      return () => {
        const i = ticks.indexOf(cb);
        if (i >= 0) ticks.splice(i, 1);
      };
    },
  };
  const runTick = () => ticks.shift()?.();
  return { io, sent, ticks, runTick };
}

test("sends at once while the socket keeps up", () => {
  const h = harness();
  const s = new StateSender(h.io, 1000);
  s.submit({ type: "state", seq: 1 });
  s.submit({ type: "state", seq: 2 });
  assert.deepEqual(
    h.sent.map((m) => m.seq),
    [1, 2],
  );
  assert.equal(h.ticks.length, 0);
});

test("backed up: latest state wins at the next tick that finds the socket drained", () => {
  const h = harness();
  const s = new StateSender(h.io, 1000);
  h.io.buffered = 5000;
  for (let seq = 1; seq <= 5; seq++) s.submit({ type: "state", seq });
  assert.equal(h.sent.length, 0);
  assert.equal(s.coalesced, 4);
  h.runTick(); // still backed up: re-armed
  assert.equal(h.sent.length, 0);
  assert.equal(h.ticks.length, 1);
  h.io.buffered = 0;
  h.runTick();
  assert.deepEqual(
    h.sent.map((m) => m.seq),
    [5],
  );
  assert.equal(s.holding, false);
});

test("ordered messages go after a held state; cancel drops it", () => {
  const h = harness();
  const s = new StateSender(h.io, 1000);
  h.io.buffered = 5000;
  s.submit({ type: "state", seq: 7 });
  s.ordered({ type: "resize", seq: 8 });
  assert.deepEqual(
    h.sent.map((m) => [m.type, m.seq]),
    [
      ["state", 7],
      ["resize", 8],
    ],
  );
  s.submit({ type: "state", seq: 9 });
  s.cancel();
  assert.equal(h.ticks.length, 0);
  h.io.buffered = 0;
  assert.equal(h.sent.length, 2);
});

test("state messages are spaced at least MIN_STATE_INTERVAL_MS apart; the latest wins", () => {
  const sent: string[] = [];
  let clock = 1000;
  let tick: (() => void) | null = null;
  const sender = new StateSender({
    send: (t) => sent.push(t),
    bufferedAmount: () => 0,
    schedule: (cb) => ((tick = cb), () => (tick = null)),
    now: () => clock,
  });
  sender.submit({ seq: 1 });
  clock += 1;
  sender.submit({ seq: 2 });
  sender.submit({ seq: 3 });
  assert.deepEqual(sent, ['{"seq":1}']);
  assert.ok(tick, "a tick is scheduled for the held state");
  clock += MIN_STATE_INTERVAL_MS;
  (tick as () => void)();
  assert.deepEqual(sent, ['{"seq":1}', '{"seq":3}']);
});
