import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { colorIndex, colormapLut } from "../../../src/daemon/render/colormaps.js";
import { COLORMAP_NAMES, isNapariCudaError } from "../../../src/protocol/index.js";
import { rng } from "./helpers.js";
import { pythonHas, runPython } from "./python.js";

function rgb(name: string, i: number): number[] {
  const lut = colormapLut(name);
  return [lut[i * 4]!, lut[i * 4 + 1]!, lut[i * 4 + 2]!];
}

describe("colormap tables", () => {
  it("has a 256-entry opaque RGBA table for every protocol name", () => {
    for (const name of COLORMAP_NAMES) {
      const lut = colormapLut(name);
      assert.equal(lut.length, 1024, name);
      for (let i = 0; i < 256; i++) assert.equal(lut[i * 4 + 3], 255, `${name}[${i}] alpha`);
    }
  });

  it("matches known matplotlib values (round(255 * c))", () => {
    assert.deepEqual(rgb("viridis", 0), [68, 1, 84]);
    assert.deepEqual(rgb("viridis", 255), [253, 231, 37]);
    assert.deepEqual(rgb("magma", 0), [0, 0, 4]);
    assert.deepEqual(rgb("magma", 255), [252, 253, 191]);
    assert.deepEqual(rgb("inferno", 255), [252, 255, 164]);
    assert.deepEqual(rgb("plasma", 0), [13, 8, 135]);
    assert.deepEqual(rgb("plasma", 255), [240, 249, 33]);
    assert.deepEqual(rgb("turbo", 0), [48, 18, 59]);
    assert.deepEqual(rgb("turbo", 255), [122, 4, 3]);
  });

  it("computes the linear ramps from black", () => {
    for (const i of [0, 1, 127, 128, 254, 255]) {
      assert.deepEqual(rgb("gray", i), [i, i, i]);
      assert.deepEqual(rgb("gray_r", i), [255 - i, 255 - i, 255 - i]);
      assert.deepEqual(rgb("red", i), [i, 0, 0]);
      assert.deepEqual(rgb("green", i), [0, i, 0]);
      assert.deepEqual(rgb("blue", i), [0, 0, i]);
      assert.deepEqual(rgb("magenta", i), [i, 0, i]);
      assert.deepEqual(rgb("cyan", i), [0, i, i]);
      assert.deepEqual(rgb("yellow", i), [i, i, 0]);
    }
  });

  it("has napari's own colormaps (HiLo's low/high colours at the ends)", () => {
    assert.equal(COLORMAP_NAMES.length, 30);
    assert.deepEqual(rgb("bop blue", 255), [32, 173, 248]);
    assert.deepEqual(rgb("bop orange", 255), [248, 173, 32]);
    assert.deepEqual(rgb("I Forest", 0), [255, 255, 255]);
    assert.deepEqual(rgb("I Forest", 255), [0, 153, 0]);
    assert.deepEqual(rgb("I Blue", 255), [0, 51, 204]);
    assert.deepEqual(rgb("fire", 0), [255, 255, 255]);
    assert.deepEqual(rgb("fire", 255), [255, 0, 0]);
    assert.deepEqual(rgb("ice", 0), [0, 0, 255]);
    assert.deepEqual(rgb("HiLo", 0), [0, 0, 255]);
    assert.deepEqual(rgb("HiLo", 128), [128, 128, 128]);
    assert.deepEqual(rgb("HiLo", 255), [255, 0, 0]);
  });

  it("rejects a name that is not built in with unsupported naming colormap", () => {
    assert.throws(
      () => colormapLut("jet"),
      (e) => isNapariCudaError(e, "unsupported") && e.path === "colormap",
    );
  });

  it("equals matplotlib's tables exactly", { skip: !pythonHas("matplotlib") && "matplotlib not installed" }, () => {
    const names = ["viridis", "magma", "inferno", "plasma", "turbo", "gray", "hsv", "twilight", "gist_earth", "PiYG"];
    // Entry i = matplotlib's colour at the float i / 255 (its i-th colour for 256-colour maps).
    const code = [
      "import sys, numpy as np, matplotlib",
      "for n in sys.argv[1:]:",
      "    c = matplotlib.colormaps[n](np.arange(256) / 255.0)",
      "    sys.stdout.buffer.write(np.round(c[:, :3] * 255).astype(np.uint8).tobytes())",
    ].join("\n");
    const out = runPython(code, "", names);
    names.forEach((name, k) => {
      const lut = colormapLut(name);
      for (let i = 0; i < 256; i++) {
        const want = [...out.subarray(k * 768 + i * 3, k * 768 + i * 3 + 3)];
        assert.deepEqual(rgb(name, i), want, `${name}[${i}]`);
      }
      assert.equal(lut.length, 1024);
    });
  });
});

