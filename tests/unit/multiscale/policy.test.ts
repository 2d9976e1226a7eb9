/** The live level policy: hysteresis, dwell, cooldown, locked level, 3D, auto off, debug lines. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  defaultMsAutoConfig,
  estimateLevel,
  LevelPolicy,
  type LevelGeometry,
  type MsAutoConfig,
} from "../../../src/daemon/multiscale/index.js";
import type { LayerState, ViewerState } from "../../../src/protocol/index.js";
import { LiveChooser } from "../../../src/daemon/scene/choosers.js";
import type { LayerEntry } from "../../../src/daemon/scene/layer-entry.js";

/** 4096^2, factor-2 steps: at zoom z the level-l ratio is about 1 / (z * 2^l). */
const LEVELS: LevelGeometry[] = [1, 2, 4, 8, 16].map((f) => ({ shape: [4096 / f, 4096 / f], factors: [f, f] }));
const CANVAS = { width: 800, height: 600, pixel_ratio: 1 };

function est(zoom: number, ndisplay: 2 | 3 = 2, auto3d = false): ReturnType<typeof estimateLevel> {
  return estimateLevel(
    {
      camera: { center: [2048, 2048], zoom, angles: [0, 0, 90] },
      canvas: CANVAS,
      ndisplay,
      layer: { scale: [], translate: [] },
      levels: LEVELS,
    },
    { auto3d },
  );
}

function policy(over: Partial<MsAutoConfig> = {}, log?: (l: string) => void): LevelPolicy {
  return new LevelPolicy({ ...defaultMsAutoConfig(), ...over }, log);
}

describe("LevelPolicy", () => {
  it("takes napari's level at once on the first frame", () => {
    const d = policy().update(0, est(0.3));
    assert.equal(d.level, 1);
    assert.equal(d.reason, "init");
    assert.equal(d.switched, false);
  });

  it("switches coarser only after the breach has lasted the dwell", () => {
    const p = policy();
    p.update(0, est(0.3)); // L1
    const first = p.update(1000, est(0.1)); // L1 ratio ~5 > 2, napari says L3
    assert.deepEqual([first.level, first.reason, first.switched, first.nextCheckMs], [1, "oversub", false, 300]);
    assert.equal(p.update(1299, est(0.1)).level, 1);
    assert.equal(p.update(1299, est(0.1)).nextCheckMs, 1);
    const d = p.update(1300, est(0.1));
    assert.deepEqual([d.level, d.switched, d.auto, d.dwellMs, d.recommended], [3, true, true, 300, 3]);
    assert.ok(d.ratio > 4.9 && d.ratio < 5.1, `ratio ${d.ratio}`);
    assert.equal(p.update(1301, est(0.1)).reason, "ok");
  });

  it("switches finer below HYST_DOWN, straight to napari's level", () => {
    const p = policy();
    p.update(0, est(0.07)); // L3 (ratio ~1.8)
    assert.equal(p.level, 3);
    p.update(1000, est(1.5)); // L3 ratio ~0.08; napari says L0
    const d = p.update(1300, est(1.5));
    assert.deepEqual([d.level, d.reason, d.auto], [0, "undersub", true]);
  });

  it("holds inside the band where napari's plain rule would flip", () => {
    const p = policy();
    p.update(0, est(0.3)); // L1
    // zoom 0.24: L1 ratio ~2.08 > 2 -> coarser (napari: L2). At L2, zoom 0.26 gives ratio ~0.96: hold.
    for (let t = 10; t < 2000; t += 10) p.update(t, est(0.24));
    assert.equal(p.level, 2);
    let switches = 0;
    for (let t = 2000; t < 10_000; t += 16)
      if (p.update(t, est(Math.floor(t / 400) % 2 ? 0.26 : 0.24)).switched) switches++;
    assert.equal(switches, 0);
    // napari's rule without hysteresis flips at every change across 0.25.
    const plain = policy({ auto: false });
    let flips = 0;
    for (let t = 0; t < 8000; t += 16)
      if (plain.update(t, est(Math.floor(t / 400) % 2 ? 0.26 : 0.24)).switched) flips++;
    assert.ok(flips >= 19, `${flips} plain flips`);
  });

  it("a zoom oscillating across both thresholds switches at most once per cooldown", () => {
    for (const period of [40, 320, 700, 1100, 2000]) {
      const p = policy();
      const times: number[] = [];
      p.update(0, est(0.3));
      // Alternate between oversampled at L1 (0.2: ratio 2.5) and undersampled at L2 (0.5: ratio 0.5).
      for (let t = 0; t < 20_000; t += 16) {
        const d = p.update(t, est(Math.floor(t / (period / 2)) % 2 ? 0.5 : 0.2));
        if (d.switched) times.push(t);
      }
      for (let i = 1; i < times.length; i++) {
        assert.ok(times[i]! - times[i - 1]! >= 500, `period ${period}: switches at ${times[i - 1]} and ${times[i]}`);
      }
      // Half-periods shorter than the dwell never switch; long ones do, in both directions.
      if (period / 2 < 300) assert.equal(times.length, 0, `period ${period}`);
      if (period >= 700) assert.ok(times.length >= 10, `period ${period}: ${times.length} switches`);
    }
  });

  it("the cooldown delays a switch whose dwell has passed, and nextCheckMs says until when", () => {
    const p = policy({ dwellMs: 100, cooldownMs: 1000 });
    p.update(0, est(0.3));
    p.update(10, est(0.1));
    assert.equal(p.update(110, est(0.1)).level, 3); // switched at 110
    p.update(200, est(1.5)); // undersub breach starts
    const waiting = p.update(300, est(1.5)); // dwell 100 reached, cooldown until 1110
    assert.deepEqual([waiting.level, waiting.reason, waiting.nextCheckMs], [3, "undersub", 810]);
    assert.equal(p.update(1109, est(1.5)).level, 3);
    const d = p.update(1110, est(1.5));
    assert.deepEqual([d.level, d.dwellMs], [0, 910]);
  });

  it("an interrupted breach starts its dwell again", () => {
    const p = policy();
    p.update(0, est(0.3));
    p.update(1000, est(0.1));
    p.update(1200, est(0.3)); // back inside the band
    assert.equal(p.update(1400, est(0.1)).nextCheckMs, 300);
    assert.equal(p.update(1600, est(0.1)).level, 1);
    assert.equal(p.update(1700, est(0.1)).level, 3);
  });

  it("a locked level wins at once; unlocking hands back to the hysteresis", () => {
    const p = policy();
    p.update(0, est(0.3));
    const locked = p.update(10, est(0.3), 4);
    assert.deepEqual([locked.level, locked.reason, locked.switched, locked.auto], [4, "locked", true, false]);
    assert.equal(p.update(20, est(0.3), 99).level, 4); // clamped
    const unlocked = p.update(30, est(0.3), null);
    assert.deepEqual([unlocked.level, unlocked.reason], [4, "undersub"]); // L4 ratio ~0.2: wants L1
    assert.equal(p.update(530, est(0.3)).level, 1); // after the cooldown from the lock
  });

  it("3D: coarsest by default at any zoom; 2D again is immediate", () => {
    const p = policy();
    p.update(0, est(1.5));
    for (const z of [0.01, 1, 8]) {
      const d = p.update(10, est(z, 3));
      assert.deepEqual([d.level, d.reason], [4, "coarsest3d"]);
    }
    const back = p.update(20, est(1.5));
    assert.deepEqual([back.level, back.reason, back.switched], [0, "mode", true]);
  });

  it("3D heuristic (NAPARI_CUDA_MS_AUTO_3D) uses the same hysteresis", () => {
    const p = policy({ auto3d: true });
    assert.equal(p.update(0, est(1, 3, true)).level, 0);
    assert.equal(p.update(10, est(0.1, 3, true)).reason, "oversub");
    assert.equal(p.update(310, est(0.1, 3, true)).level, 3);
  });

  it("NAPARI_CUDA_MS_AUTO=0 follows napari's rule every frame", () => {
    const p = policy({ auto: false });
    p.update(0, est(0.3));
    const d = p.update(1, est(0.1));
    assert.deepEqual([d.level, d.reason, d.switched, d.auto], [3, "napari", true, false]);
  });

  it("debug lines: one per change and one per switch, in the documented format", () => {
    const lines: string[] = [];
    const p = policy({ debug: true }, (l) => lines.push(l));
    p.update(0, est(0.3));
    for (let t = 1000; t <= 1300; t += 50) p.update(t, est(0.1));
    assert.deepEqual(lines, [
      "ms.auto: rec=L1 cur=L1 reason=init ratio=1.67 dwell=0ms",
      "ms.auto: rec=L3 cur=L1 reason=oversub ratio=5 dwell=0ms",
      "ms.auto: rec=L3 cur=L1 reason=oversub ratio=5 dwell=300ms",
    ]);
    assert.equal(policy({ debug: false }, (l) => lines.push(l)).update(0, est(0.3)).level, 1);
    assert.equal(lines.length, 3);
  });
});

