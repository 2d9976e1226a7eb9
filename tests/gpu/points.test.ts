/**
 * Points layers on the GPU equal the CPU reference (points-draw.ts) byte for byte, 2D and 3D. Without a GPU:
 * the jobs are checked by replaying their records and tile lists with the CPU's own marker code (same frame),
 * the premise of the shader's exp (V8's Math.exp is fdlibm's, which the shader repeats), and, with the addon
 * built, its argument checks. The frames, and the 10,000-point timing at 1280x720, skip without a GPU.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { GpuRenderer } from "../../src/daemon/render/gpu/gpu-renderer.js";
import { frameJob } from "../../src/daemon/render/gpu/job.js";
import { frameJob3d } from "../../src/daemon/render/gpu/job3d.js";
import { loadAddon, type NativeFrameJob, type NativePointsJob } from "../../src/daemon/render/gpu/native.js";
import { POINT_PASS_LIMIT } from "../../src/daemon/render/gpu/points-job.js";
import { renderLayers3D } from "../../src/daemon/render/render3d.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import { request } from "../unit/render/helpers.js";
import { cpuFrame, diffFrames, startGpu } from "./helpers.js";
import { fdlibmExp, replayPoints } from "./points-replay.js";
import { P, pointScenes, pointScenes3d, randomPoints } from "./scenarios-points.js";

const OUT = { rgba: true, nv12: false };
const cpu3d = (req: RenderRequest): Uint8Array => {
  const out = new Uint8Array(req.canvas.width * req.canvas.height * 4);
  renderLayers3D(req, out);
  return out;
};
const jobOf = (req: RenderRequest): NativeFrameJob =>
  req.state.dims.ndisplay === 3 ? frameJob3d(req, OUT) : frameJob(req, OUT);
const pointsOnly = (req: RenderRequest) => req.state.layers.every((l) => l.kind === "points");

/** Run `fn` with the pass limit lowered to `entries` (split layers into several passes). */
function withLimit<T>(entries: number, fn: () => T): T {
  const saved = POINT_PASS_LIMIT.entries;
  POINT_PASS_LIMIT.entries = entries;
  try {
    return fn();
  } finally {
    POINT_PASS_LIMIT.entries = saved;
  }
}

describe("points jobs (no GPU needed)", () => {
  it("a points layer is never drawn as an image: it becomes passes placed between the other layers", () => {
    const s = pointScenes(320, 200).find((x) => x.name.startsWith("points over an image"))!;
    const job = frameJob(s.req, OUT);
    assert.equal(job.layers.length, 2, "image and labels only");
    assert.deepEqual(
      job.points!.map((p) => p.before),
      [2, 2],
    );
    const under = frameJob(pointScenes(320, 200).find((x) => x.name.startsWith("image over points"))!.req, OUT);
    assert.deepEqual([under.layers.length, under.points![0]!.before], [1, 0]);
  });

  it("replaying the records and tile lists with the CPU's marker code gives the CPU frame (2D, 3D, split passes)", () => {
    const scenes = [...pointScenes(320, 200), ...pointScenes3d()].filter((s) => pointsOnly(s.req));
    for (const s of scenes) {
      const ref = s.req.state.dims.ndisplay === 3 ? cpu3d(s.req) : cpuFrame(s.req);
      const d = diffFrames(replayPoints(jobOf(s.req)), ref, s.req.canvas.width);
      assert.equal(d.differing, 0, `${s.name}: ${d.differing} px differ (first ${d.first})`);
    }
    const req = request([[P("m"), randomPoints("m", 400, 2, [200, 320], 9n)]], {
      width: 320,
      height: 200,
      center: [100, 160],
    });
    const split = withLimit(300, () => jobOf(req));
    assert.ok(split.points!.length > 3, `split into ${split.points!.length} passes`);
    assert.equal(diffFrames(replayPoints(split), cpuFrame(req), 320).differing, 0);
  });

  it("tile lists ascend (table order) and name only points whose box meets the tile", () => {
    const req = request([[P("m"), randomPoints("m", 500, 2, [200, 320], 4n)]], {
      width: 320,
      height: 200,
      center: [100, 160],
    });
    const pass = jobOf(req).points![0]!;
    const n = pass.tilesX * pass.tilesY;
    const ints = new Int32Array(pass.records.buffer, pass.records.byteOffset, pass.records.byteLength / 4);
    for (let t = 0; t < n; t++) {
      const list = pass.tiles.subarray(n + 1 + pass.tiles[t]!, n + 1 + pass.tiles[t + 1]!);
      for (let j = 1; j < list.length; j++) assert.ok(list[j]! > list[j - 1]!, "ascending");
      for (const k of list) {
        const [c0, c1, r0, r1] = ints.subarray(k * 34 + 29, k * 34 + 33);
        const [tx, ty] = [(t % pass.tilesX) * 16, Math.floor(t / pass.tilesX) * 16];
        assert.ok(c0! < tx + 16 && c1! > tx && r0! < ty + 16 && r1! > ty, `point ${k} in tile ${t}`);
      }
    }
  });

  it("V8's Math.exp is fdlibm's exp (the shader's port): equal doubles for the arguments markerColor uses", () => {
    let x = 0;
    for (let i = 0; i < 200_000; i++) {
      x = -((((i * 0.61803398875) % 1) * 30) ** 2) * (i % 2 ? 1 : 1e-3) - i * 1e-9;
      assert.equal(fdlibmExp(x), Math.exp(x), `exp(${x})`);
    }
    for (const v of [-0, -1, -0.5, -1e-10, -745.2, -700, -2.1, -4])
      assert.equal(fdlibmExp(v), Math.exp(v), `exp(${v})`);
  });
});

