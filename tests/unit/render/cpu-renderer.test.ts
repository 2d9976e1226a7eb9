import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { after, describe, it } from "node:test";
import { CpuRenderer, defaultRenderThreads, splitRows } from "../../../src/daemon/render/cpu-renderer.js";
import { renderLayers2D } from "../../../src/daemon/render/render2d.js";
import { renderLayers } from "../../../src/daemon/render/render3d.js";
import type { RenderRequest } from "../../../src/daemon/render/types.js";
import { COLORMAP_NAMES, isNapariCudaError, type DType, type LayerState } from "../../../src/protocol/index.js";
import type { LayerData } from "../../../src/daemon/data/types.js";
import { layer, layerData, request, rng } from "./helpers.js";

/** A random scene from a 64-bit seed: several layers of several dtypes, blendings and interpolations. */
function randomScene(seed: bigint, width: number, height: number): RenderRequest {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const dtypes: DType[] = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"];
  const layers: Array<[LayerState, LayerData]> = [];
  for (let k = 0; k < 4; k++) {
    const dtype = pick(dtypes);
    const shape = [1 + Math.floor(next() * 3), 20 + Math.floor(next() * 60), 20 + Math.floor(next() * 80)];
    const data = layerData(`l${k}`, dtype, shape, () =>
      dtype.startsWith("float") && next() < 0.02 ? NaN : next() * 120,
    );
    const lo = next() * 40;
    layers.push([
      layer(`l${k}`, {
        colormap: pick(COLORMAP_NAMES),
        contrast_limits: [lo, lo + 10 + next() * 90],
        gamma: pick([1, 0.5, 2, 0.8]),
        opacity: pick([1, 0.5, 0.73]),
        blending: pick(["translucent", "additive", "opaque", "translucent_no_depth"] as const),
        interpolation: pick(["nearest", "linear"] as const),
        scale: [1, 0.5 + next(), 0.5 + next()],
        translate: [0, next() * 10 - 5, next() * 10 - 5],
      }),
      data,
    ]);
  }
  return request(layers, { width, height, center: [30, 40], zoom: 0.5 + next() * 3, step: [1, 0, 0] });
}

function inline(req: RenderRequest): Uint8Array {
  const out = new Uint8Array(req.canvas.width * req.canvas.height * 4);
  renderLayers2D(req, out);
  return out;
}

const CRASH_ENTRY = new URL("./fixtures/crash-worker-entry.ts", import.meta.url);