describe("LiveChooser (scene)", () => {
  const layer = { id: "a", locked_data_level: null, scale: [], translate: [] } as unknown as LayerState;
  const entry = { levels: LEVELS } as unknown as LayerEntry;
  const state = (zoom: number): ViewerState => ({
    camera: { center: [2048, 2048], zoom, angles: [0, 0, 90] },
    dims: { ndisplay: 2, current_step: [], axis_labels: [] },
    layers: [layer],
  });

  it("reads the injected clock and reports each frame's decisions, pending switches included", () => {
    let now = 0;
    const c = new LiveChooser(defaultMsAutoConfig(), () => now);
    assert.equal(c.choose(entry, layer, state(0.3), CANVAS), 1);
    assert.equal(c.take(new Set(["a"])).get("a")?.nextCheckMs, null);
    const s = state(0.1);
    now = 1000;
    assert.equal(c.choose(entry, layer, s, CANVAS), 1);
    assert.equal(c.take(new Set(["a"])).get("a")?.nextCheckMs, 300);
    now = 1300; // the caller re-renders the same state when nextCheckMs expires
    assert.equal(c.choose(entry, layer, s, CANVAS), 3);
    const d = c.take(new Set(["a"])).get("a")!;
    assert.deepEqual([d.switched, d.auto, d.reason, d.nextCheckMs], [true, true, "oversub", null]);
    // A replaced layer (new entry object) starts over: the first frame takes napari's level at once.
    const replaced = { levels: LEVELS } as unknown as LayerEntry;
    assert.equal(c.choose(replaced, layer, state(0.3), CANVAS), 1);
    assert.equal(c.take(new Set(["a"])).get("a")?.reason, "init");
  });
});
