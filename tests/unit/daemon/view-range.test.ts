/**
 * `range` on /stream (the panel's auto-contrast "once") against a real in-process daemon: the exact
 * [min, max] of the samples on screen, checked against a brute force over every device pixel of
 * the canvas (the sample each pixel centre falls on): a whole slice in view, only the visible part
 * after zoom and pan, sliced axes, floats with NaN/infinities, nothing in view, a 3D volume, a
 * real OME-Zarr pyramid at a coarser level and through chunks the cache did not hold, unknown
 * layers, bad messages; and the widget's `viewRange` (StreamPipeline) on the same daemon.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { StreamRange, ViewerState } from "../../../src/protocol/index.js";
import { SCAN_SLICE } from "../../../src/daemon/scene/view-range.js";
import { NapariCudaError } from "../../../src/protocol/errors.js";
import { parseServerMessage } from "../../../src/widget/stream/messages.js";
import { openPyramid, PYRAMID_SKIP, type Level } from "./pyramid-fixture.js";
import { widgetPipeline } from "./widget-pipeline.js";
import {
  layer,
  startTestDaemon,
  streamHello,
  TestClient,
  viewerState,
  type TestDaemon,
  frameAt,
  nextReply,
  setLayerData,
} from "./helpers.js";

type ErrorMsg = { type: "error"; code: string; path?: string };

let t: TestDaemon;
let nextId = 1;
let seq = 1;
/** The canvas of every view here (streamHello's), device px. */
const CANVAS = { width: 64, height: 48, pixel_ratio: 1 };

before(async () => {
  t = await startTestDaemon();
});
after(async () => {
  await t.daemon.close();
});

async function range(c: TestClient, layerId: string): Promise<StreamRange> {
  const id = nextId++;
  c.send({ type: "range", id, layer_id: layerId });
  const r = await nextReply<StreamRange>(c);
  assert.equal(r.type, "range", JSON.stringify(r));
  assert.equal(r.id, id);
  return r;
}

async function view(viewer: string, state: ViewerState): Promise<TestClient> {
  const c = await TestClient.open(t.url("/stream"));
  c.send(streamHello({ viewer_id: viewer, state }));
  await frameAt(c, 0);
  return c;
}

function setState(c: TestClient, state: ViewerState): void {
  c.send({ type: "state", seq: seq++, state });
}

/** Deterministic scrambled values (not monotonic: the visible part's range differs from neighbours'). */
function scrambled(n: number, mod: number): number[] {
  let x = 12345;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % mod;
  });
}

/**
 * Brute force: [min, max] over the sample each device-pixel centre of CANVAS falls on (nearest,
 * a sample covers +-0.5 around its index), of a 2D array `at(i, j)` of `shape` placed at level
 * `factor`/`offset` (level-0 data units) under layer `scale`/`translate`; null when none.
 */
