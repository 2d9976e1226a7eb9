/**
 * A stdin write settles only once the kernel has the bytes: callers reuse the frame's memory right after
 * (pinned GPU frame slots, pooled CPU frames), and a write that settled earlier sends the next frame's bytes.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FfmpegProcess } from "../../../src/daemon/encode/ffmpeg-process.js";

const FRAME = 4096;
const FRAMES = 96; // 384 KiB: more than the stdin socket buffer holds while the reader sleeps

describe("FfmpegProcess.write", () => {
  it("one buffer reused after each write reaches the reader intact, frame by frame", async () => {
    const dir = mkdtempSync(join(tmpdir(), "napari-cuda-write-"));
    const out = join(dir, "out");
    // The reader starts late, so later frames wait in libuv's queue, not in the kernel.
    const script = `sleep 0.3; head -c ${FRAME * FRAMES} > "$0"; exec sleep 30`;
    const proc = await FfmpegProcess.start("/bin/sh", ["-c", script, out], { onStdout: () => {}, onExit: () => {} });
    try {
      const buf = new Uint8Array(FRAME);
      for (let i = 0; i < FRAMES; i++) {
        buf.fill(i + 1);
        await proc.write(buf);
      }
      buf.fill(0xee); // what a reused slot would hold next
      for (let t = 0; t < 200 && (statSync(out, { throwIfNoEntry: false })?.size ?? 0) < FRAME * FRAMES; t++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      const got = readFileSync(out);
      assert.equal(got.length, FRAME * FRAMES);
      for (let i = 0; i < FRAMES; i++) {
        const bad = got.subarray(i * FRAME, (i + 1) * FRAME).findIndex((b) => b !== i + 1);
        assert.equal(bad, -1, `frame ${i} holds byte ${got[i * FRAME + bad]} (a later frame's) at ${bad}`);
      }
    } finally {
      await proc.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
