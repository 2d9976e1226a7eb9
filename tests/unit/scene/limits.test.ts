/**
 * Datasets bigger than the chunk cache: the contrast range samples the middle plane, a 3D view
 * whose frame would not fit gets one too_large error (screenshots too) and the daemon keeps
 * serving 2D frames of the same layer.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type OpenLayerResult, type ScreenshotResult, type ViewerState } from "../../../src/protocol/index.js";
import {
  controlClient,
  layer,
  startTestDaemon,
  streamHello,
  TestClient,
  viewerState,
  type TestDaemon,
} from "../daemon/helpers.js";
import { pythonHas, runPython } from "../render/python.js";

const SKIP = pythonHas("zarr") ? false : "no .venv python with zarr (make venv)";
const N = 96;

/** A plain Zarr v3 array (96^3 uint16, 16^3 chunks); prints the middle plane's and the whole range. */
const WRITE = `
import sys, json, numpy as np, zarr
a = (np.arange(${N}**3, dtype=np.uint32).reshape(${N}, ${N}, ${N}) % 5000).astype(np.uint16)
a[0, 0, 0] = 9999
z = zarr.create_array(sys.argv[1], shape=a.shape, chunks=(16, 16, 16), dtype="uint16", dimension_names=["z", "y", "x"])
z[...] = a
mid = a[${N} // 2]
print(json.dumps({"plane": [int(mid.min()), int(mid.max())], "all": [int(a.min()), int(a.max())]}))
`;

type Reply<T = unknown> = { ok: boolean; result: T; error?: { code: string; message: string } };

describe("datasets bigger than the chunk cache", { skip: SKIP, timeout: 60_000 }, () => {
  let t: TestDaemon;
  let dir: string;
  let path: string;
  let ranges: { plane: number[]; all: number[] };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "nc-limits-"));
    path = join(dir, "vol.zarr");
    ranges = JSON.parse(runPython(WRITE, "", [path]).toString()) as typeof ranges;
    t = await startTestDaemon({ cacheBytes: 1024 * 1024 });
  });
  after(async () => {
    await t?.daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("contrast range from the middle plane, too_large in 3D, 2D still drawn", async () => {
    const c = await controlClient(t);
    let id = 1;
    const call = async <T>(msg: Record<string, unknown>): Promise<Reply<T>> => {
      c.send({ ...msg, id: id++ });
      return c.json<Reply<T>>(20_000);
    };
    const open = await call<OpenLayerResult>({ op: "open_layer", viewer_id: "big", layer_id: "vol", uri: path });
    assert.ok(open.ok, JSON.stringify(open.error));
    assert.deepEqual(open.result.contrast_range, ranges.plane);
    assert.notDeepEqual(ranges.plane, ranges.all);

    const look = { contrast_limits: [0, 5000] };
    const s3: ViewerState = {
      camera: { center: [N / 2, N / 2, N / 2], zoom: 1, angles: [0, 0, 90] },
      dims: { ndisplay: 3, current_step: [N / 2, 0, 0], axis_labels: [] },
      layers: [layer("vol", look) as ViewerState["layers"][0]],
    };
    const canvas = { width: 64, height: 48, pixel_ratio: 1 };
    const shot3 = await call({ op: "screenshot", viewer_id: "big", state: s3, canvas });
    assert.equal(shot3.error?.code, "too_large");
    assert.match(shot3.error!.message, /NAPARI_CUDA_CACHE_BYTES/);

    const v = await TestClient.open(t.url("/stream"));
    try {
      v.send(streamHello({ viewer_id: "big", state: s3, canvas }));
      const { texts } = await v.untilBinary(20_000);
      const errors = texts.filter((m) => (m as { type?: string }).type === "error") as Array<{ code: string }>;
      assert.deepEqual(
        errors.map((e) => e.code),
        ["too_large"],
      );
    } finally {
      await v.close();
    }

    const s2 = { ...viewerState([N / 2, N / 2], 1, [layer("vol", look)]), dims: { ...s3.dims, ndisplay: 2 as const } };
    const shot2 = await call<ScreenshotResult>({ op: "screenshot", viewer_id: "big", state: s2, canvas });
    assert.ok(shot2.ok, JSON.stringify(shot2.error));
    assert.deepEqual(shot2.result.levels, { vol: 0 });
    await c.binary();
    await c.close();
  });
});
