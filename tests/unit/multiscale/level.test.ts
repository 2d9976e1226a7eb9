/** The 2D level rule equals napari's (reference.py, transcribed from napari) on a grid of views. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import {
  computeMultiscaleLevel,
  estimateLevel,
  levelRatios,
  levelRegion,
  napariDownsampleFactors,
  stillLevel,
  type LevelGeometry,
  type LevelInput,
} from "../../../src/daemon/multiscale/index.js";
import { pythonHas, runPython } from "../render/python.js";

const REFERENCE = fileURLToPath(new URL("./reference.py", import.meta.url));
const skip = !pythonHas("numpy") && "numpy not installed";

/** A pyramid over `shape0` whose level l has factors[l] on each axis (outermost first). */
function pyramid(shape0: number[], factors: number[][]): LevelGeometry[] {
  return factors.map((f) => ({ shape: shape0.map((n, a) => Math.ceil(n / f[a]!)), factors: f }));
}

const PYRAMIDS: Record<string, LevelGeometry[]> = {
  // 4096^2, powers of two: thresholds at zoom 1/2^k.
  iso: pyramid(
    [4096, 4096],
    [
      [1, 1],
      [2, 2],
      [4, 4],
      [8, 8],
      [16, 16],
    ],
  ),
  // y is not downsampled at level 1, so napari looks at x only there.
  aniso: pyramid(
    [3000, 5000],
    [
      [1, 1],
      [1, 2],
      [2, 4],
      [4, 8],
    ],
  ),
  // factor 3 steps and a non-square image.
  three: pyramid(
    [2000, 900],
    [
      [1, 1],
      [3, 3],
      [9, 9],
    ],
  ),
  // only x is downsampled: y never becomes active.
  xonly: pyramid(
    [512, 8192],
    [
      [1, 1],
      [1, 4],
      [1, 16],
    ],
  ),
  // t, z, y, x: z halves too; only the displayed columns count.
  tzyx: pyramid(
    [3, 64, 2048, 2048],
    [
      [1, 1, 1, 1],
      [1, 2, 2, 2],
      [1, 4, 4, 4],
    ],
  ),
};

const TRANSFORMS = [
  { scale: [] as number[], translate: [] as number[] },
  { scale: [0.5, 2], translate: [10, -30] },
  { scale: [1.5, 1.5], translate: [-100.25, 7] },
];

const CANVASES = [
  { width: 64, height: 48, pixel_ratio: 1 },
  { width: 800, height: 600, pixel_ratio: 1 },
  { width: 1920, height: 1080, pixel_ratio: 2 },
  { width: 777, height: 333, pixel_ratio: 1.5 },
];

/** Zooms from far out to 8x, with every power of two (exact thresholds) and values just beside them. */
function zooms(): number[] {
  const out: number[] = [];
  for (let k = -10; k <= 3; k++) out.push(2 ** k, 2 ** k * 1.001, 2 ** k * 0.999);
  for (let i = 0; i < 20; i++) out.push(2 ** (-10 + (13 * i) / 19) * 1.37);
  return out;
}

interface Case {
  input: LevelInput;
  py: Record<string, unknown>;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const [, levels] of Object.entries(PYRAMIDS)) {
    const nd = levels[0]!.shape.length;
    for (const t of TRANSFORMS) {
      const scale = t.scale.length ? [...Array<number>(nd - 2).fill(1), ...t.scale] : [];
      const translate = t.translate.length ? [...Array<number>(nd - 2).fill(0), ...t.translate] : [];
      const h = levels[0]!.shape[nd - 2]!;
      const w = levels[0]!.shape[nd - 1]!;
      for (const canvas of CANVASES) {
        for (const zoom of zooms()) {
          for (const center of [
            [h / 2, w / 2],
            [0, 0],
            [-h * 3, w * 0.77],
          ]) {
            const input: LevelInput = {
              camera: { center, zoom, angles: [0, 0, 90] },
              canvas,
              ndisplay: 2,
              layer: { scale, translate },
              levels,
            };
            out.push({
              input,
              py: {
                camera: { center, zoom },
                canvas,
                scale: [scale[nd - 2] ?? 1, scale[nd - 1] ?? 1],
                translate: [translate[nd - 2] ?? 0, translate[nd - 1] ?? 0],
                factors: levels.map((l) => l.factors.slice(-2)),
                shapes: levels.map((l) => l.shape.slice(-2)),
              },
            });
          }
        }
      }
    }
  }
  return out;
}

