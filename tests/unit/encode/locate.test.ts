import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { isNapariCudaError } from "../../../src/protocol/errors.js";
import { FFMPEG_ENV, locateFfmpeg, parseEncoderList, probeFfmpeg } from "../../../src/daemon/encode/locate.js";
import { selectEncoder } from "../../../src/daemon/encode/select.js";
import { requireFfmpeg } from "./helpers.js";

const REPO = process.cwd();

describe("locateFfmpeg", () => {
  let dir: string;
  let real: string;
  before(() => {
    real = requireFfmpeg();
    dir = mkdtempSync(join(tmpdir(), "napari-cuda-locate-"));
    mkdirSync(join(dir, "bin"));
    symlinkSync(real, join(dir, "bin", "ffmpeg"));
    writeFileSync(join(dir, "not-executable"), "");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("uses NAPARI_CUDA_FFMPEG first", () => {
    const env = { [FFMPEG_ENV]: real, PATH: join(dir, "bin") };
    assert.deepEqual(locateFfmpeg(env), { path: real, source: "env" });
  });

  it("fails, naming the variable, when NAPARI_CUDA_FFMPEG is not an executable file", () => {
    for (const bad of [join(dir, "missing"), join(dir, "not-executable"), dir]) {
      assert.throws(
        () => locateFfmpeg({ [FFMPEG_ENV]: bad, PATH: join(dir, "bin") }),
        (err) => isNapariCudaError(err, "encoder_unavailable") && err.message.includes(FFMPEG_ENV),
      );
    }
  });

  it("then ffmpeg on PATH, skipping entries without it", () => {
    const env = { PATH: ["", join(dir, "nothing-here"), join(dir, "bin")].join(":") };
    assert.deepEqual(locateFfmpeg(env), { path: join(dir, "bin", "ffmpeg"), source: "path" });
  });

  it("then the npm package, from this module or from the working directory", () => {
    const fromModule = locateFfmpeg({ PATH: join(dir, "nothing-here") }, { cwd: dir });
    assert.equal(fromModule?.source, "npm");
    assert.match(fromModule.path, /@ffmpeg-installer\/linux-x64\/ffmpeg$/);
    // A single-file bundle far from node_modules still finds it through process.cwd().
    const bundle = pathToFileURL(join(dir, "bundle", "daemon.js")).href;
    const fromCwd = locateFfmpeg({ PATH: "" }, { cwd: REPO, moduleUrl: bundle });
    assert.deepEqual(fromCwd, fromModule);
    assert.equal(locateFfmpeg({ PATH: "" }, { cwd: dir, moduleUrl: bundle }), null);
  });
});

describe("probeFfmpeg and selectEncoder", () => {
  it("reports libx264 and the version line, once per path", async () => {
    const path = requireFfmpeg();
    const probe = await probeFfmpeg(path);
    assert.equal(probe.path, path);
    assert.equal(probe.encoders.libx264, true);
    assert.match(probe.version, /^ffmpeg version \S+/);
    assert.equal(probeFfmpeg(path), probeFfmpeg(path));
    const sel = await selectEncoder(probe);
    assert.equal(sel.name, "libx264");
    assert.match(sel.reason, /^libx264 \(software\); h264_nvenc unusable: /);
  });

  it("rejects a missing binary with encoder_unavailable", async () => {
    await assert.rejects(probeFfmpeg("/nonexistent/napari-cuda/ffmpeg"), (err) =>
      isNapariCudaError(err, "encoder_unavailable"),
    );
  });

  it("selectEncoder fails clearly when ffmpeg lacks libx264", async () => {
    const probe = {
      path: "/x/ffmpeg",
      version: "ffmpeg version test",
      encoders: { libx264: false, h264_nvenc: false },
    };
    await assert.rejects(
      selectEncoder(probe),
      (err) => isNapariCudaError(err, "encoder_unavailable") && /libx264 not listed/.test(err.message),
    );
  });

  it("parses the encoder list format", () => {
    const text = [
      "Encoders:",
      " V..... = Video",
      " ------",
      " V..... libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)",
      " V....D h264_nvenc           NVIDIA NVENC H.264 encoder (codec h264)",
      " A..... aac                  AAC (Advanced Audio Coding)",
    ].join("\n");
    const names = parseEncoderList(text);
    assert.ok(names.has("libx264") && names.has("h264_nvenc") && names.has("aac"));
    assert.ok(!names.has("="));
  });
});
