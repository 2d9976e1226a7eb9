/**
 * The daemon with a real OME-Zarr pyramid (written by ome-zarr-py): open_layer metadata,
 * screenshots at napari's level equal the same level sent as an in-memory layer, locked
 * levels, streamed meta/level headers, and errors that leave the daemon serving.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  decodeFrame,
  type OpenLayerResult,
  type ScreenshotResult,
  type StreamMeta,
} from "../../../src/protocol/index.js";
import {
  controlClient,
  layer,
  sleep,
  startTestDaemon,
  streamHello,
  TestClient,
  viewerState,
  type TestClient as Client,
  type TestDaemon,
} from "../daemon/helpers.js";
import { pythonHas, runPython } from "../render/python.js";

const SKIP = pythonHas("ome_zarr") ? false : "no .venv python with ome_zarr (make venv)";
const H = 256;
const W = 320;

/** Writes a 4-level uint16 pyramid (NGFF 0.5, 64x64 chunks); prints each level's bytes as hex-free JSON sizes. */
const WRITE = `
import sys, json, numpy as np, zarr
from ome_zarr.format import FormatV05
from ome_zarr.writer import write_image
rng = np.random.default_rng(7)
a = rng.integers(0, 4000, (${H}, ${W}), dtype=np.uint16)
g = zarr.open_group(sys.argv[1], mode="w", zarr_format=3)
write_image(a, g, axes="yx", fmt=FormatV05(), scale_factors=[2, 4, 8], method="nearest",
            storage_options={"chunks": (64, 64)})
levels = []
ms = g.attrs["ome"]["multiscales"][0]["datasets"]
for d in ms:
    arr = zarr.open_array(sys.argv[1] + "/" + d["path"], mode="r")[...]
    t = {k["type"]: k for k in d["coordinateTransformations"]}
    levels.append({"shape": list(arr.shape), "scale": t["scale"]["scale"],
                   "translate": t.get("translation", {"translation": [0, 0]})["translation"],
                   "bytes": arr.astype("<u2").tobytes().hex()})
print(json.dumps(levels))
`;

interface Level {
  shape: number[];
  scale: number[];
  translate: number[];
  bytes: string;
}

type Reply<T = unknown> = { id: number; ok: boolean; result: T; error?: { code: string; message: string } };

