import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, defaultConfig, parseConfig } from "../../../src/daemon/config.js";
import { CONTROL_MAX_MESSAGE_BYTES, STREAM_MAX_MESSAGE_BYTES } from "../../../src/protocol/index.js";

test("defaults: loopback, ephemeral port, protocol size limits, 5 s hello deadline", () => {
  const c = parseConfig([], {});
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.port, 0);
  assert.equal(c.parentPid, null);
  assert.equal(c.logLevel, "info");
  assert.equal(c.backend, "auto");
  assert.equal(c.controlMaxBytes, CONTROL_MAX_MESSAGE_BYTES);
  assert.equal(c.streamMaxBytes, STREAM_MAX_MESSAGE_BYTES);
  assert.equal(c.helloTimeoutMs, 5000);
  assert.equal(c.renderThreads, null);
  assert.deepEqual(defaultConfig(), c);
});

test("CLI flags and env are applied", () => {
  const c = parseConfig(["--parent-pid", "1234", "--port", "8123", "--host", "::1"], {
    NAPARI_CUDA_LOG_LEVEL: "DEBUG",
    NAPARI_CUDA_RENDER_THREADS: "3",
    NAPARI_CUDA_MAX_DATA_BYTES: "1048576",
    NAPARI_CUDA_BACKEND: "gpu",
    NAPARI_CUDA_MAX_IN_FLIGHT: "1",
    NAPARI_CUDA_H264_PROFILE: "Baseline",
  });
  assert.equal(c.parentPid, 1234);
  assert.equal(c.port, 8123);
  assert.equal(c.host, "::1");
  assert.equal(c.logLevel, "debug");
  assert.equal(c.renderThreads, 3);
  assert.equal(c.controlMaxBytes, 1048576);
  assert.equal(c.backend, "gpu");
  assert.equal(c.maxInFlight, 1);
  assert.equal(c.h264Profile, "baseline");
});

test("non-loopback hosts, bad numbers, unknown flags and bad env are ConfigErrors", () => {
  const bad: Array<[string[], NodeJS.ProcessEnv]> = [
    [["--host", "0.0.0.0"], {}],
    [["--host", "localhost"], {}],
    [["--port", "70000"], {}],
    [["--port", "12ab"], {}],
    [["--parent-pid", "-5"], {}],
    [["--bogus"], {}],
    [["positional"], {}],
    [[], { NAPARI_CUDA_LOG_LEVEL: "loud" }],
    [[], { NAPARI_CUDA_RENDER_THREADS: "65" }],
    [[], { NAPARI_CUDA_BACKEND: "metal" }],
    [[], { NAPARI_CUDA_MAX_DATA_BYTES: "lots" }],
    [[], { NAPARI_CUDA_MAX_IN_FLIGHT: "0" }],
    [[], { NAPARI_CUDA_H264_PROFILE: "extended" }],
  ];
  for (const [argv, env] of bad) {
    assert.throws(() => parseConfig(argv, env), ConfigError, JSON.stringify([argv, env]));
  }
});

test("NAPARI_CUDA_DEBUG_RENDER_DELAY_MS: default 0, 0..5000 ms, errors name it", () => {
  assert.equal(parseConfig([], {}).renderDelayMs, 0);
  assert.equal(parseConfig([], { NAPARI_CUDA_DEBUG_RENDER_DELAY_MS: "300" }).renderDelayMs, 300);
  assert.equal(parseConfig([], { NAPARI_CUDA_DEBUG_RENDER_DELAY_MS: " 0 " }).renderDelayMs, 0);
  for (const bad of ["5001", "-1", "1.5", "slow"]) {
    assert.throws(
      () => parseConfig([], { NAPARI_CUDA_DEBUG_RENDER_DELAY_MS: bad }),
      (err: Error) => err instanceof ConfigError && err.message.includes("NAPARI_CUDA_DEBUG_RENDER_DELAY_MS"),
      bad,
    );
  }
});

test("link and overscan defaults: up to 6 frames in flight, overscan budget 1.6; bad budget names its variable", () => {
  const c = parseConfig([], {});
  assert.equal(c.maxInFlight, 6);
  assert.equal(c.overscanMaxArea, 1.6);
  assert.equal(parseConfig([], { NAPARI_CUDA_OVERSCAN_MAX_AREA: "1" }).overscanMaxArea, 1);
  assert.throws(
    () => parseConfig([], { NAPARI_CUDA_OVERSCAN_MAX_AREA: "0.2" }),
    (err: Error) => err instanceof ConfigError && err.message.includes("NAPARI_CUDA_OVERSCAN_MAX_AREA"),
  );
});

test("NAPARI_CUDA_STILL_CRF is checked at startup: 0..51 or off", () => {
  parseConfig([], { NAPARI_CUDA_STILL_CRF: "off" });
  parseConfig([], { NAPARI_CUDA_STILL_CRF: "10" });
  for (const bad of ["52", "-1", "sharp"]) {
    assert.throws(
      () => parseConfig([], { NAPARI_CUDA_STILL_CRF: bad }),
      (err: Error) => err instanceof ConfigError && err.message.includes("NAPARI_CUDA_STILL_CRF"),
      bad,
    );
  }
});
