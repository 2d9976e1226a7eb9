/** renderLayers2D against the numpy reference (reference.py) of its documented semantics, bit for bit. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { renderLayers2D } from "../../../src/daemon/render/render2d.js";
import type { LayerData } from "../../../src/daemon/data/types.js";
import type { LayerState } from "../../../src/protocol/index.js";
import { layer, layerData, request, rng } from "./helpers.js";
import { pythonHas, runPython } from "./python.js";

const REFERENCE = fileURLToPath(new URL("./reference.py", import.meta.url));
const skip = !pythonHas("matplotlib") && "matplotlib not installed";

function compare(layers: Array<[LayerState, LayerData]>, opts: Parameters<typeof request>[1]): void {
  const req = request(layers, opts);
  const { width, height } = req.canvas;
  const got = new Uint8Array(width * height * 4);
  renderLayers2D(req, got);
  const dir = mkdtempSync(join(tmpdir(), "napari-cuda-ref-"));
  try {
    const scene = {
      ...req.state,
      canvas: req.canvas,
      layers: layers.map(([l, d]) => ({ ...l, dtype: d.dtype, shape: d.shape })),
    };
    writeFileSync(join(dir, "scene.json"), JSON.stringify(scene));
    for (const [, d] of layers) writeFileSync(join(dir, `${d.id}.bin`), new Uint8Array(d.data.buffer.slice(0)));
    const want = runPython(
      `import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")`,
      "",
      [REFERENCE, dir],
    );
    assert.equal(want.length, got.length);
    let bad = 0;
    let first = -1;
    for (let i = 0; i < got.length; i++) {
      if (got[i] !== want[i]) {
        bad++;
        if (first < 0) first = i;
      }
    }
    assert.equal(bad, 0, `${bad} bytes differ; first at pixel ${first >> 2}: got ${got[first]} want ${want[first]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("renderLayers2D equals the numpy reference", { skip }, () => {
  const next = rng(0x1234_5678_9abc_def0n);
  const u16 = layerData("u16", "uint16", [2, 45, 60], () => Math.floor(next() * 4096));
  const f32 = layerData("f32", "float32", [45, 60], () => (next() < 0.05 ? NaN : next() * 2 - 0.5));
  const i16 = layerData("i16", "int16", [30, 40], () => Math.floor(next() * 2000) - 1000);
  const u8 = layerData("u8", "uint8", [45, 60], () => Math.floor(next() * 256));

  it("at zoom 1 with a centred camera", () => {
    compare([[layer("u8", { colormap: "magma", contrast_limits: [20, 230] }), u8]], {
      width: 60,
      height: 45,
      center: [22, 29.5],
    });
  });

  it("several layers, blendings, gammas, linear, n-D, pan/zoom, pixel ratio, scale/translate", () => {
    compare(
      [
        [layer("u16", { colormap: "viridis", contrast_limits: [100, 3900], gamma: 1 }), u16],
        [
          layer("f32", { colormap: "turbo", contrast_limits: [0, 1], gamma: 0.5, opacity: 0.6, blending: "additive" }),
          f32,
        ],
        [
          layer("i16", {
            colormap: "cyan",
            contrast_limits: [-800, 700],
            gamma: 2,
            opacity: 0.35,
            interpolation: "linear",
            scale: [1.5, 1.25],
            translate: [3, -2.5],
          }),
          i16,
        ],
        [layer("u8", { colormap: "gray_r", opacity: 0.8, blending: "opaque", translate: [40, 50], visible: true }), u8],
      ],
      { width: 97, height: 64, center: [20.3, 27.9], zoom: 1.37, pixelRatio: 1.5, step: [1, 0, 0] },
    );
  });
});
