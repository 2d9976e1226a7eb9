import assert from "node:assert/strict";
import { test } from "node:test";
import { constants as bufferConstants } from "node:buffer";
import { readFileSync } from "node:fs";
import { ConfigError, defaultConfig, maxEncodersFromEnv, parseConfig } from "../../../src/daemon/config.js";
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
    NAPARI_CUDA_MAX_MESSAGE_BYTES: "1048576",
    NAPARI_CUDA_MAX_DATA_BYTES: "2097152",
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
  assert.equal(c.maxDataBytes, 2097152);
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
    [[], { NAPARI_CUDA_MAX_MESSAGE_BYTES: "lots" }],
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

test("the two byte limits: one control message (2 GiB) and all layer data (8 GiB)", () => {
  const c = parseConfig([], {});
  assert.equal(c.controlMaxBytes, 2 * 1024 ** 3);
  assert.equal(c.maxDataBytes, 8 * 1024 ** 3);
  // The documented default, set explicitly, is accepted (it used to be read as the message cap, max 2^32).
  const d = parseConfig([], { NAPARI_CUDA_MAX_DATA_BYTES: "8589934592" });
  assert.equal(d.maxDataBytes, 8589934592);
  assert.equal(d.controlMaxBytes, 2 * 1024 ** 3);
  assert.equal(parseConfig([], { NAPARI_CUDA_MAX_DATA_BYTES: String(1024 ** 5) }).maxDataBytes, 1024 ** 5);
  assert.equal(parseConfig([], { NAPARI_CUDA_MAX_MESSAGE_BYTES: "2147483648" }).controlMaxBytes, 2147483648);
  // ws receives one message into one Buffer: nothing above Node's largest Buffer.
  const biggest = String(bufferConstants.MAX_LENGTH);
  assert.equal(parseConfig([], { NAPARI_CUDA_MAX_MESSAGE_BYTES: biggest }).controlMaxBytes, bufferConstants.MAX_LENGTH);
  const cases: Array<[string, string]> = [
    ["NAPARI_CUDA_MAX_DATA_BYTES", String(1024 ** 2 - 1)],
    ["NAPARI_CUDA_MAX_DATA_BYTES", String(1024 ** 5 + 1)],
    ["NAPARI_CUDA_MAX_DATA_BYTES", "8 GiB"],
    ["NAPARI_CUDA_MAX_MESSAGE_BYTES", "1023"],
    ["NAPARI_CUDA_MAX_MESSAGE_BYTES", String(bufferConstants.MAX_LENGTH + 1)],
    ["NAPARI_CUDA_MAX_MESSAGE_BYTES", "-5"],
  ];
  for (const [name, value] of cases) {
    assert.throws(
      () => parseConfig([], { [name]: value }),
      (err: Error) => err instanceof ConfigError && err.message.includes(name),
      `${name}=${value}`,
    );
  }
});

test("README's environment table documents both byte limits with their defaults", () => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  assert.match(readme, /^\| `NAPARI_CUDA_MAX_DATA_BYTES` \| 8 GiB \|/m);
  assert.match(readme, /^\| `NAPARI_CUDA_MAX_MESSAGE_BYTES` \| 2 GiB \|/m);
});

test("NAPARI_CUDA_MAX_ENCODERS: default 32, 1..1024, read the same way by the encoder factory", () => {
  assert.equal(parseConfig([], {}).maxEncoders, 32);
  assert.equal(maxEncodersFromEnv({}), 32);
  assert.equal(parseConfig([], { NAPARI_CUDA_MAX_ENCODERS: "4" }).maxEncoders, 4);
  assert.equal(maxEncodersFromEnv({ NAPARI_CUDA_MAX_ENCODERS: " 4 " }), 4);
  for (const bad of ["0", "1025", "many"]) {
    assert.throws(
      () => parseConfig([], { NAPARI_CUDA_MAX_ENCODERS: bad }),
      (err: Error) => err instanceof ConfigError && err.message.includes("NAPARI_CUDA_MAX_ENCODERS"),
      bad,
    );
  }
});
