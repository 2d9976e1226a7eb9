import assert from "node:assert/strict";
import { test } from "node:test";
import { passthroughTimingArgs } from "../../../src/daemon/encode/x264.js";

test("passthrough timing flag follows the ffmpeg version", () => {
  assert.deepEqual(passthroughTimingArgs("ffmpeg version 4.1 Copyright (c) 2000-2018"), ["-vsync", "passthrough"]);
  assert.deepEqual(passthroughTimingArgs("ffmpeg version 5.0.1"), ["-vsync", "passthrough"]);
  assert.deepEqual(passthroughTimingArgs("ffmpeg version 5.1.6-0+deb12u1"), ["-fps_mode", "passthrough"]);
  assert.deepEqual(passthroughTimingArgs("ffmpeg version n9.0.2-static"), ["-fps_mode", "passthrough"]);
  const git2018 = "ffmpeg version N-47683-g0e8eb07980-static https://x  Copyright (c) 2000-2018 the FFmpeg developers";
  assert.deepEqual(passthroughTimingArgs(git2018), ["-vsync", "passthrough"]);
  assert.deepEqual(passthroughTimingArgs("ffmpeg version N-112233-gabcdef Copyright (c) 2000-2025"), [
    "-fps_mode",
    "passthrough",
  ]);
});
