/** NAPARI_CUDA_MS_AUTO* parsing: defaults, accepted forms, and errors that name the variable. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../../src/daemon/config.js";
import { defaultMsAutoConfig, parseMsAutoConfig } from "../../../src/daemon/multiscale/index.js";

describe("parseMsAutoConfig", () => {
  it("defaults to the seed's values with an empty environment", () => {
    assert.deepEqual(parseMsAutoConfig({}), {
      auto: true,
      hystUp: 2,
      hystDown: 0.6,
      dwellMs: 300,
      cooldownMs: 500,
      debug: false,
      auto3d: false,
    });
    assert.deepEqual(parseMsAutoConfig({ NAPARI_CUDA_MS_AUTO: " " }), defaultMsAutoConfig());
  });

  it("reads every variable", () => {
    assert.deepEqual(
      parseMsAutoConfig({
        NAPARI_CUDA_MS_AUTO: "off",
        NAPARI_CUDA_MS_AUTO_HYST_UP: "1.5",
        NAPARI_CUDA_MS_AUTO_HYST_DOWN: ".75",
        NAPARI_CUDA_MS_AUTO_DWELL_MS: "0",
        NAPARI_CUDA_MS_AUTO_COOLDOWN_MS: "1200",
        NAPARI_CUDA_MS_AUTO_DEBUG: "1",
        NAPARI_CUDA_MS_AUTO_3D: "TRUE",
      }),
      { auto: false, hystUp: 1.5, hystDown: 0.75, dwellMs: 0, cooldownMs: 1200, debug: true, auto3d: true },
    );
  });

  const bad: Array<[string, string]> = [
    ["NAPARI_CUDA_MS_AUTO", "maybe"],
    ["NAPARI_CUDA_MS_AUTO_HYST_UP", "0.9"],
    ["NAPARI_CUDA_MS_AUTO_HYST_UP", "two"],
    ["NAPARI_CUDA_MS_AUTO_HYST_UP", "0x10"],
    ["NAPARI_CUDA_MS_AUTO_HYST_DOWN", "0"],
    ["NAPARI_CUDA_MS_AUTO_HYST_DOWN", "1.2"],
    ["NAPARI_CUDA_MS_AUTO_HYST_DOWN", "-0.5"],
    ["NAPARI_CUDA_MS_AUTO_DWELL_MS", "300ms"],
    ["NAPARI_CUDA_MS_AUTO_DWELL_MS", "2.5"],
    ["NAPARI_CUDA_MS_AUTO_COOLDOWN_MS", "-1"],
    ["NAPARI_CUDA_MS_AUTO_COOLDOWN_MS", "99999999"],
    ["NAPARI_CUDA_MS_AUTO_DEBUG", "yes please"],
    ["NAPARI_CUDA_MS_AUTO_3D", "2"],
  ];
  for (const [name, value] of bad) {
    it(`rejects ${name}=${value} naming the variable`, () => {
      assert.throws(
        () => parseMsAutoConfig({ [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.message.startsWith(`${name} must`),
      );
    });
  }
});
