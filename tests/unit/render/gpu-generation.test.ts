/** GPU texture cache identity (no GPU needed): generations of layer data and the keys frame jobs carry. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generationOf, markChanged } from "../../../src/daemon/render/gpu/generation.js";
import { frameJob } from "../../../src/daemon/render/gpu/job.js";
import { frameJob3d } from "../../../src/daemon/render/gpu/job3d.js";
import type { LayerData } from "../../../src/daemon/data/types.js";
import { layer, layerData, request } from "./helpers.js";

describe("layer data generations", () => {
  it("are stable for one array and new for any other, even over the same memory", () => {
    const sab = new SharedArrayBuffer(64);
    const a = new Uint16Array(sab);
    const again = generationOf(a);
    assert.equal(generationOf(a), again);
    // A second view at the same address models a freed buffer whose memory came back for other pixels.
    const b = new Uint16Array(sab);
    assert.ok(generationOf(b) > again, "a newer array gets a larger id");
  });

  it("markChanged gives the array a new, larger id", () => {
    const a = new Float32Array(4);
    const before = generationOf(a);
    markChanged(a);
    const after = generationOf(a);
    assert.ok(after > before);
    assert.equal(generationOf(a), after);
  });
});

describe("frame jobs carry the data generation", () => {
  const view = { width: 32, height: 24, center: [8, 8] };
  const region = (fill: number): LayerData => layerData("r", "uint16", [16, 16], (i) => i + fill);

  it("2D: two regions of one shape share the texture key but not the generation", () => {
    const first = region(0);
    const second = region(1000);
    const job1 = frameJob(request([[layer("r"), first]], view), { rgba: true, nv12: false });
    const job2 = frameJob(request([[layer("r"), second]], view), { rgba: true, nv12: false });
    assert.equal(job1.layers[0]!.key, job2.layers[0]!.key);
    assert.notEqual(job1.layers[0]!.generation, job2.layers[0]!.generation);
    const repeat = frameJob(request([[layer("r"), first]], view), { rgba: true, nv12: false });
    assert.equal(repeat.layers[0]!.generation, job1.layers[0]!.generation, "the same data keeps its texture");
  });

  it("3D: the volume job carries its data's generation", () => {
    const vol = layerData("v", "uint8", [4, 5, 6], (i) => i % 256);
    const base = request([[layer("v"), vol]], { width: 16, height: 8, center: [0, 0] });
    const req = {
      ...base,
      state: { ...base.state, dims: { ...base.state.dims, ndisplay: 3 as const, current_step: [0, 0, 0] } },
    };
    const job = frameJob3d(req, { rgba: true, nv12: false });
    assert.equal(job.layers[0]!.generation, generationOf(vol.data));
  });
});
