/** verifyNvenc: no trial encode on a machine without any NVIDIA driver (it would delay every daemon start). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { verifyNvenc } from "../../../src/daemon/encode/nvenc.js";

const probe = {
  path: "/nonexistent/ffmpeg",
  version: "ffmpeg version test",
  encoders: { libx264: true, h264_nvenc: true },
};

describe("verifyNvenc", () => {
  it("without a GPU listed and without the driver's control device, refuses without running ffmpeg", async () => {
    const reason = await verifyNvenc(probe, [], "/nonexistent/nvidiactl");
    assert.ok(reason !== null);
    assert.match(reason, /no \/nonexistent\/nvidiactl/);
    assert.doesNotMatch(reason, /trial encode/, "no trial was attempted");
  });

  it("with the control device present, still trusts only the trial", async () => {
    const reason = await verifyNvenc(probe, [], "/dev/null");
    assert.ok(reason !== null);
    assert.match(reason, /trial encode could not start ffmpeg/);
  });
});
