// Builds the native GPU addon when its toolchain is present; otherwise prints one line saying why not.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

function which(cmd) {
  try {
    return execFileSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

const missing = [];
const nvcc = process.env.NVCC ?? which("nvcc");
if (!nvcc) missing.push("nvcc (CUDA toolkit)");
for (const header of ["/usr/include/EGL/egl.h", "/usr/include/GL/gl.h"]) {
  if (!existsSync(header)) missing.push(header);
}
const sources = existsSync("native/src") ? readdirSync("native/src").filter((f) => /\.(cc|cpp|cu)$/.test(f)) : [];
if (sources.length === 0) {
  console.log("native addon: skipped: no sources in native/src yet (GPU backend: issue #4); CPU backend only");
} else if (missing.length > 0) {
  console.log(`native addon: skipped: missing ${missing.join(", ")}; CPU backend only`);
} else {
  console.log(`native addon: toolchain found (${nvcc}); build not wired yet`);
}
