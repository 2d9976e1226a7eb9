import assert from "node:assert/strict";
import { test } from "node:test";
import { isNapariCudaError } from "../../../src/protocol/errors.js";
import { ViewerStateSchema } from "../../../src/protocol/state.js";
import type { StreamMeta } from "../../../src/protocol/stream.js";
import { hudLine, type HudInfo } from "../../../src/widget/hud/hud.js";
import { parseServerMessage } from "../../../src/widget/stream/messages.js";
import {
  hudLevel,
  layerLevels,
  LayerLevelsTracker,
  loadingText,
  sameLayerLevels,
} from "../../../src/widget/state/meta.js";
import { readLayers, toViewerState, DEFAULT_CAMERA, readDims } from "../../../src/widget/state/traits.js";

function meta(levels: Array<[string, number, number]>, level = 0, count = 1, loading = 0): StreamMeta {
  return {
    type: "meta",
    layers: levels.map(([id, data_level, level_count]) => ({
      id,
      shape: [1024, 1024],
      dtype: "uint16",
      loaded: true,
      data_level,
      level_count,
    })),
    level,
    level_count: count,
    loading,
  };
}

const hud: HudInfo = {
  backend: "cpu",
  encoder: "libx264",
  fps: 59.6,
  m2pMs: 17.4,
  width: 1280,
  height: 720,
  level: 0,
  levelCount: 1,
};

test("meta -> debug overlay: 'data level a / b' from the meta when it has one, only for multiscale data", () => {
  const header = { level: 1, level_count: 3 };
  assert.deepEqual(hudLevel(null, header), { level: 1, levelCount: 3 }, "before any meta: frame header");
  const m = meta([["a", 2, 4]], 2, 4);
  const lvl = hudLevel(m, header);
  assert.deepEqual(lvl, { level: 2, levelCount: 4 });
  assert.equal(
    hudLine({ ...hud, ...lvl }),
    "CPU renderer · libx264 · 60 frames/s · latency 17 ms · 1280×720 px · data level 2 / 3",
  );
  assert.equal(hudLine({ ...hud, ...hudLevel(meta([["a", 0, 1]]), header) }).includes("data level"), false);
});

test("meta -> loading indicator text: shown while chunks are pending, hidden at 0", () => {
  assert.equal(loadingText(null), "");
  assert.equal(loadingText(meta([], 0, 1, 0)), "");
  assert.equal(loadingText(meta([], 0, 1, 17)), "loading 17");
});

test("layer_levels: written on the first meta and on a change only", () => {
  const t = new LayerLevelsTracker();
  assert.deepEqual(t.next(meta([["a", 3, 4]])), { a: { data_level: 3, level_count: 4 } });
  assert.equal(t.next(meta([["a", 3, 4]], 3, 4, 12)), null, "only loading changed");
  assert.deepEqual(t.next(meta([["a", 2, 4]])), { a: { data_level: 2, level_count: 4 } });
  assert.deepEqual(
    t.next(
      meta([
        ["a", 2, 4],
        ["b", 0, 1],
      ]),
    ),
    {
      a: { data_level: 2, level_count: 4 },
      b: { data_level: 0, level_count: 1 },
    },
  );
  assert.deepEqual(t.next(meta([["b", 0, 1]])), { b: { data_level: 0, level_count: 1 } }, "a layer removed");
  assert.equal(t.next(meta([["b", 0, 1]])), null);
  t.reset();
  assert.notEqual(t.next(meta([["b", 0, 1]])), null, "after reset the next meta is written");
  assert.equal(
    sameLayerLevels(
      layerLevels(
        meta([
          ["a", 1, 2],
          ["b", 0, 1],
        ]),
      ),
      layerLevels(
        meta([
          ["b", 0, 1],
          ["a", 1, 2],
        ]),
      ),
    ),
    true,
    "order does not matter",
  );
  assert.equal(
    sameLayerLevels({ a: { data_level: 1, level_count: 2 } }, { b: { data_level: 1, level_count: 2 } }),
    false,
  );
});

test("meta parsing: layers' levels are checked and the failing property is named", () => {
  const m = meta([["a", 1, 3]], 1, 3, 5);
  assert.deepEqual(parseServerMessage(JSON.stringify(m)), m);
  const { loading: _omit, ...old } = m;
  assert.equal((parseServerMessage(JSON.stringify(old)) as StreamMeta).loading, 0, "loading defaults to 0");
  const bad = (o: unknown) => {
    try {
      parseServerMessage(JSON.stringify(o));
    } catch (err) {
      assert.ok(isNapariCudaError(err, "invalid_message"));
      return err.path;
    }
    assert.fail("no error");
  };
  const layer = m.layers[0]!;
  assert.equal(bad({ ...m, layers: [{ ...layer, data_level: -1 }] }), "layers[0].data_level");
  assert.equal(bad({ ...m, layers: [layer, { ...layer, level_count: 0 }] }), "layers[1].level_count");
  assert.equal(bad({ ...m, layers: [{ ...layer, id: 7 }] }), "layers[0].id");
  assert.equal(bad({ ...m, layers: ["x"] }), "layers[0]");
  assert.equal(bad({ ...m, loading: 1.5 }), "loading");
  assert.equal(bad({ ...m, level: "1" }), "level");
});

test("traits round trip: the new layer fields reach the wire unchanged and validate", () => {
  const kernelLayer = {
    id: "vol",
    name: "volume",
    visible: true,
    opacity: 0.8,
    colormap: "magenta",
    contrast_limits: [10, 900],
    gamma: 1.2,
    interpolation: "linear",
    blending: "additive",
    scale: [2, 1, 1],
    translate: [0, 5, 5],
    rendering: "attenuated_mip",
    attenuation: 0.3,
    iso_threshold: 120,
    locked_data_level: 2,
    shape: [64, 256, 256],
    dtype: "uint16",
  };
  const layers = readLayers(JSON.parse(JSON.stringify([kernelLayer])));
  const wire = toViewerState({
    camera: { center: [32, 128, 128], zoom: 1.5, angles: [10, -20, 90] },
    dims: readDims({ ndisplay: 3, current_step: [32, 128, 128], axis_labels: ["z", "y", "x"], nsteps: [64, 256, 256] }),
    layers,
  });
  const parsed = ViewerStateSchema.parse(JSON.parse(JSON.stringify(wire)));
  const l = parsed.layers[0]!;
  assert.equal(l.rendering, "attenuated_mip");
  assert.equal(l.attenuation, 0.3);
  assert.equal(l.iso_threshold, 120);
  assert.equal(l.locked_data_level, 2);
  assert.deepEqual(parsed.camera.angles, [10, -20, 90]);
  assert.deepEqual(parsed.camera.center, [32, 128, 128]);
  assert.equal(parsed.dims.ndisplay, 3);
  assert.equal("nsteps" in parsed.dims, false, "nsteps stays in the model");
  // A layer without the new fields (older kernel) still validates with napari's defaults.
  const { rendering: _r, attenuation: _a, iso_threshold: _i, locked_data_level: _k, ...bare } = kernelLayer;
  const old = ViewerStateSchema.parse({ ...parsed, layers: [bare] }).layers[0]!;
  assert.deepEqual(
    [old.rendering, old.attenuation, old.iso_threshold, old.locked_data_level],
    ["mip", 0.05, 0.5, null],
  );
  assert.deepEqual(DEFAULT_CAMERA.angles, [0, 0, 90]);
});