it(
  "indexes like matplotlib's cmap(t) for floats t in [0, 1]",
  { skip: !pythonHas("matplotlib") && "matplotlib not installed" },
  () => {
    const next = rng(0x0123_4567_89ab_cdefn);
    const ts = [0, 1, 0.5, 255 / 256, 1 / 256, 1 - 2 ** -52, ...Array.from({ length: 2000 }, () => next())];
    const code = [
      "import sys, numpy as np, matplotlib",
      "t = np.frombuffer(sys.stdin.buffer.read(), dtype='<f8')",
      "sys.stdout.buffer.write(np.round(matplotlib.colormaps['viridis'](t)[:, :3] * 255).astype(np.uint8).tobytes())",
    ].join("\n");
    const out = runPython(code, new Uint8Array(new Float64Array(ts).buffer));
    ts.forEach((t, k) => {
      assert.deepEqual(rgb("viridis", colorIndex(t, 0, 1, 1)), [...out.subarray(k * 3, k * 3 + 3)], `t=${t}`);
    });
  },
);

describe("colorIndex (contrast, gamma, index)", () => {
  it("maps the contrast limits to the ends and clips outside", () => {
    assert.equal(colorIndex(10, 10, 20, 1), 0);
    assert.equal(colorIndex(20, 10, 20, 1), 255);
    assert.equal(colorIndex(-1e9, 10, 20, 1), 0);
    assert.equal(colorIndex(1e9, 10, 20, 1), 255);
    assert.equal(colorIndex(Infinity, 10, 20, 1), 255);
    assert.equal(colorIndex(-Infinity, 10, 20, 1), 0);
    assert.equal(colorIndex(NaN, 10, 20, 1), -1);
  });

  it("uses floor(t * 256) capped at 255 (matplotlib's float rule)", () => {
    assert.equal(colorIndex(15, 10, 20, 1), 128); // t = 0.5
    assert.equal(colorIndex(1, 0, 256, 1), 1); // t = 1/256
    assert.equal(colorIndex(0.999, 0, 256, 1), 0);
    assert.equal(colorIndex(255, 0, 256, 1), 255);
    assert.equal(colorIndex(255.999, 0, 256, 1), 255);
    assert.equal(colorIndex(254, 0, 255, 1), 254); // 254/255*256 = 254.996
    assert.equal(colorIndex(1, 0, 255, 1), 1); // 1.0039
  });

  it("applies gamma after clipping", () => {
    assert.equal(colorIndex(25, 0, 100, 0.5), 128); // sqrt(0.25) = 0.5
    assert.equal(colorIndex(50, 0, 100, 2), 64); // 0.25 * 256
    assert.equal(colorIndex(0, 0, 100, 0.5), 0);
    assert.equal(colorIndex(100, 0, 100, 2), 255);
    assert.equal(colorIndex(-5, 0, 100, 0.5), 0);
    assert.equal(colorIndex(105, 0, 100, 2), 255);
    assert.equal(colorIndex(50, 0, 100, 3), 32); // 0.125 * 256
  });

  it(
    "agrees bit for bit with the documented numpy formula",
    { skip: !pythonHas("numpy") && "numpy not installed" },
    () => {
      const next = rng(0x5eed_1234_abcd_0001n);
      const n = 20000;
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = Math.round((next() * 1.2 - 0.1) * 65535 * 4) / 4;
      const cases: Array<[number, number, number]> = [
        [0, 65535, 1],
        [100, 4000.5, 1],
        [0, 65535, 0.5],
        [-3, 60000, 2],
      ];
      const code = [
        "import sys, json, numpy as np",
        "v = np.frombuffer(sys.stdin.buffer.read(), dtype='<f8')",
        "for lo, hi, g in json.loads(sys.argv[1]):",
        "    t = np.clip((v - lo) / (hi - lo), 0, 1)",
        "    t = t if g == 1 else t ** g",
        "    sys.stdout.buffer.write(np.minimum(255, np.floor(t * 256)).astype('<i4').tobytes())",
      ].join("\n");
      const out = runPython(code, new Uint8Array(values.buffer), [JSON.stringify(cases)]);
      const got = new Int32Array(out.buffer, out.byteOffset, out.byteLength / 4);
      cases.forEach(([lo, hi, g], k) => {
        for (let i = 0; i < n; i++) assert.equal(colorIndex(values[i]!, lo, hi, g), got[k * n + i], `v=${values[i]}`);
      });
    },
  );
});