describe("OME-Zarr layers in the daemon", { skip: SKIP, timeout: 120_000 }, () => {
  let t: TestDaemon;
  let dir: string;
  let path: string;
  let levels: Level[];
  let c: Client;
  let nextId = 1;

  async function request<T>(msg: Record<string, unknown>, binary?: Uint8Array): Promise<Reply<T>> {
    const id = nextId++;
    c.send({ ...msg, id });
    if (binary) c.sendBinary(binary);
    return c.json<Reply<T>>(30_000);
  }

  async function shot(viewer: string, state: ReturnType<typeof viewerState>, w = 64, h = 48) {
    const r = await request<ScreenshotResult>({
      op: "screenshot",
      viewer_id: viewer,
      state,
      canvas: { width: w, height: h, pixel_ratio: 1 },
    });
    assert.ok(r.ok, JSON.stringify(r.error));
    return { result: r.result, pixels: await c.binary(30_000) };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "nc-scene-"));
    path = join(dir, "img.ome.zarr");
    levels = JSON.parse(runPython(WRITE, "", [path]).toString()) as Level[];
    // Every moving frame at half resolution (interactive quality), to check it keeps the level.
    t = await startTestDaemon({ interactiveMs: 0 });
    c = await controlClient(t);
  });

  after(async () => {
    await c?.close();
    await t?.daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("open_layer reports levels, transform and the coarsest level's range", async () => {
    const r = await request<OpenLayerResult>({ op: "open_layer", viewer_id: "z", layer_id: "img", uri: path });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.result.dtype, "uint16");
    assert.equal(r.result.ngff_version, "0.5");
    assert.deepEqual(
      r.result.levels.map((l) => l.shape),
      levels.map((l) => l.shape),
    );
    assert.deepEqual(
      r.result.levels.map((l) => l.factors),
      levels.map((l) => l.scale.map((s, i) => s / levels[0]!.scale[i]!)),
    );
    assert.deepEqual(
      r.result.axes.map((a) => a.name),
      ["y", "x"],
    );
    const coarse = new Uint16Array(Buffer.from(levels.at(-1)!.bytes, "hex").buffer.slice(0));
    assert.deepEqual(r.result.contrast_range, [Math.min(...coarse), Math.max(...coarse)]);
  });

  // Each case: zoom (CSS px per world unit) on a 64x48 canvas -> napari's level.
  for (const [zoom, want] of [
    [1, 0],
    [0.3, 1],
    [0.15, 2],
    [0.05, 3],
  ] as const) {
    test(`zoom ${zoom}: screenshot at level ${want} equals that level sent as an array`, async () => {
      const lv = levels[want]!;
      const f = lv.scale.map((s, i) => s / levels[0]!.scale[i]!);
      const off = lv.translate.map((tr, i) => (tr - levels[0]!.translate[i]!) / levels[0]!.scale[i]!);
      const bytes = Buffer.from(lv.bytes, "hex");
      const mem = `mem${want}`;
      const set = await request(
        { op: "set_layer_data", viewer_id: mem, layer_id: "m", dtype: "uint16", shape: lv.shape, nbytes: bytes.length },
        bytes,
      );
      assert.ok(set.ok, JSON.stringify(set.error));
      const center: [number, number] = [101.3, 157.8];
      const look = { contrast_limits: [0, 4000] };
      const z = await shot("z", viewerState(center, zoom, [layer("img", look)]));
      assert.deepEqual(z.result.levels, { img: want });
      const m = await shot(
        "mem" + want,
        viewerState(center, zoom, [layer("m", { ...look, scale: f, translate: off })]),
      );
      assert.ok(z.pixels.equals(m.pixels), "pyramid level and in-memory level render identically");
    });
  }

  test("locked_data_level overrides the rule", async () => {
    const z = await shot("z", viewerState([128, 160], 1, [layer("img", { locked_data_level: 2 })]));
    assert.deepEqual(z.result.levels, { img: 2 });
  });

  test("a view gets meta with the level and frames whose header carries it", async () => {
    const v = await TestClient.open(t.url("/stream"));
    try {
      v.send(streamHello({ viewer_id: "z", state: viewerState([128, 160], 0.3, [layer("img")]) }));
      let meta: StreamMeta | null = null;
      const deadline = Date.now() + 20_000;
      let frameLevel = -1;
      let frameCount = 0;
      // Progressive: early frames may show a coarser level; wait for the wanted level with nothing loading.
      while (Date.now() < deadline && !(meta?.layers[0]?.data_level === 1 && meta.loading === 0 && frameLevel === 1)) {
        const m = await v.next(deadline - Date.now());
        if (m.kind === "binary") {
          const { header } = decodeFrame(m.data);
          frameLevel = header.level;
          frameCount = header.levelCount;
          v.send({ type: "ack", frame_id: header.frameId });
        } else if ((m.json as { type: string }).type === "meta") meta = m.json as StreamMeta;
        if (process.env.DEBUG_SCENE) console.error(m.kind === "binary" ? `frame L${frameLevel}` : m.text);
      }
      assert.equal(meta?.layers[0]?.data_level, 1);
      assert.equal(meta?.layers[0]?.level_count, 4);
      assert.equal(meta?.loading, 0);
      assert.equal(frameLevel, 1);
      assert.equal(frameCount, 4);
    } finally {
      await v.close();
    }
  });

  test("moving half-resolution frames keep the full view's level (stopping neither switches nor reloads)", async () => {
    const v = await TestClient.open(t.url("/stream"));
    // At zoom 0.2 the 64x48 view wants level 2; a half-resolution canvas alone would want level 3.
    const at = (x: number) => viewerState([128, 160 + x], 0.2, [layer("img")]);
    const frame = async (ms: number) => {
      for (const end = Date.now() + ms; ;) {
        const m = await v.next(Math.max(1, end - Date.now()));
        if (m.kind !== "binary") continue;
        const { header } = decodeFrame(m.data);
        v.send({ type: "ack", frame_id: header.frameId });
        return header;
      }
    };
    try {
      v.send(streamHello({ viewer_id: "z", state: at(0) }));
      let h = await frame(20_000);
      while (h.level !== 2) h = await frame(20_000);
      const seen = new Set<string>();
      const levels = new Set<number>();
      const note = (hd: { seq: number; width: number; level: number }) => {
        levels.add(hd.level);
        if (hd.seq >= 2) seen.add(`${hd.width}@${hd.level}`); // the first change alone is drawn in full
      };
      // 1 s of motion: longer than the chooser's 300 ms dwell.
      for (let x = 1; x <= 20; x++) {
        v.send({ type: "state", seq: x, state: at(x) });
        await sleep(50);
        while (v.pending > 0) {
          const m = await v.next(1000);
          if (m.kind !== "binary") continue;
          const { header } = decodeFrame(m.data);
          v.send({ type: "ack", frame_id: header.frameId });
          note(header);
        }
      }
      // Half frames still on their way come first; then the resting view at full resolution.
      for (h = await frame(5000); h.width !== 64 || h.seq < 20; h = await frame(5000)) note(h);
      assert.deepEqual([...seen], ["32@2"], "every moving frame: half resolution at level 2");
      assert.deepEqual([...levels], [2], "no level switch");
      assert.equal(h.level, 2, "at rest: full resolution, same level");
    } finally {
      await v.close();
    }
  });

  test("a missing path is not_found, a non-zarr directory invalid_source; the daemon keeps serving", async () => {
    const missing = await request({ op: "open_layer", viewer_id: "z", layer_id: "bad", uri: join(dir, "nope.zarr") });
    assert.equal(missing.error?.code, "not_found");
    const notZarr = await request({ op: "open_layer", viewer_id: "z", layer_id: "bad", uri: dir });
    assert.equal(notZarr.error?.code, "invalid_source");
    const z = await shot("z", viewerState([128, 160], 1, [layer("img")]));
    assert.deepEqual(z.result.levels, { img: 0 });
  });
});
