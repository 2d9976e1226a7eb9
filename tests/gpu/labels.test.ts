/**
 * Labels layers on the GPU equal the CPU reference byte for byte (2D: label-draw.ts, 3D: render3d.ts), and the
 * table cache follows the palette. The job building is checked everywhere; the frames skip without a GPU.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { GpuRenderer } from "../../src/daemon/render/gpu/gpu-renderer.js";
import { frameJob, packTaps } from "../../src/daemon/render/gpu/job.js";
import { frameJob3d } from "../../src/daemon/render/gpu/job3d.js";
import { LABELS_FOLDED, LABELS_RULE } from "../../src/daemon/render/gpu/label-job.js";
import { axisMaps, nearestIndex } from "../../src/daemon/render/layer-geometry.js";
import { renderLayers3D } from "../../src/daemon/render/render3d.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import { devicePixelToWorld, type LayerState } from "../../src/protocol/index.js";
import { layer, request } from "../unit/render/helpers.js";
import { cpuFrame, diffFrames, startGpu } from "./helpers.js";
import { labelPlane, labelScenes, labelScenes3d } from "./scenarios-labels.js";

const OUT = { rgba: true, nv12: false };

describe("labels jobs (no GPU needed)", () => {
  const data = labelPlane("a", "int32", [40, 50], 1n, (r) => Math.floor(r() * 9));
  const labels = (over: Partial<LayerState>) => layer("a", { kind: "labels", ...over });
  const req = (over: Partial<LayerState>) =>
    request([[labels(over), data]], { width: 64, height: 48, center: [20, 25] });

  it("contour taps cover [-w, size + w) with the CPU's nearest indices; the box stays inside the frame", () => {
    const r = req({ contour: 3, interpolation: "linear" });
    const [ay, ax] = axisMaps(r.state.layers[0]!, data, devicePixelToWorld(r.state.camera, r.canvas));
    const t = packTaps(ax, 64, false, 3);
    const ints = new Int32Array(t.bytes.buffer);
    assert.equal(ints.length, (64 + 6) * 4);
    for (let k = -3; k < 67; k++) assert.equal(ints[(k + 3) * 4], nearestIndex(ax, k));
    const job = frameJob(r, OUT).layers[0]!;
    assert.equal(job.contour, 3);
    assert.equal(job.linear, false, "labels are never interpolated");
    assert.equal(job.cols.length, (64 + 6) * 16);
    assert.equal(job.rows.length, (48 + 6) * 16);
    const [c0, r0] = [packTaps(ax, 64, false), packTaps(ay, 48, false)];
    assert.deepEqual([job.x0, job.x1, job.y0, job.y1], [c0.first, c0.last, r0.first, r0.last]);
    assert.deepEqual(
      Array.from(job.rows.subarray(0, 16)),
      Array.from(packTaps(ay, 48, false, 3).bytes.subarray(0, 16)),
    );
  });

  it("8/16-bit data get the folded table, wider dtypes the colour rows; keys follow the palette", () => {
    const small = labelPlane("s", "uint16", [8, 8], 2n, () => 3);
    const wide = frameJob(req({ num_colors: 20 }), OUT).layers[0]!;
    assert.equal(wide.labels, LABELS_RULE);
    assert.equal(wide.lut.length, 21);
    const folded = frameJob(
      request([[layer("s", { kind: "labels" }), small]], { width: 8, height: 8, center: [4, 4] }),
      OUT,
    ).layers[0]!;
    assert.equal(folded.labels, LABELS_FOLDED);
    assert.equal(folded.lut.length, 65536);
    const key = (over: Partial<LayerState>) => frameJob(req(over), OUT).layers[0]!.lutKey;
    assert.notEqual(key({ seed: 0.1 }), key({ seed: 0.2 }));
    assert.notEqual(key({ num_colors: 5 }), key({ num_colors: 6 }));
    assert.notEqual(
      key({ show_selected_label: true, selected_label: 2 }),
      key({ show_selected_label: true, selected_label: 3 }),
    );
    assert.equal(key({ selected_label: 2 }), key({ selected_label: 3 }), "a hidden selection changes no colour");
  });

  it("3D labels cast mode 8, nearest, blended as opaque colours even with rendering translucent", () => {
    const vol = labelPlane("v", "uint8", [6, 8, 10], 3n, () => 1);
    const r: RenderRequest = request(
      [[layer("v", { kind: "labels", rendering: "translucent", interpolation: "linear", opacity: 0.5 }), vol]],
      { width: 16, height: 16, center: [0, 0] },
    );
    const j = frameJob3d(
      {
        ...r,
        state: {
          ...r.state,
          camera: { center: [3, 4, 5], zoom: 1, angles: [10, 20, 30] },
          dims: { ...r.state.dims, ndisplay: 3, current_step: [0, 0, 0] },
        },
      },
      OUT,
    ).layers[0]!;
    assert.deepEqual([j.mode, j.linear, j.labels, j.blend, j.alpha, j.beta], [8, false, LABELS_FOLDED, 1, 0.5, 0.5]);
  });
});

const gpu = await startGpu("rgba");
const skip = typeof gpu === "string" ? gpu : false;
const renderer = gpu as GpuRenderer;
after(() => (typeof gpu === "string" ? undefined : gpu.dispose()));

async function assertSame(
  req: RenderRequest,
  name: string,
  reference: (r: RenderRequest) => Uint8Array,
): Promise<void> {
  const frame = await renderer.render(req);
  const d = diffFrames(frame.rgba, reference(req), req.canvas.width);
  renderer.release(frame);
  const { width, height } = req.canvas;
  console.log(`labels-gpu-vs-cpu ${JSON.stringify({ scenario: name, width, height, ...d, psnr: String(d.psnr) })}`);
  assert.equal(d.maxDiff, 0, `max diff ${d.maxDiff} (${d.differing} px; first ${d.first})`);
  assert.equal(d.differing, 0, `${d.differing} px differ (first ${d.first})`);
}

function cpu3d(req: RenderRequest): Uint8Array {
  const out = new Uint8Array(req.canvas.width * req.canvas.height * 4);
  renderLayers3D(req, out);
  return out;
}

describe("GPU labels equal the CPU reference", { skip }, () => {
  for (const [w, h] of [
    [640, 360],
    [333, 217],
  ] as const) {
    for (const s of labelScenes(w, h)) it(`${s.name} @ ${w}x${h}`, () => assertSame(s.req, s.name, cpuFrame));
  }

  it("contour 2 @ 1920x1080 (taps beyond every frame edge)", async () => {
    const s = labelScenes(1920, 1080).find((x) => x.name.startsWith("contour 1 int32"))!;
    const l = { ...s.req.state.layers[0]!, contour: 2 };
    await assertSame({ ...s.req, state: { ...s.req.state, layers: [l] } }, "contour 2 @ 1920x1080", cpuFrame);
  });

  for (const s of labelScenes3d()) it(s.name, () => assertSame(s.req, s.name, cpu3d));

  it("the table cache follows the palette: seed, num_colors and the shown selection change between frames", async () => {
    for (const dtype of ["uint16", "int32"] as const) {
      const data = labelPlane("p", dtype, [90, 120], 5n, (r) => 1 + Math.floor(r() * 30));
      const steps: Array<Partial<LayerState>> = [
        {},
        { seed: 0.9 },
        { seed: 0.9, num_colors: 10 },
        { seed: 0.9, num_colors: 10, show_selected_label: true, selected_label: 5 },
        { seed: 0.9, num_colors: 10, show_selected_label: true, selected_label: 7 },
        { seed: 0.9, num_colors: 10, show_selected_label: false, selected_label: 7 },
        {},
      ];
      for (const [i, over] of steps.entries()) {
        const req = request([[layer("p", { kind: "labels", ...over }), data]], {
          width: 200,
          height: 150,
          center: [45, 60],
        });
        await assertSame(req, `${dtype} palette step ${i}`, cpuFrame);
      }
    }
  });
});
