import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { authorize, tokenMatches } from "../../../src/daemon/server/auth.js";
import { chooseProfile } from "../../../src/daemon/server/codec.js";
import { evenCanvas } from "../../../src/daemon/server/render-pump.js";
import { processAlive } from "../../../src/daemon/util/parent-watch.js";
import { SerialQueue } from "../../../src/daemon/util/serial-queue.js";
import { parseTokensLine, readFirstLine } from "../../../src/daemon/util/stdin-tokens.js";
import { TokenBucket } from "../../../src/daemon/util/token-bucket.js";

test("tokens: equal strings match, anything else does not, each channel takes only its own token", () => {
  assert.ok(tokenMatches("a".repeat(43), "a".repeat(43)));
  assert.ok(!tokenMatches("a".repeat(43), "a".repeat(42) + "b"));
  assert.ok(!tokenMatches("", "x"));
  assert.ok(!tokenMatches("short", "a much longer token value"));
  const tokens = { control: "c".repeat(43), view: "v".repeat(43) };
  assert.ok(authorize(tokens, "control", tokens.control));
  assert.ok(authorize(tokens, "stream", tokens.view));
  assert.ok(!authorize(tokens, "control", tokens.view));
  assert.ok(!authorize(tokens, "stream", tokens.control));
});

test("profile choice prefers high > main > baseline and needs H.264", () => {
  assert.equal(chooseProfile(["avc1.42E028", "avc1.640028", "avc1.4D4028"]), "high");
  assert.equal(chooseProfile(["avc1.42E01F", "AVC1.4D401F"]), "main");
  assert.equal(chooseProfile(["avc1.42e01e"]), "baseline");
  assert.equal(chooseProfile(["vp8", "av01.0.04M.08"]), null);
  assert.equal(chooseProfile([]), null);
  // NAPARI_CUDA_H264_PROFILE caps the choice; a client without that profile gets the best below it.
  assert.equal(chooseProfile(["avc1.640028", "avc1.42E028"], "baseline"), "baseline");
  assert.equal(chooseProfile(["avc1.640028", "avc1.42E028"], "main"), "baseline");
  assert.equal(chooseProfile(["avc1.640028"], "baseline"), null);
});

test("evenCanvas rounds odd sizes down and keeps the pixel ratio", () => {
  assert.deepEqual(evenCanvas({ width: 1281, height: 721, pixel_ratio: 1.5 }), {
    width: 1280,
    height: 720,
    pixel_ratio: 1.5,
  });
  assert.deepEqual(evenCanvas({ width: 640, height: 480, pixel_ratio: 1 }), {
    width: 640,
    height: 480,
    pixel_ratio: 1,
  });
});

test("token bucket allows the burst, then the refill rate", () => {
  let now = 0;
  const b = new TokenBucket(10, 5, () => now);
  for (let i = 0; i < 5; i++) assert.ok(b.take());
  assert.ok(!b.take());
  now += 100; // 1 token
  assert.ok(b.take());
  assert.ok(!b.take());
  now += 10_000; // capped at the burst
  let n = 0;
  while (b.take()) n++;
  assert.equal(n, 5);
});

test("serial queue runs tasks in order, one at a time, past failures", async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  const errors: unknown[] = [];
  let running = 0;
  for (const [name, ms, fail] of [
    ["a", 20, false],
    ["b", 0, true],
    ["c", 5, false],
  ] as const) {
    q.push(
      async () => {
        running++;
        assert.equal(running, 1);
        await new Promise((r) => setTimeout(r, ms));
        running--;
        log.push(name);
        if (fail) throw new Error(name);
      },
      (err) => errors.push(err),
    );
  }
  await q.idle();
  assert.deepEqual(log, ["a", "b", "c"]);
  assert.equal(errors.length, 1);
  q.close();
  q.push(
    () => void log.push("late"),
    () => undefined,
  );
  await q.idle();
  assert.deepEqual(log, ["a", "b", "c"]);
});

test("tokens line: valid JSON with two distinct tokens, else a readable error", () => {
  const t = parseTokensLine(JSON.stringify({ control_token: "c".repeat(43), view_token: "v".repeat(43) }));
  assert.deepEqual(t, { control: "c".repeat(43), view: "v".repeat(43) });
  assert.throws(() => parseTokensLine("not json"), /not JSON/);
  assert.throws(() => parseTokensLine(JSON.stringify({ control_token: "c".repeat(43) })), /view_token/);
  assert.throws(
    () => parseTokensLine(JSON.stringify({ control_token: "x".repeat(43), view_token: "x".repeat(43) })),
    /differ/,
  );
});

test("readFirstLine returns the first line and reports EOF later", async () => {
  const input = new PassThrough();
  let ended = false;
  const line = readFirstLine(input, () => (ended = true));
  input.write('{"a":');
  input.write("1}\r\nrest");
  assert.equal(await line, '{"a":1}');
  assert.equal(ended, false);
  input.end();
  await new Promise((r) => setImmediate(r));
  assert.equal(ended, true);

  const early = new PassThrough();
  const p = readFirstLine(early, () => undefined);
  early.end("no newline");
  await assert.rejects(p, /closed before/);
});

test("processAlive sees this process and not a reaped one", async () => {
  assert.ok(processAlive(process.pid));
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["-e", ""]);
  const pid = child.pid!;
  await new Promise((r) => child.once("exit", r));
  assert.ok(!processAlive(pid));
});