function shownRange(
  state: ViewerState,
  shape: [number, number],
  at: (i: number, j: number) => number,
  place: { scale?: number[]; translate?: number[]; factor?: number[]; offset?: number[] } = {},
): [number, number] | null {
  const step = 1 / (state.camera.zoom * CANVAS.pixel_ratio);
  const [cy, cx] = state.camera.center.slice(-2) as [number, number];
  const sample = (a: number, world: number): number => {
    const data0 = (world - (place.translate?.[a] ?? 0)) / (place.scale?.[a] ?? 1);
    return Math.floor((data0 - (place.offset?.[a] ?? 0)) / (place.factor?.[a] ?? 1) + 0.5);
  };
  let lo = Infinity;
  let hi = -Infinity;
  for (let py = 0; py < CANVAS.height; py++) {
    const i = sample(0, cy + (py + 0.5 - CANVAS.height / 2) * step);
    if (i < 0 || i >= shape[0]) continue;
    for (let px = 0; px < CANVAS.width; px++) {
      const j = sample(1, cx + (px + 0.5 - CANVAS.width / 2) * step);
      if (j < 0 || j >= shape[1]) continue;
      const v = at(i, j);
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

function pair(r: StreamRange): [number, number] | null {
  assert.equal(r.status, "ok", JSON.stringify(r));
  return r.min === null || r.max === null ? null : [r.min, r.max];
}

describe("range on in-memory layers", { timeout: 60_000 }, () => {
  const H = 40;
  const W = 50;
  const values = scrambled(H * W, 60000);
  const at = (i: number, j: number): number => values[i * W + j]!;

  test("the whole slice in view: its exact min and max", async () => {
    await setLayerData(t, "rm", "img", "uint16", [H, W], Uint16Array.from(values));
    // zoom 1 on a 64x48 canvas centred on the data: all 40x50 samples are on screen.
    const state = viewerState([19.5, 24.5], 1, [layer("img", { contrast_limits: [0, 60000] })]);
    const c = await view("rm", state);
    try {
      const r = await range(c, "img");
      assert.deepEqual(r, {
        type: "range",
        id: r.id,
        layer_id: "img",
        status: "ok",
        min: Math.min(...values),
        max: Math.max(...values),
        level: 0,
      });
      assert.deepEqual(pair(r), shownRange(state, [H, W], at));
    } finally {
      await c.close();
    }
  });

  test("after zoom and pan only the visible part counts", async () => {
    await setLayerData(t, "rz", "img", "uint16", [H, W], Uint16Array.from(values));
    const look = { contrast_limits: [0, 60000], scale: [2, 3], translate: [10, -5] };
    const c = await view("rz", viewerState([50, 70], 1, [layer("img", look)]));
    try {
      const whole: [number, number] = [Math.min(...values), Math.max(...values)];
      const seen = new Set<string>();
      for (const [center, zoom] of [
        [[30.3, 40.7], 2],
        [[60.2, 100.9], 2],
        [[70.1, 60.4], 4],
        [[24.6, 28.2], 16],
      ] as const) {
        const state = viewerState([center[0], center[1]], zoom, [layer("img", look)]);
        setState(c, state);
        const got = pair(await range(c, "img"));
        const want = shownRange(state, [H, W], at, look);
        assert.deepEqual(got, want, `center ${center} zoom ${zoom}`);
        seen.add(JSON.stringify(got));
      }
      assert.ok(seen.size >= 3, "different views give different ranges");
      assert.ok(![...seen].includes(JSON.stringify(whole)), "a part of the data is not the whole data's range");
      // Panned away from the data: nothing of the layer in view.
      setState(c, viewerState([-500, -500], 4, [layer("img", look)]));
      assert.deepEqual(await range(c, "img"), {
        type: "range",
        id: nextId - 1,
        layer_id: "img",
        status: "ok",
        min: null,
        max: null,
        level: 0,
      });
    } finally {
      await c.close();
    }
  });

  test("sliced axes: only the current slice", async () => {
    const D = 3;
    const vol = scrambled(D * 20 * 30, 50000).map((v, n) => v + Math.floor(n / 600) * 1000);
    await setLayerData(t, "rs", "vol", "uint16", [D, 20, 30], Uint16Array.from(vol));
    const state = viewerState([9.5, 14.5], 1, [layer("vol", { contrast_limits: [0, 60000] })]);
    const c = await view("rs", state);
    try {
      for (const z of [2, 0, 1]) {
        setState(c, { ...state, dims: { ...state.dims, current_step: [z, 0, 0] } });
        const slice = vol.slice(z * 600, (z + 1) * 600);
        assert.deepEqual(pair(await range(c, "vol")), [Math.min(...slice), Math.max(...slice)], `slice ${z}`);
      }
    } finally {
      await c.close();
    }
  });

  test("floats: NaN and infinities are skipped; all NaN => null bounds", async () => {
    const f = new Float32Array([0.1, Number.NaN, Number.POSITIVE_INFINITY, -2.5e-7, Number.NEGATIVE_INFINITY, 7.25]);
    await setLayerData(t, "rf", "f", "float32", [2, 3], f);
    await setLayerData(t, "rf", "nan", "float32", [2, 3], new Float32Array(6).fill(Number.NaN));
    const c = await view("rf", viewerState([0.5, 1], 8, [layer("f"), layer("nan")]));
    try {
      assert.deepEqual(pair(await range(c, "f")), [Math.fround(-2.5e-7), 7.25]);
      assert.equal(pair(await range(c, "nan")), null);
    } finally {
      await c.close();
    }
  });

  test("3D: the whole volume, whatever the camera shows", async () => {
    const vol = scrambled(2 * 4 * 10 * 12, 30000);
    await setLayerData(
      t,
      "r3",
      "vol",
      "int16",
      [2, 4, 10, 12],
      Int16Array.from(vol, (v) => v - 15000),
    );
    const state: ViewerState = {
      camera: { center: [1.5, 4.5, 5.5], zoom: 40, angles: [10, 20, 30] },
      dims: { ndisplay: 3, current_step: [1, 0, 0, 0], axis_labels: [] },
      layers: [layer("vol", { contrast_limits: [-15000, 15000], rendering: "mip" })] as ViewerState["layers"],
    };
    const c = await view("r3", state);
    try {
      const second = vol.slice(480).map((v) => v - 15000);
      assert.deepEqual(pair(await range(c, "vol")), [Math.min(...second), Math.max(...second)]);
      setState(c, { ...state, dims: { ...state.dims, current_step: [0, 0, 0, 0] } });
      const first = vol.slice(0, 480).map((v) => v - 15000);
      assert.deepEqual(pair(await range(c, "vol")), [Math.min(...first), Math.max(...first)]);
    } finally {
      await c.close();
    }
  });

  test("a volume larger than one scan slice (the scan yields between slices): still exact", async () => {
    const [D, Y, X] = [72, 256, 256];
    assert.ok(D * Y * X > 2 * SCAN_SLICE, "several slices");
    const vol = new Uint8Array(D * Y * X).fill(100);
    vol[D * Y * X - 1] = 250;
    vol[SCAN_SLICE + 12345] = 7;
    await setLayerData(t, "rb", "vol", "uint8", [D, Y, X], vol);
    const state: ViewerState = {
      camera: { center: [36, 128, 128], zoom: 0.2, angles: [0, 0, 90] },
      dims: { ndisplay: 3, current_step: [0, 0, 0], axis_labels: [] },
      layers: [layer("vol", { rendering: "mip" })] as ViewerState["layers"],
    };
    const c = await view("rb", state);
    try {
      assert.deepEqual(pair(await range(c, "vol")), [7, 250]);
    } finally {
      await c.close();
    }
  });

  test("unknown layers => no_layer; bad requests name the property; the view keeps answering", async () => {
    await setLayerData(t, "ru", "img", "uint8", [2, 2], new Uint8Array([1, 2, 3, 4]));
    await setLayerData(t, "ru", "other", "uint8", [2, 2], new Uint8Array([1, 2, 3, 4]));
    const c = await view("ru", viewerState([0.5, 0.5], 8, [layer("img")]));
    try {
      const none = await range(c, "nope");
      assert.deepEqual([none.status, none.min, none.max, none.layer_id], ["no_layer", null, null, "nope"]);
      // In the viewer but not in this view's state.
      assert.equal((await range(c, "other")).status, "no_layer");
      for (const [msg, path] of [
        [{ type: "range", id: 1 }, "layer_id"],
        [{ type: "range", id: 1, layer_id: "" }, "layer_id"],
        [{ type: "range", id: 1, layer_id: 5 }, "layer_id"],
        [{ type: "range", id: -1, layer_id: "img" }, "id"],
        [{ type: "range", layer_id: "img" }, "id"],
      ] as const) {
        c.send(msg);
        const e = await nextReply<ErrorMsg>(c);
        assert.deepEqual([e.type, e.code, e.path], ["error", "invalid_message", path], JSON.stringify(msg));
      }
      assert.deepEqual(pair(await range(c, "img")), [1, 4]);
    } finally {
      await c.close();
    }
  });

  test("a flood is answered busy beyond the range rate, one answer per request", async () => {
    await setLayerData(t, "rr", "img", "uint8", [2, 2], new Uint8Array([1, 2, 3, 4]));
    const c = await view("rr", viewerState([0.5, 0.5], 8, [layer("img")]));
    try {
      const first = nextId;
      for (let i = 0; i < 60; i++) c.send({ type: "range", id: nextId++, layer_id: "img" });
      const replies: StreamRange[] = [];
      while (replies.length < 60) replies.push(await nextReply<StreamRange>(c));
      assert.deepEqual(
        replies.map((r) => r.id).sort((a, b) => a - b),
        Array.from({ length: 60 }, (_, i) => first + i),
      );
      assert.ok(
        replies.some((r) => r.status === "busy" && r.min === null),
        "requests over the rate are answered busy",
      );
      assert.ok(
        replies.filter((r) => r.status === "ok").every((r) => r.min === 1 && r.max === 4),
        "the others are answered",
      );
    } finally {
      await c.close();
    }
  });
});

describe("range on an OME-Zarr pyramid", { skip: PYRAMID_SKIP, timeout: 90_000 }, () => {
  let levels: Level[];
  let remove = (): void => undefined;

  before(async () => {
    ({ levels, remove } = await openPyramid(t, "rp", "(yy * 7919 + xx * 104729 + (yy * xx) * 31) % 60000"));
  });
  after(() => remove());

  /** Level `n`'s placement in level-0 data units, from its NGFF transform. */
  function placement(n: number): { factor: number[]; offset: number[] } {
    const l = levels[n]!;
    const l0 = levels[0]!;
    return {
      factor: [0, 1].map((a) => l.scale[a]! / l0.scale[a]!),
      offset: [0, 1].map((a) => (l.translate[a]! - l0.translate[a]!) / l0.scale[a]!),
    };
  }

  function levelRange(state: ViewerState, n: number): [number, number] | null {
    const v = levels[n]!.values;
    return shownRange(state, [v.length, v[0]!.length], (i, j) => v[i]![j]!, placement(n));
  }

  test("a coarser level: the range of that level's samples in view", async () => {
    const img = layer("img", { contrast_limits: [0, 60000], locked_data_level: 2 });
    const state = viewerState([30.3, 40.7], 1, [img]);
    const c = await TestClient.open(t.url("/stream"));
    c.send(streamHello({ viewer_id: "rp", state }));
    try {
      await frameAt(c, 2);
      const r = await range(c, "img");
      assert.deepEqual([r.status, r.level, pair(r)], ["ok", 2, levelRange(state, 2)]);
      // Not the level-0 answer (the test would notice a wrong level).
      assert.notDeepEqual(pair(r), levelRange(state, 0));
      // Zoomed in further: a smaller part of level 2.
      const closer = viewerState([70.2, 90.6], 2, [img]);
      setState(c, closer);
      assert.deepEqual(pair(await range(c, "img")), levelRange(closer, 2));
    } finally {
      await c.close();
    }
  });

  test("chunks in view that are not cached: loading, then the exact range", async () => {
    // Locked at level 0 and zoomed on the top-left corner: only chunk (0, 0) is drawn (and cached).
    const img = layer("img", { contrast_limits: [0, 60000], locked_data_level: 0 });
    const c = await TestClient.open(t.url("/stream"));
    c.send(streamHello({ viewer_id: "rp", state: viewerState([8, 8], 4, [img]) }));
    try {
      await frameAt(c, 0);
      // Two frames left unacked fill the view's window: the pump draws nothing more, so the view
      // keeps level 0 and the range's own background load is what fills the cache.
      for (const zoom of [4.1, 4.2]) {
        setState(c, viewerState([8, 8], zoom, [img]));
        for (;;) if ((await c.next(10_000)).kind === "binary") break;
      }
      const far = viewerState([80.3, 110.6], 4, [img]);
      setState(c, far);
      const statuses: string[] = [];
      let last: StreamRange | null = null;
      for (let n = 0; n < 200 && last?.status !== "ok"; n++) {
        if (n > 0) await new Promise((done) => setTimeout(done, 60));
        const id = nextId++;
        c.send({ type: "range", id, layer_id: "img" });
        for (;;) {
          const m = await c.next(10_000);
          if (m.kind === "text" && (m.json as { type: string }).type === "range") {
            last = m.json as StreamRange;
            break;
          }
        }
        assert.equal(last.id, id);
        statuses.push(last.status);
      }
      assert.equal(statuses[0], "loading", statuses.join(", "));
      assert.deepEqual([last!.status, last!.level, pair(last!)], ["ok", 0, levelRange(far, 0)]);
    } finally {
      await c.close();
    }
  });
});

describe("the widget's viewRange", { timeout: 60_000 }, () => {
  test("range replies are checked and name the bad property", () => {
    const ok = { type: "range", id: 3, layer_id: "a", status: "ok", min: -1.5, max: 7, level: 1 };
    assert.deepEqual(parseServerMessage(JSON.stringify(ok)), ok);
    const empty = { ...ok, status: "loading", min: null, max: null };
    assert.deepEqual(parseServerMessage(JSON.stringify(empty)), empty);
    for (const [patch, path] of [
      [{ status: "outside" }, "status"],
      [{ min: "1" }, "min"],
      [{ max: null }, "max"],
      [{ min: 9 }, "max"],
      [{ id: 1.5 }, "id"],
      [{ layer_id: null }, "layer_id"],
      [{ level: -1 }, "level"],
    ] as const) {
      assert.throws(
        () => parseServerMessage(JSON.stringify({ ...ok, ...patch })),
        (e: unknown) => e instanceof NapariCudaError && e.path === path,
        JSON.stringify(patch),
      );
    }
  });

  test("resolves {min, max} of the data on screen; null for an unknown layer and once closed", async () => {
    const values = Uint8Array.from(scrambled(6 * 7, 200), (v) => v + 20);
    await setLayerData(t, "rw", "img", "uint8", [6, 7], values);
    const { pipeline, started } = widgetPipeline(t, "rw");
    try {
      assert.equal(await pipeline.viewRange("img"), null, "not connected yet");
      await started();
      // zoom 4 on a 64x48 canvas: 16x12 world units around (2.5, 3), the whole 6x7 array.
      assert.deepEqual(await pipeline.viewRange("img"), { min: Math.min(...values), max: Math.max(...values) });
      assert.equal(await pipeline.viewRange("nope"), null);
      pipeline.dispose();
      assert.equal(await pipeline.viewRange("img"), null, "disposed");
    } finally {
      pipeline.dispose();
    }
  });
});