describe("2D level selection equals napari's rule", { skip }, () => {
  it("on a grid of pyramids, transforms, zooms, centres and canvas sizes", () => {
    const all = cases();
    const want = JSON.parse(
      runPython(
        `import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")`,
        JSON.stringify(all.map((c) => c.py)),
        [REFERENCE],
      ).toString("utf8"),
    ) as Array<{ level: number; corners: number[][]; bbox: number[][] }>;
    assert.equal(want.length, all.length);
    const levelsSeen = new Set<string>();
    all.forEach((c, i) => {
      const est = estimateLevel(c.input, { auto3d: false });
      const w = want[i]!;
      const where = JSON.stringify(c.py);
      assert.deepEqual([est.box!.min, est.box!.max], w.bbox, `bbox of ${where}`);
      assert.equal(est.recommended, w.level, `level of ${where}`);
      assert.deepEqual(levelRegion(est.box!, c.input.levels[est.recommended]!).corners, w.corners, `corners ${where}`);
      assert.equal(stillLevel(c.input, null, { auto3d: false }), w.level);
      levelsSeen.add(`${c.input.levels.length}:${w.level}`);
    });
    // The grid must exercise every level of the iso pyramid, not only one.
    for (let l = 0; l < 5; l++) assert.ok(levelsSeen.has(`5:${l}`), `level ${l} of the iso pyramid never chosen`);
    assert.ok(all.length > 5000, `${all.length} cases`);
  });
});

describe("computeMultiscaleLevel and levelRatios", () => {
  const f = [
    [1, 1],
    [2, 2],
    [4, 4],
  ];
  it("picks the coarsest level with more than one data pixel per screen pixel", () => {
    assert.equal(computeMultiscaleLevel([1000, 1000], [100, 100], f), 2);
    assert.equal(computeMultiscaleLevel([400, 400], [100, 100], f), 1); // 400/4 = 100 is not > 100
    assert.equal(computeMultiscaleLevel([401, 401], [100, 100], f), 2);
    assert.equal(computeMultiscaleLevel([100, 100], [100, 100], f), 0); // nothing exceeds: level 0
    // An axis that fits on screen does not hold the other back.
    assert.equal(computeMultiscaleLevel([50, 1000], [100, 100], f), 2);
  });
  it("ratios: napari's level is the last one above 1", () => {
    const r = levelRatios([1000, 800], [100, 100], f);
    assert.deepEqual(r, [8, 4, 2]);
    assert.deepEqual(levelRatios([50, 60], [100, 100], f), [0.5, 0.25, 0.125]);
  });
  it("napariDownsampleFactors divides level-0 shapes", () => {
    assert.deepEqual(
      napariDownsampleFactors([
        [1000, 800],
        [500, 400],
        [250, 200],
      ]),
      f.map((r) => r.map(Number)),
    );
  });
});

describe("locked level and 3D", () => {
  const levels = PYRAMIDS.iso!;
  const base: LevelInput = {
    camera: { center: [2048, 2048], zoom: 1 / 32, angles: [0, 0, 90] },
    canvas: { width: 800, height: 600, pixel_ratio: 1 },
    ndisplay: 2,
    layer: { scale: [], translate: [] },
    levels,
  };
  it("a locked level wins over the rule and is clamped to the pyramid", () => {
    assert.equal(stillLevel(base, null, { auto3d: false }), 4);
    assert.equal(stillLevel(base, 1, { auto3d: false }), 1);
    assert.equal(stillLevel(base, 9, { auto3d: false }), 4);
  });
  it("3D uses the coarsest level by default, and the zoom under NAPARI_CUDA_MS_AUTO_3D", () => {
    const at = (zoom: number): LevelInput => ({ ...base, ndisplay: 3, camera: { ...base.camera, zoom } });
    for (const zoom of [1 / 64, 1, 8]) {
      const est = estimateLevel(at(zoom), { auto3d: false });
      assert.equal(est.mode, "3d-coarsest");
      assert.equal(est.recommended, 4);
    }
    // world per device px = 1/zoom; level l spacing 2^l: coarsest with 2^l < 1/zoom.
    assert.equal(estimateLevel(at(1), { auto3d: true }).recommended, 0);
    assert.equal(estimateLevel(at(1 / 3), { auto3d: true }).recommended, 1);
    assert.equal(estimateLevel(at(1 / 5), { auto3d: true }).recommended, 2);
    assert.equal(estimateLevel(at(1 / 1000), { auto3d: true }).recommended, 4);
    assert.equal(
      estimateLevel({ ...at(1 / 5), canvas: { ...base.canvas, pixel_ratio: 2 } }, { auto3d: true }).recommended,
      1,
    );
  });
  it("a single-scale layer is always level 0", () => {
    const one = { ...base, levels: [levels[0]!] };
    assert.equal(estimateLevel(one, { auto3d: false }).recommended, 0);
    assert.equal(estimateLevel({ ...one, ndisplay: 3 }, { auto3d: false }).recommended, 0);
  });
});
