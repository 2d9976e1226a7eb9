import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { isNapariCudaError } from "../../../src/protocol/errors.js";
import {
  FFMPEG_ENV,
  IMAGEIO_FFMPEG_ENV,
  ffmpegCandidates,
  locateFfmpeg,
  parseEncoderList,
  probeFfmpeg,
} from "../../../src/daemon/encode/locate.js";
import { nvidiaGpuNames } from "../../../src/daemon/encode/nvenc.js";
import { chooseFfmpeg, selectEncoder } from "../../../src/daemon/encode/select.js";
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

/** An ffmpeg stand-in that lists only h264_nvenc and "encodes" anything (exit 0): NVENC that works. */
const NVENC_ONLY = [
  "#!/bin/sh",
  'case "$*" in',
  "  *-encoders*) echo ' V....D h264_nvenc           NVIDIA NVENC H.264 encoder (codec h264)' ;;",
  '  *-version*) echo "ffmpeg version 9.9-nvenc-only" ;;',
  "  *) cat >/dev/null ;;",
  "esac",
].join("\n");

describe("ffmpegCandidates and chooseFfmpeg", () => {
  let dir: string;
  let real: string;
  let lonelyUrl: string;
  let fake: string;
  before(() => {
    real = requireFfmpeg();
    dir = mkdtempSync(join(tmpdir(), "napari-cuda-choose-"));
    for (const sub of ["bin", "lonely", "fake"]) mkdirSync(join(dir, sub));
    symlinkSync(real, join(dir, "bin", "ffmpeg"));
    writeFileSync(join(dir, "lonely", "package.json"), '{"type":"module","private":true}\n');
    lonelyUrl = pathToFileURL(join(dir, "lonely", "daemon.js")).href;
    fake = join(dir, "fake", "ffmpeg");
    writeFileSync(fake, NVENC_ONLY + "\n", { mode: 0o755 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("lists PATH, then npm (sources), then imageio-ffmpeg from the kernel's hint, each binary once", () => {
    const npm = join(REPO, "node_modules", "@ffmpeg-installer", "linux-x64", "ffmpeg");
    const all = ffmpegCandidates({ PATH: join(dir, "bin"), [IMAGEIO_FFMPEG_ENV]: fake });
    assert.deepEqual(all[0], { path: join(dir, "bin", "ffmpeg"), source: "path" });
    assert.deepEqual(all.at(-1), { path: fake, source: "imageio" });
    // The checkout's npm ffmpeg in between, unless the PATH one is that same binary.
    assert.equal(all.length, realpathSync(real) === realpathSync(npm) ? 2 : 3);
    // The same file twice (PATH entry and hint resolve to one binary): listed once.
    const twice = { PATH: join(dir, "bin"), [IMAGEIO_FFMPEG_ENV]: real };
    assert.deepEqual(ffmpegCandidates(twice, { moduleUrl: lonelyUrl }), [
      { path: join(dir, "bin", "ffmpeg"), source: "path" },
    ]);
    // A relative hint is never used (it would name the working directory), nor a missing one.
    for (const bad of ["ffmpeg", "./bin/ffmpeg", join(dir, "missing")]) {
      assert.deepEqual(ffmpegCandidates({ PATH: "", [IMAGEIO_FFMPEG_ENV]: bad }, { moduleUrl: lonelyUrl }), []);
    }
  });

  it("NAPARI_CUDA_FFMPEG is the only candidate when set", async () => {
    const env = { [FFMPEG_ENV]: real, PATH: join(dir, "fake") };
    assert.deepEqual(ffmpegCandidates(env), [{ path: real, source: "env" }]);
    const chosen = await chooseFfmpeg(env);
    assert.equal(chosen.ffmpeg.path, real);
    assert.match(chosen.reason, /; ffmpeg \S+ \(NAPARI_CUDA_FFMPEG\)$/);
  });

  it("fails clearly when there is no ffmpeg at all", async () => {
    await assert.rejects(
      chooseFfmpeg({ PATH: "" }, { moduleUrl: lonelyUrl }),
      (err) => isNapariCudaError(err, "encoder_unavailable") && /no ffmpeg found.*imageio-ffmpeg/.test(err.message),
    );
  });

  it("skips a candidate without a usable encoder and says why", async () => {
    const env = { PATH: join(dir, "fake"), [IMAGEIO_FFMPEG_ENV]: join(dir, "bin", "ffmpeg") };
    const gpu = nvidiaGpuNames().length > 0 || existsSync("/dev/nvidiactl");
    const chosen = await chooseFfmpeg(env, { moduleUrl: lonelyUrl });
    if (gpu) {
      // The stand-in's "NVENC" works wherever a driver is: it wins, being first.
      assert.equal(chosen.ffmpeg.path, fake);
      assert.equal(chosen.name, "h264_nvenc");
      return;
    }
    assert.deepEqual(chosen.ffmpeg, { path: join(dir, "bin", "ffmpeg"), source: "imageio" });
    assert.equal(chosen.name, "libx264");
    assert.match(
      chosen.reason,
      /ffmpeg \S+ \(imageio-ffmpeg \(pip\)\): the first with libx264; not \S+ \(on PATH\): .*no usable H\.264 encoder/,
    );
  });

  it("prefers a later candidate whose h264_nvenc works over the first with libx264 (needs an NVIDIA driver)", async (t) => {
    if (nvidiaGpuNames().length === 0 && !existsSync("/dev/nvidiactl")) {
      // Without a driver NVENC cannot work anywhere: the first with libx264 wins and the rest are not probed.
      const chosen = await chooseFfmpeg(
        { PATH: join(dir, "bin"), [IMAGEIO_FFMPEG_ENV]: fake },
        { moduleUrl: lonelyUrl },
      );
      assert.equal(chosen.ffmpeg.path, join(dir, "bin", "ffmpeg"));
      assert.match(chosen.reason, /^libx264 \(software\); .*: the first with libx264$/);
      t.skip("no NVIDIA driver: the NVENC preference itself is checked on GPU machines");
      return;
    }
    const chosen = await chooseFfmpeg({ PATH: join(dir, "bin"), [IMAGEIO_FFMPEG_ENV]: fake }, { moduleUrl: lonelyUrl });
    assert.equal(chosen.ffmpeg.path, fake);
    assert.equal(chosen.name, "h264_nvenc");
    assert.match(chosen.reason, /: its h264_nvenc works; not \S+ \(on PATH\): libx264 \(software\)/);
  });
});
