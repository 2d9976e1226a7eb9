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

  it("then the npm package of this checkout (running from sources)", () => {
    const found = locateFfmpeg({ PATH: join(dir, "nothing-here") });
    assert.deepEqual(found, {
      path: join(REPO, "node_modules", "@ffmpeg-installer", "linux-x64", "ffmpeg"),
      source: "npm",
    });
  });

  it("then the npm package next to the bundle, then imageio-ffmpeg in the bundle's site-packages", () => {
    const bundle = join(dir, "bundle");
    const npmBin = join(bundle, "node_modules", "@ffmpeg-installer", "linux-x64");
    mkdirSync(npmBin, { recursive: true });
    writeFileSync(join(bundle, "package.json"), '{"type":"module","private":true}\n');
    symlinkSync(real, join(npmBin, "ffmpeg"));
    const bundleUrl = pathToFileURL(join(bundle, "daemon.js")).href;
    assert.deepEqual(locateFfmpeg({ PATH: "" }, { moduleUrl: bundleUrl }), {
      path: join(npmBin, "ffmpeg"),
      source: "npm",
    });

    const site = join(dir, "venv", "lib", "python3.12", "site-packages");
    mkdirSync(join(site, "napari_cuda", "_daemon"), { recursive: true });
    writeFileSync(join(site, "napari_cuda", "_daemon", "package.json"), '{"type":"module","private":true}\n');
    mkdirSync(join(site, "imageio_ffmpeg", "binaries"), { recursive: true });
    writeFileSync(join(site, "imageio_ffmpeg", "binaries", "README.md"), "");
    const wheelUrl = pathToFileURL(join(site, "napari_cuda", "_daemon", "daemon.js")).href;
    assert.equal(locateFfmpeg({ PATH: "" }, { moduleUrl: wheelUrl }), null, "no binary in imageio_ffmpeg yet");
    const imageio = join(site, "imageio_ffmpeg", "binaries", "ffmpeg-linux-x86_64-v7.0.2");
    symlinkSync(real, imageio);
    assert.deepEqual(locateFfmpeg({ PATH: "" }, { moduleUrl: wheelUrl }), { path: imageio, source: "imageio" });
  });

  it("never runs a binary planted in the working directory or its parents", (t) => {
    // A shared project folder another user can write: ffmpeg in it, in bin/, in node_modules, and a
    // package.json claiming to be napari-cuda; the kernel runs in a subfolder; PATH has relative entries.
    const project = join(dir, "shared-project");
    const planted = join(project, "node_modules", "@ffmpeg-installer", "linux-x64");
    mkdirSync(planted, { recursive: true });
    mkdirSync(join(project, "bin"));
    mkdirSync(join(project, "work", "bin"), { recursive: true });
    writeFileSync(join(project, "package.json"), '{"name":"napari-cuda"}\n');
    for (const p of [join(planted, "ffmpeg"), join(project, "ffmpeg"), join(project, "bin", "ffmpeg")]) {
      writeFileSync(p, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    }
    writeFileSync(join(project, "work", "ffmpeg"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    writeFileSync(join(project, "work", "bin", "ffmpeg"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const saved = process.cwd();
    process.chdir(join(project, "work"));
    t.after(() => process.chdir(saved));
    const relativePath = ["", ".", "bin", "../bin", join(dir, "nothing-here")].join(":");
    // A lone bundle (no node_modules of its own): nothing, rather than the planted binaries.
    const lonely = join(dir, "lonely");
    mkdirSync(lonely);
    writeFileSync(join(lonely, "package.json"), '{"type":"module","private":true}\n');
    const lonelyUrl = pathToFileURL(join(lonely, "daemon.js")).href;
    assert.equal(locateFfmpeg({ PATH: relativePath }, { moduleUrl: lonelyUrl }), null);
    // A bundle inside the project folder (sources there too): still not the project's node_modules.
    const inside = pathToFileURL(join(project, "work", "bundle", "daemon.js")).href;
    mkdirSync(join(project, "work", "bundle"));
    writeFileSync(join(project, "work", "bundle", "package.json"), '{"type":"module","private":true}\n');
    assert.equal(locateFfmpeg({ PATH: relativePath }, { moduleUrl: inside }), null);
    // From these sources the checkout's own node_modules is used, whatever the working directory.
    assert.equal(locateFfmpeg({ PATH: relativePath })?.path.startsWith(join(REPO, "node_modules")), true);
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