describe("CpuRenderer", () => {
  const renderers: CpuRenderer[] = [];
  const make = (opts: ConstructorParameters<typeof CpuRenderer>[0]): CpuRenderer => {
    const r = new CpuRenderer(opts);
    renderers.push(r);
    return r;
  };
  after(async () => {
    await Promise.all(renderers.map((r) => r.dispose()));
  });

  it("splits rows into near-equal bands", () => {
    assert.deepEqual(splitRows(10, 3), [
      { y0: 0, y1: 3 },
      { y0: 3, y1: 6 },
      { y0: 6, y1: 10 },
    ]);
    assert.deepEqual(splitRows(2, 4), [
      { y0: 0, y1: 1 },
      { y0: 1, y1: 2 },
    ]);
  });

  it("reads the thread count from NAPARI_CUDA_RENDER_THREADS", () => {
    assert.equal(defaultRenderThreads({ NAPARI_CUDA_RENDER_THREADS: "3" }), 3);
    assert.equal(defaultRenderThreads({ NAPARI_CUDA_RENDER_THREADS: "0" }), 0);
    assert.ok(defaultRenderThreads({}) >= 1 && defaultRenderThreads({}) <= 4);
    assert.throws(
      () => defaultRenderThreads({ NAPARI_CUDA_RENDER_THREADS: "two" }),
      (e) => isNapariCudaError(e) && e.path === "NAPARI_CUDA_RENDER_THREADS",
    );
  });

  it("workers render byte-for-byte what the inline renderer renders", async () => {
    const pooled = make({ threads: 3 });
    const direct = make({ threads: 0 });
    for (const seed of [0x0123_4567_89ab_cdefn, 0xdead_beef_cafe_f00dn, 0xffff_ffff_ffff_fff1n]) {
      const req = randomScene(seed, 123, 77);
      const want = inline(req);
      const a = await pooled.render(req);
      const b = await direct.render(req);
      assert.equal(a.width, 123);
      assert.equal(a.height, 77);
      assert.ok(a.renderMs >= 0);
      assert.ok(Buffer.from(a.rgba).equals(want), `workers differ for seed ${seed}`);
      assert.ok(Buffer.from(b.rgba).equals(want), `inline differs for seed ${seed}`);
      pooled.release(a);
      direct.release(b);
    }
  });

  it("serves concurrent renders", async () => {
    const r = make({ threads: 2 });
    const reqs = [1n, 2n, 3n, 4n, 5n].map((s) => randomScene(s << 40n, 64, 48));
    const frames = await Promise.all(reqs.map((q) => r.render(q)));
    frames.forEach((f, i) => assert.ok(Buffer.from(f.rgba).equals(inline(reqs[i]!)), `render ${i}`));
  });

  it("reuses released buffers", async () => {
    const r = make({ threads: 1 });
    const req = randomScene(7n, 40, 30);
    const a = await r.render(req);
    r.release(a);
    const b = await r.render(req);
    assert.equal(b.rgba, a.rgba);
    const c = await r.render(req);
    assert.notEqual(c.rgba, b.rgba);
  });

  it("renders 3D through the ray caster, same bytes as inline", async () => {
    const r = make({ threads: 1 });
    const req = randomScene(9n, 32, 32);
    req.state.dims.ndisplay = 3;
    req.state.camera = { center: [0, 30, 40], zoom: 1, angles: [0, 0, 90] };
    const frame = await r.render(req);
    const want = new Uint8Array(32 * 32 * 4);
    renderLayers(req, want);
    assert.deepEqual(frame.rgba, want);
  });

  it("honours AbortSignal with a DOMException AbortError", async () => {
    const r = make({ threads: 1 });
    const req = randomScene(11n, 1200, 900);
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(r.render(req, pre.signal), (e) => e instanceof DOMException && e.name === "AbortError");
    // Abort while the first render runs: both it and the queued second one reject.
    const ctl = new AbortController();
    const first = r.render(req, ctl.signal);
    const second = r.render(req, ctl.signal);
    const reason = new Error("newer state");
    ctl.abort(reason);
    for (const p of [first, second]) {
      await assert.rejects(p, (e) => e instanceof DOMException && e.name === "AbortError" && e.cause === reason);
    }
    // The renderer is still usable afterwards.
    const small = randomScene(12n, 50, 40);
    assert.ok(Buffer.from((await r.render(small)).rgba).equals(inline(small)));
  });

  it("rejects a render whose worker dies with render_failed, and replaces the worker", async () => {
    const r = make({ threads: 1, workerEntry: CRASH_ENTRY });
    const req = randomScene(13n, 60, 40);
    assert.ok(Buffer.from((await r.render(req)).rgba).equals(inline(req)));
    const crash = request([[layer("crash"), layerData("crash", "uint8", [4, 4], () => 1)]], {
      width: 16,
      height: 16,
      center: [0, 0],
    });
    await assert.rejects(r.render(crash), (e) => isNapariCudaError(e, "render_failed"));
    assert.ok(Buffer.from((await r.render(req)).rgba).equals(inline(req)));
    assert.equal(r.liveWorkers, 1);
  });

  it("fails renders cleanly when the worker entry cannot start", async () => {
    const r = make({ threads: 1, workerEntry: new URL("./fixtures/does-not-exist.ts", import.meta.url) });
    await assert.rejects(r.render(randomScene(14n, 20, 20)), (e) => isNapariCudaError(e, "render_failed"));
  });

  it("fails renders when no worker can be created at all", async () => {
    const r = make({ threads: 2, workerEntry: new URL("http://example.invalid/worker.js") });
    await assert.rejects(r.render(randomScene(17n, 20, 20)), (e) => isNapariCudaError(e, "render_failed"));
    assert.equal(r.liveWorkers, 0);
  });

  it("leaves no abort listeners on a long-lived signal", async () => {
    const r = make({ threads: 2 });
    const ctl = new AbortController();
    for (let i = 0; i < 3; i++) r.release(await r.render(randomScene(BigInt(i), 40, 30), ctl.signal));
    assert.equal(getEventListeners(ctl.signal, "abort").length, 0);
  });

  it("dispose terminates every worker and later renders reject", async () => {
    const r = new CpuRenderer({ threads: 2 });
    await r.render(randomScene(15n, 40, 40));
    assert.equal(r.liveWorkers, 2);
    await r.dispose();
    assert.equal(r.liveWorkers, 0);
    await r.dispose();
    await assert.rejects(r.render(randomScene(15n, 40, 40)), (e) => isNapariCudaError(e, "shutting_down"));
  });

  it("threads = 0 renders inline with no workers", async () => {
    const r = make({ threads: 0 });
    const req = randomScene(16n, 30, 20);
    assert.ok(Buffer.from((await r.render(req)).rgba).equals(inline(req)));
    assert.equal(r.liveWorkers, 0);
  });
});
