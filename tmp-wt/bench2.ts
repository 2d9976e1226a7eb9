import { renderLayers2D } from "../src/daemon/render/render2d.js";
import { CpuRenderer } from "../src/daemon/render/cpu-renderer.js";
import { layer, layerData, request } from "../tests/unit/render/helpers.js";
import type { DType } from "../src/protocol/index.js";
const [W, H, dtype, nl, interp, threads] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4] as DType, Number(process.argv[5]), process.argv[6] as "nearest" | "linear", process.argv[7]];
const max = dtype === "uint8" ? 256 : 4000;
const d = layerData("a", dtype, [2048, 2048], (i) => (i * 7919) % max);
const ls: any[] = [[layer("a", { colormap: "viridis", contrast_limits: [0, max - 1], interpolation: interp }), d]];
if (nl === 2) ls.push([layer("b", { colormap: "magenta", contrast_limits: [0, max - 1], interpolation: interp, blending: "additive", opacity: 0.7 }), { ...d, id: "b" }]);
const req = request(ls, { width: W, height: H, center: [1024, 1024], zoom: 1.3 });
const ts: number[] = [];
if (threads === undefined) {
  const out = new Uint8Array(W * H * 4);
  for (let i = 0; i < 10; i++) renderLayers2D(req, out);
  for (let i = 0; i < 40; i++) { const t0 = performance.now(); renderLayers2D(req, out); ts.push(performance.now() - t0); }
} else {
  const r = new CpuRenderer({ threads: Number(threads) });
  for (let i = 0; i < 10; i++) r.release(await r.render(req));
  for (let i = 0; i < 40; i++) { const f = await r.render(req); ts.push(f.renderMs); r.release(f); }
  await r.dispose();
}
ts.sort((a, b) => a - b);
console.log(`${W}x${H} ${dtype} layers=${nl} ${interp} ${threads === undefined ? "inline" : `pool threads=${threads}`}: p50 ${ts[20]!.toFixed(2)} ms  min ${ts[0]!.toFixed(2)}`);
