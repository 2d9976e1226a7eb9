import { renderLayers2D } from "../src/daemon/render/render2d.js";
import type { LayerData } from "../src/daemon/data/types.js";
import type { ViewerState, DType } from "../src/protocol/index.js";
function mk(dtype: DType, h: number, w: number): LayerData {
  const n = h * w;
  const C = { uint8: Uint8Array, uint16: Uint16Array, float32: Float32Array } as any;
  const sab = new SharedArrayBuffer(n * C[dtype].BYTES_PER_ELEMENT);
  const a = new C[dtype](sab);
  for (let i = 0; i < n; i++) a[i] = (i * 7919) % (dtype === "uint8" ? 256 : 4000);
  return { id: dtype, dtype, shape: [h, w], data: a };
}
for (const [W, H] of [[1280, 720], [1920, 1080]]) {
  for (const dtype of ["uint8", "uint16", "float32"] as DType[]) {
    for (const nl of [1, 2]) for (const interp of ["nearest", "linear"] as const) {
      const d = mk(dtype, 2048, 2048);
      const layer = (id: string, blending: any, opacity: number) => ({ id, name: id, visible: true, opacity, colormap: "viridis" as const, contrast_limits: [0, 3000] as [number, number], gamma: 1, interpolation: interp, blending, scale: [], translate: [] });
      const state: ViewerState = { camera: { center: [1000, 1000], zoom: 1.3, angles: [0, 0, 90] }, dims: { ndisplay: 2, current_step: [0, 0], axis_labels: [] },
        layers: nl === 1 ? [layer("a", "translucent", 1)] : [layer("a", "translucent", 1), layer("b", "additive", 0.7)] };
      const layers = new Map([["a", d], ["b", { ...d, id: "b" }]]);
      const out = new Uint8Array(W * H * 4);
      const req = { state, canvas: { width: W, height: H, pixel_ratio: 1 }, layers };
      for (let i = 0; i < 5; i++) renderLayers2D(req, out);
      const ts: number[] = [];
      for (let i = 0; i < 30; i++) { const t0 = performance.now(); renderLayers2D(req, out); ts.push(performance.now() - t0); }
      ts.sort((a, b) => a - b);
      console.log(`${W}x${H} ${dtype} layers=${nl} ${interp}: p50 ${ts[15]!.toFixed(2)} ms min ${ts[0]!.toFixed(2)}`);
    }
  }
}
