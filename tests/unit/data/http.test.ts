import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { ChunkStore, type Region } from "../../../src/daemon/data/chunk-store.js";
import { openSource } from "../../../src/daemon/data/source.js";
import { isNapariCudaError } from "../../../src/protocol/index.js";
import { fixtures, reference, sameValues, SKIP, sliceRef, type Fixtures } from "./fixtures.js";
import { serveDir, type StaticServer } from "./http-server.js";

describe("sources over HTTP", { skip: SKIP }, () => {
  let fx: Fixtures;
  let server: StaticServer;
  let store: ChunkStore;
  before(async () => {
    fx = fixtures();
    server = await serveDir(fx.dir);
    store = new ChunkStore({ cacheBytes: 16 * 1024 ** 2, workers: 2 });
  });
  after(async () => {
    await store.dispose();
    await server.close();
  });
  const url = (name: string): string => `${server.url}/${fx.manifest[name]!.path.slice(fx.dir.length + 1)}`;

  for (const name of ["v04_cyx_u16_lz4", "v05_tczyx_f32_zstd_sharded"]) {
    it(`reads ${name} like the local copy`, async () => {
      const f = fx.manifest[name]!;
      const src = await openSource(url(name));
      const local = await openSource(f.path);
      assert.deepEqual(src.info.levels, local.info.levels);
      assert.deepEqual(src.info.axes, local.info.axes);
      assert.equal(src.info.uri, url(name));
      for (let level = 0; level < f.levels.length; level++) {
        const { shape } = f.levels[level]!;
        const region: Region = { start: shape.map(() => 0), stop: [...shape] };
        await store.load(src, level, store.missing(src, level, region));
        const got = store.tryRegion(src, level, region)!;
        assert.equal(sameValues(got.data, sliceRef(reference(f, level), shape, region)), null, `level ${level}`);
      }
    });
  }

  it("answers not_found for a URL with no Zarr metadata (HTTP 404)", async () => {
    await assert.rejects(openSource(`${server.url}/no/such/image.zarr`), (err: unknown) => {
      assert.ok(isNapariCudaError(err, "not_found"), String(err));
      assert.match(err.message, /404/);
      return true;
    });
  });

  it("answers invalid_source naming the chunk when the server fails (HTTP 500)", async () => {
    const src = await openSource(url("v04_yx_u8_blosc"));
    server.fail.set(`/${fx.manifest.v04_yx_u8_blosc!.path.slice(fx.dir.length + 1)}/s0/1/2`, 500);
    await assert.rejects(store.load(src, 0, [{ coords: [1, 2] }]), (err: unknown) => {
      assert.ok(isNapariCudaError(err, "invalid_source"), String(err));
      assert.match(err.message, /chunk \(1, 2\)/);
      assert.match(err.message, /500/);
      return true;
    });
  });

  it("answers invalid_source when the server cannot be reached", async () => {
    const gone = await serveDir(fx.dir);
    const where = gone.url;
    await gone.close();
    await assert.rejects(openSource(`${where}/x.ome.zarr`), (err: unknown) => isNapariCudaError(err, "invalid_source"));
  });

  it("gives up on a server that accepts and never answers (NAPARI_CUDA_HTTP_TIMEOUT_MS)", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((sock) => void sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { port } = silent.address() as AddressInfo;
    process.env.NAPARI_CUDA_HTTP_TIMEOUT_MS = "300";
    try {
      const t0 = Date.now();
      await assert.rejects(openSource(`http://127.0.0.1:${port}/x.ome.zarr`), (err: unknown) => {
        assert.ok(isNapariCudaError(err, "invalid_source"), String(err));
        assert.match(err.message, /did not answer within 300 ms/);
        return true;
      });
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      delete process.env.NAPARI_CUDA_HTTP_TIMEOUT_MS;
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
