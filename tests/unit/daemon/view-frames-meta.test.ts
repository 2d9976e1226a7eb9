/**
 * The meta a view gets describes the frame it goes with: the loading count is the one taken when
 * the frame was resolved. Chunks that all land while the frame renders must not turn it into 0 (the
 * widget's loading indicator would never show for such a load: a CI failure of the multiscale e2e).
 * A real ViewFrames, CPU renderer, chunk store and gated OME-Zarr server; the render is held until
 * every chunk it asked for has landed, the worst case of a fast store and a slow render.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { defaultConfig } from "../../../src/daemon/config.js";
import { ChunkStore } from "../../../src/daemon/data/chunk-store.js";
import { childLogger, setLogLevel } from "../../../src/daemon/log.js";
import { getMetrics } from "../../../src/daemon/metrics/index.js";
import { CpuRenderer } from "../../../src/daemon/render/cpu-renderer.js";
import type { RenderRequest } from "../../../src/daemon/render/types.js";
import type { LiveScene } from "../../../src/daemon/scene/live-scene.js";
import { SceneAssembler } from "../../../src/daemon/scene/resolve.js";
import type { DaemonContext } from "../../../src/daemon/server/context.js";
import type { ViewRequest } from "../../../src/daemon/server/pump-types.js";
import { ViewFrames } from "../../../src/daemon/server/view-frames.js";
import type { StreamMeta } from "../../../src/protocol/index.js";
import { fixtures, SKIP, type Fixtures } from "../data/fixtures.js";
import { sleep } from "./helpers.js";
import { canvas, openGated, view, type Gated } from "../scene/progressive-fixture.js";

describe("view meta and the frame it goes with", { skip: SKIP, timeout: 60_000 }, () => {
  let fx: Fixtures;
  let store: ChunkStore;
  let renderer: CpuRenderer;
  let g: Gated;
  before(async () => {
    setLogLevel("error");
    fx = fixtures();
    store = new ChunkStore({ cacheBytes: 16 * 1024 ** 2, workers: 1 });
    renderer = new CpuRenderer({ threads: 1 });
    g = await openGated(fx);
  });
  after(async () => {
    await g.close();
    await Promise.all([renderer.dispose(), store.dispose()]);
  });

  it("keeps the loading count of the frame when its chunks land during the render", async () => {
    g.gate.hold = () => true;
    let frames: ViewFrames | undefined;
    // The scene is private to ViewFrames; the test reads its live count to know the chunks landed.
    const pending = (): number => (frames as unknown as { scene: LiveScene }).scene.loading;
    let heldRenders = 0;
    const slowRender: DaemonContext["renderer"] = Object.assign(Object.create(renderer) as CpuRenderer, {
      render: async (req: RenderRequest, signal: AbortSignal) => {
        if (heldRenders++ === 0) {
          g.gate.release();
          for (let i = 0; pending() > 0; i++) {
            assert.ok(i < 500, "the chunks never landed");
            await sleep(10);
          }
        }
        return renderer.render(req, signal);
      },
    });
    const ctx = {
      config: { ...defaultConfig(), renderDelayMs: 0 },
      renderer: slowRender,
      metrics: getMetrics(),
      scene: { store, assembler: new SceneAssembler(store) },
      viewers: { layers: () => g.entries },
    } as unknown as DaemonContext;
    const metas: StreamMeta[] = [];
    let dirty = 0;
    frames = new ViewFrames(ctx, "v", {
      markDirty: () => dirty++,
      keyframeNext: () => {},
      sendMeta: (m) => metas.push(m),
      sendError: (err) => assert.fail(err),
      log: childLogger("test"),
    });
    try {
      const req: ViewRequest = {
        state: view([35, 45], 2), // the whole 70x90 image, 2 screen pixels per data pixel: level 0
        canvas: canvas(200),
        margins: [0, 0],
        linkScale: 1,
        stills: false,
      };
      const signal = new AbortController().signal;
      const first = await frames.render(req, signal);
      assert.equal(first.level, 0);
      assert.equal(pending(), 0, "every chunk landed during the render");
      assert.equal(metas.length, 1);
      assert.ok(metas[0]!.loading > 0, `the first frame's meta says loading ${metas[0]!.loading}`);
      assert.equal(metas[0]!.layers[0]!.loaded, false);
      // The landed chunks ask for a redraw; that frame is complete and its meta says so.
      for (let i = 0; dirty === 0; i++) {
        assert.ok(i < 500, "no redraw was asked for");
        await sleep(10);
      }
      await frames.render(req, signal);
      assert.equal(metas.length, 2);
      assert.equal(metas[1]!.loading, 0);
      assert.equal(metas[1]!.layers[0]!.loaded, true);
    } finally {
      frames.dispose();
    }
  });
});
