import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { openSource } from "../../../src/daemon/data/source.js";
import { isNapariCudaError, type ErrorCode } from "../../../src/protocol/index.js";
import { fixtures, SKIP, type Fixtures } from "./fixtures.js";

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, ...words: string[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isNapariCudaError(err, code), `expected ${code}, got ${String(err)}`);
    for (const w of words)
      assert.ok(err.message.includes(w), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(w)}`);
    return true;
  });
}

describe("openSource", { skip: SKIP }, () => {
  let fx: Fixtures;
  let scratch: string;
  before(() => {
    fx = fixtures();
    scratch = mkdtempSync(join(tmpdir(), "nc-source-"));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const path = (name: string): string => fx.manifest[name]!.path;

  it("reads an NGFF 0.4 pyramid: axes, units, levels, transforms", async () => {
    const src = await openSource(path("v04_yx_u8_blosc"));
    const { info } = src;
    assert.equal(info.ngff_version, "0.4");
    assert.equal(info.dtype, "uint8");
    assert.equal(info.name, "image");
    assert.deepEqual(info.axes, [
      { name: "y", type: "space", unit: "micrometer" },
      { name: "x", type: "space", unit: "micrometer" },
    ]);
    assert.deepEqual(info.scale, [0.5, 0.25]);
    assert.deepEqual(info.translate, [0, 0]);
    assert.deepEqual(
      info.levels.map((l) => l.shape),
      fx.manifest.v04_yx_u8_blosc!.levels.map((l) => l.shape),
    );
    assert.deepEqual(
      info.levels.map((l) => l.path),
      ["s0", "s1", "s2"],
    );
    assert.deepEqual(info.levels[0]!.chunks, [32, 32]);
    assert.deepEqual(info.levels[0]!.factors, [1, 1]);
    assert.deepEqual(info.levels[0]!.offset, [0, 0]);
    assert.deepEqual(info.levels[1]!.factors, [2, 2]);
    // ome-zarr-py centres coarser pixels: level-1 pixel 0 covers level-0 pixels 0 and 1.
    assert.deepEqual(info.levels[1]!.offset, [0.5, 0.5]);
    // Factors and offsets follow the metadata exactly: scale_L / scale_0, (t_L - t_0) / scale_0.
    const attrs = JSON.parse(readFileSync(join(path("v04_yx_u8_blosc"), ".zattrs"), "utf8"));
    const d2 = attrs.multiscales[0].datasets[2].coordinateTransformations;
    assert.deepEqual(info.levels[2]!.factors, [d2[0].scale[0] / 0.5, d2[0].scale[1] / 0.25]);
    assert.deepEqual(info.levels[2]!.offset, [d2[1].translation[0] / 0.5, d2[1].translation[1] / 0.25]);
    assert.equal(info.uri, path("v04_yx_u8_blosc"));
    await src.dispose();
  });

  it("reads omero channels and a z-downsampled zyx pyramid", async () => {
    const cyx = (await openSource(path("v04_cyx_u16_lz4"))).info;
    assert.deepEqual(cyx.channels, [
      { label: "DAPI", color: "0000FF", window: [10, 500] },
      { label: "GFP", color: "00FF00", window: [0, 1000] },
      { label: "RFP", color: "FF0000", window: [5, 50] },
    ]);
    assert.deepEqual(
      cyx.axes.map((a) => a.type),
      ["channel", "space", "space"],
    );
    assert.deepEqual(cyx.levels[1]!.factors, [1, 2, 2]);
    const zyx = (await openSource(path("v04_zyx_i16_gzip"))).info;
    assert.equal(zyx.dtype, "int16");
    assert.deepEqual(zyx.scale, [2, 0.5, 0.5]);
    assert.deepEqual(zyx.levels[1]!.factors, [2, 2, 2]);
    assert.deepEqual(zyx.levels[1]!.shape, [10, 20, 25]);
  });

  it("reads NGFF 0.5 (Zarr v3) with sharding: chunks are the inner chunks", async () => {
    const { info } = await openSource(path("v05_tczyx_f32_zstd_sharded"));
    assert.equal(info.ngff_version, "0.5");
    assert.equal(info.dtype, "float32");
    assert.deepEqual(
      info.axes.map((a) => a.name),
      ["t", "c", "z", "y", "x"],
    );
    assert.deepEqual(
      info.axes.map((a) => a.type),
      ["time", "channel", "space", "space", "space"],
    );
    assert.deepEqual(info.levels[0]!.shape, [2, 2, 6, 40, 50]);
    assert.deepEqual(info.levels[0]!.chunks, [1, 1, 3, 16, 16]);
    assert.deepEqual(info.levels[1]!.factors, [1, 1, 1, 2, 2]);
    for (const name of ["v05_cyx_i32_blosc", "v05_zyx_u32_gzip", "v05_yx_i8_lz4"]) {
      const s = await openSource(path(name));
      assert.equal(s.info.dtype, fx.manifest[name]!.dtype, name);
      assert.equal(s.info.levels.length, fx.manifest[name]!.levels.length, name);
    }
  });

  it("accepts plain Zarr arrays (axis names from metadata or defaults) and file:// URLs", async () => {
    const v2 = (await openSource(pathToFileURL(path("plain_v2_be_forder")).href)).info;
    assert.equal(v2.ngff_version, null);
    assert.equal(v2.dtype, "uint16");
    assert.deepEqual(
      v2.axes.map((a) => a.name),
      ["y", "x"],
    );
    assert.deepEqual(v2.levels, [{ path: "", shape: [40, 50], chunks: [16, 16], factors: [1, 1], offset: [0, 0] }]);
    const v3 = (await openSource(path("plain_v3_names"))).info;
    assert.deepEqual(
      v3.axes.map((a) => a.name),
      ["c", "y", "x"],
    );
  });

  it("gives every open its own key", async () => {
    const a = await openSource(path("v04_yx_u8_blosc"));
    const b = await openSource(path("v04_yx_u8_blosc"));
    assert.notEqual(a.key, b.key);
  });

  it("reports missing paths, bad URIs and non-Zarr directories", async () => {
    await rejectsWith(openSource(join(fx.dir, "nope.zarr")), "not_found", "nope.zarr");
    await rejectsWith(openSource("relative/image.zarr"), "invalid_source", "absolute");
    await rejectsWith(openSource("s3://bucket/image.zarr"), "invalid_source", "scheme");
    await rejectsWith(openSource(scratch), "invalid_source", "not a Zarr");
    const file = join(scratch, "file.txt");
    writeFileSync(file, "x");
    await rejectsWith(openSource(file), "invalid_source", "not a Zarr directory");
  });

  it("says what is missing when the metadata is not OME-Zarr", async () => {
    await rejectsWith(openSource(join(fx.dir, "broken/not_ome_v2.zarr")), "invalid_source", "multiscales");
    await rejectsWith(openSource(join(fx.dir, "broken/not_ome_v3.zarr")), "invalid_source", '"ome"', "multiscales");
    await rejectsWith(
      openSource(join(fx.dir, "broken/bad_scale.ome.zarr")),
      "invalid_source",
      "datasets[1].coordinateTransformations[0].scale",
    );
    await rejectsWith(openSource(join(fx.dir, "broken/missing_level.ome.zarr")), "invalid_source", "level 1", "s1");
  });

  it("names unknown codecs and unsupported dtypes", async () => {
    await rejectsWith(
      openSource(join(fx.dir, "broken/unknown_codec_v2.ome.zarr")),
      "invalid_source",
      "frobnicate",
      "level 1",
    );
    await rejectsWith(openSource(join(fx.dir, "broken/unknown_codec_v3.ome.zarr")), "invalid_source", "frobnicate");
    await rejectsWith(openSource(join(fx.dir, "broken/int64_v2.zarr")), "invalid_data", "<i8");
    await rejectsWith(openSource(join(fx.dir, "broken/float16_v3.zarr")), "invalid_data", "float16");
  });
});