const loaded = loadAddon();
const ctxSkip = loaded.addon ? false : `native addon not built: ${loaded.reason}`;

describe("native points argument checks (addon only)", { skip: ctxSkip }, () => {
  const ctx = loaded.addon ? new loaded.addon.GpuContext({ device: 0, textureBudgetBytes: 1 << 20 }) : null;
  after(() => ctx?.close());
  const req = request([[P("m"), randomPoints("m", 50, 2, [12, 16], 4n)]], { width: 16, height: 12, center: [6, 8] });
  const bad = (over: Partial<Record<keyof NativePointsJob, unknown>>): NativeFrameJob => {
    const base = frameJob(req, OUT);
    return { ...base, points: [{ ...base.points![0]!, ...over } as NativePointsJob] };
  };
  const rejects = (j: NativeFrameJob, re: RegExp) =>
    assert.rejects(ctx!.render(j), (err: Error) => err instanceof RangeError && re.test(err.message));

  it("tile entries past the records, unsorted starts, wrong tiling, constants and `before` are RangeErrors", async () => {
    const base = frameJob(req, OUT).points![0]!;
    const n = base.tilesX * base.tilesY;
    const past = base.tiles.slice();
    past[n + 1] = 50;
    await rejects(bad({ tiles: past }), /^tiles: /);
    const unsorted = base.tiles.slice();
    unsorted[0] = 1;
    await rejects(bad({ tiles: unsorted }), /^tiles: /);
    await rejects(bad({ tiles: base.tiles.subarray(0, n) }), /^tiles must /);
    await rejects(bad({ tilesX: 2 }), /^tilesX\/tilesY /);
    await rejects(bad({ records: base.records.subarray(0, 100) }), /^records /);
    await rejects(bad({ constants: new Float64Array(3) }), /^constants /);
    await rejects(bad({ before: 1 }), /^before /);
    await rejects(bad({ blend: 3 }), /^blend /);
    await rejects(bad({ aa: NaN }), /^aa /);
    await rejects(bad({ x1: 17 }), /^x1 /);
  });
});

const gpu = await startGpu("rgba");
const skip = typeof gpu === "string" ? gpu : false;
const renderer = gpu as GpuRenderer;
after(() => (typeof gpu === "string" ? undefined : gpu.dispose()));

async function assertSame(req: RenderRequest, name: string): Promise<void> {
  const frame = await renderer.render(req);
  const ref = req.state.dims.ndisplay === 3 ? cpu3d(req) : cpuFrame(req);
  const d = diffFrames(frame.rgba, ref, req.canvas.width);
  renderer.release(frame);
  const { width, height } = req.canvas;
  console.log(`points-gpu-vs-cpu ${JSON.stringify({ scenario: name, width, height, ...d, psnr: String(d.psnr) })}`);
  assert.equal(d.maxDiff, 0, `max diff ${d.maxDiff} (${d.differing} px; first ${d.first})`);
  assert.equal(d.differing, 0, `${d.differing} px differ (first ${d.first})`);
}

describe("GPU points equal the CPU reference", { skip }, () => {
  for (const [w, h] of [
    [640, 360],
    [333, 217],
  ] as const) {
    for (const s of pointScenes(w, h)) it(`${s.name} @ ${w}x${h}`, () => assertSame(s.req, s.name));
  }
  for (const s of pointScenes3d()) it(s.name, () => assertSame(s.req, s.name));

  it("a layer split into several passes (pass limit lowered) draws the same frame", async () => {
    const many = request([[P("m"), randomPoints("m", 2000, 2, [360, 640], 12n)]], {
      width: 640,
      height: 360,
      center: [180, 320],
    });
    await withLimit(500, () => assertSame(many, "2000 points in passes of <= 500 tile entries"));
  });

  it("10,000 points at 1280x720 equal the CPU frame; GPU vs CPU ms per frame", async () => {
    const req = request([[P("t"), randomPoints("t", 10_000, 2, [720, 1280], 99n, { smin: 4, smax: 16 })]], {
      width: 1280,
      height: 720,
      center: [360, 640],
    });
    await assertSame(req, "10,000 points @ 1280x720");
    const time = async (f: () => Promise<void> | void, n: number): Promise<number> => {
      await f();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await f();
      return (performance.now() - t0) / n;
    };
    let drawMs = 0;
    const gpuMs = await time(async () => {
      const frame = await renderer.render(req);
      drawMs = frame.gpu?.drawMs ?? 0;
      renderer.release(frame);
    }, 20);
    const jobMs = await time(() => void frameJob(req, OUT), 20);
    const cpuMs = await time(() => void cpuFrame(req), 5);
    console.log(
      `points-timing ${JSON.stringify({ points: 10_000, width: 1280, height: 720, gpuMs, gpuDrawMs: drawMs, jobMs, cpuMs })}`,
    );
    assert.ok(gpuMs < cpuMs, `GPU ${gpuMs.toFixed(2)} ms vs CPU ${cpuMs.toFixed(2)} ms per frame`);
  });
});
