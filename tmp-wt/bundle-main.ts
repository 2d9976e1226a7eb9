import { fileURLToPath } from "node:url";
import { workerData } from "node:worker_threads";
import { CpuRenderer } from "../src/daemon/render/cpu-renderer.js";
import { runCpuRenderWorker } from "../src/daemon/render/cpu-worker.js";
import { renderLayers2D } from "../src/daemon/render/render2d.js";
import { layer, layerData, request } from "../tests/unit/render/helpers.js";

if ((workerData as { role?: string } | null)?.role === "cpu-render") runCpuRenderWorker();
else {
  const req = request([[layer("a", { colormap: "viridis", contrast_limits: [0, 1000] }), layerData("a", "uint16", [300, 400], (i) => i % 1000)]], { width: 320, height: 240, center: [150, 200], zoom: 1.3 });
  const want = new Uint8Array(320 * 240 * 4);
  renderLayers2D(req, want);
  for (const entry of [fileURLToPath(import.meta.url), undefined]) {
    const t0 = performance.now();
    const r = new CpuRenderer(entry ? { threads: 2, workerEntry: entry } : { threads: 2 });
    const f = await r.render(req);
    console.log(entry ?? "(default)", Buffer.from(f.rgba).equals(want), (performance.now() - t0).toFixed(1), "ms first frame");
    await r.dispose();
    console.log("live after dispose", r.liveWorkers);
  }
}
