/**
 * A 96x128 uint16 OME-Zarr pyramid (3 levels, 32x32 chunks) written by the reference Python
 * libraries (ome-zarr, zarr), opened in a test daemon: the pick and range tests look at its samples.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pythonHas, runPython } from "../render/python.js";
import { controlClient, type TestDaemon } from "./helpers.js";

/** Skip reason when the .venv python cannot write OME-Zarr, else false. */
export const PYRAMID_SKIP = pythonHas("ome_zarr") ? false : "no .venv python with ome_zarr (make venv)";

/** One level as written: its values and its NGFF scale and translation. */
export interface Level {
  values: number[][];
  scale: number[];
  translate: number[];
}

/** `values`: a numpy expression in yy, xx (96x128 grids) for level 0. */
const write = (values: string): string => `
import sys, json, numpy as np, zarr
from ome_zarr.format import FormatV05
from ome_zarr.writer import write_image
yy, xx = np.mgrid[0:96, 0:128]
a = (${values}).astype(np.uint16)
g = zarr.open_group(sys.argv[1], mode="w", zarr_format=3)
write_image(a, g, axes="yx", fmt=FormatV05(), scale_factors=[2, 4], method="nearest",
            storage_options={"chunks": (32, 32)})
out = []
for d in g.attrs["ome"]["multiscales"][0]["datasets"]:
    arr = zarr.open_array(sys.argv[1] + "/" + d["path"], mode="r")[...]
    t = {k["type"]: k for k in d["coordinateTransformations"]}
    out.append({"values": arr.tolist(), "scale": t["scale"]["scale"],
                "translate": t.get("translation", {"translation": [0, 0]})["translation"]})
print(json.dumps(out))
`;

/**
 * Write the pyramid of `values` in a temporary folder and open it as layer "img" of `viewerId`;
 * returns its levels and a cleanup that removes the folder.
 */
export async function openPyramid(
  t: TestDaemon,
  viewerId: string,
  values: string,
): Promise<{ levels: Level[]; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "nc-pyramid-"));
  const path = join(dir, "pyramid.ome.zarr");
  const levels = JSON.parse(runPython(write(values), "", [path]).toString()) as Level[];
  const k = await controlClient(t);
  k.send({ op: "open_layer", id: 1, viewer_id: viewerId, layer_id: "img", uri: path });
  const r = await k.json<{ ok: boolean }>(30_000);
  assert.ok(r.ok, JSON.stringify(r));
  await k.close();
  return { levels, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
