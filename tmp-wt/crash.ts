import { CpuRenderer } from "../src/daemon/render/cpu-renderer.js";
import { layer, layerData, request } from "../tests/unit/render/helpers.js";
const r = new CpuRenderer({ threads: 1, workerEntry: new URL("../tests/unit/render/fixtures/crash-worker-entry.ts", import.meta.url) });
const crash = request([[layer("crash"), layerData("crash", "uint8", [4, 4], () => 1)]], { width: 16, height: 16, center: [0, 0] });
try { const f = await r.render(crash); console.log("resolved", f.width); } catch (e) { console.log("rejected", e); }
await r.dispose();
