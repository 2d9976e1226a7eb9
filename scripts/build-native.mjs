// Builds the native GPU addon (native/build/napari_cuda_gpu.node) when its toolchain is present;
// otherwise prints one line saying why not and exits 0 (the CPU backend still works).
//
// Needs: nvcc (CUDA toolkit 12+), g++, the EGL and OpenGL headers (Debian/Ubuntu: libegl-dev libgl-dev),
// Node's own headers (node_api.h) and the header-only npm package node-addon-api.
// What it needs at run time is only what a GPU node with nothing but the NVIDIA driver has: libEGL.so.1
// (glvnd) is loaded with dlopen, libcuda.so.1 (the driver) by the static CUDA runtime, and the C++
// runtime is linked in statically too, so the addon's NEEDED list is glibc and libgcc_s alone (the wheel's
// manylinux tag, kernel-bridge/hatch_build.py, is read from it). It therefore loads on machines without
// a GPU and says why it cannot render there.
// Env: NVCC (compiler path), CUDA_HOME, NAPARI_CUDA_NODE_HEADERS (dir with node_api.h),
//      NAPARI_CUDA_CUDA_ARCHS (default "75,80,86,89,90": SASS for each, plus PTX of the highest, which the
//      driver compiles once for newer GPUs).
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const SRC = "native/src";
const OUT = "native/build";
const TARGET = join(OUT, "napari_cuda_gpu.node");
// The wheel ships the addon beside the daemon bundle (napari_cuda/_daemon/native/build/), where the
// daemon's addon lookup finds it first (src/daemon/render/gpu/native.ts).
const WHEEL_COPY = "kernel-bridge/napari_cuda/_daemon/native/build/napari_cuda_gpu.node";

/** Put the built addon where the wheel picks it up. */
function shipInWheel() {
  mkdirSync(dirname(WHEEL_COPY), { recursive: true });
  copyFileSync(TARGET, WHEEL_COPY);
}

function which(cmd) {
  try {
    return execFileSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

function skip(why) {
  console.log(`native addon: skipped: ${why}; CPU backend only`);
  process.exit(0);
}

/** The CUDA toolkit root: $CUDA_HOME, the directory above the real nvcc, or /usr/local/cuda. */
function cudaRoot(nvcc) {
  const candidates = [process.env.CUDA_HOME, dirname(dirname(realpathSync(nvcc))), "/usr/local/cuda"];
  // A wrapper script (e.g. /usr/local/bin/nvcc -> exec /usr/local/cuda-13.0/bin/nvcc) hides the root.
  try {
    const m = /exec\s+(\S+\/bin\/nvcc)/.exec(
      execFileSync("sh", ["-c", `head -c 400 "${nvcc}"`], { encoding: "latin1" }),
    );
    if (m) candidates.splice(1, 0, dirname(dirname(m[1])));
  } catch {
    // not readable: fall through to the other candidates
  }
  return candidates.find((c) => c && existsSync(join(c, "include", "cuda_runtime.h"))) ?? null;
}

function nodeHeaders() {
  const candidates = [
    process.env.NAPARI_CUDA_NODE_HEADERS,
    join(dirname(dirname(realpathSync(process.execPath))), "include", "node"),
    "/usr/include/node",
    "/usr/local/include/node",
  ];
  return candidates.find((c) => c && existsSync(join(c, "node_api.h"))) ?? null;
}

/** node-addon-api's headers: from the project's node_modules, else native/node_modules (a local install). */
function addonApiDir() {
  for (const base of [process.cwd(), join(process.cwd(), "native")]) {
    try {
      return dirname(createRequire(join(base, "noop.js")).resolve("node-addon-api/package.json"));
    } catch {
      // not installed there
    }
  }
  return null;
}

const sources = existsSync(SRC) ? readdirSync(SRC).filter((f) => /\.(cc|cu)$/.test(f)) : [];
if (sources.length === 0) skip("no sources in native/src");
const nvcc = process.env.NVCC ?? which("nvcc");
if (!nvcc) skip("nvcc (CUDA toolkit) not found");
const gxx = which("g++");
if (!gxx) skip("g++ not found");
const cuda = cudaRoot(nvcc);
if (!cuda) skip(`no CUDA toolkit root with include/cuda_runtime.h next to ${nvcc} (set CUDA_HOME)`);
const missingHeaders = ["/usr/include/EGL/egl.h", "/usr/include/EGL/eglext.h", "/usr/include/GL/glcorearb.h"].filter(
  (h) => !existsSync(h),
);
if (missingHeaders.length > 0) skip(`missing ${missingHeaders.join(", ")} (apt-get install libegl-dev libgl-dev)`);
const nodeInc = nodeHeaders();
if (!nodeInc) skip("Node headers (node_api.h) not found (set NAPARI_CUDA_NODE_HEADERS)");
const napi = addonApiDir();
if (!napi) skip("npm package node-addon-api not installed");

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const newestInput = Math.max(
  ...readdirSync(SRC).map((f) => mtime(join(SRC, f))),
  mtime(new URL(import.meta.url).pathname),
);
if (mtime(TARGET) > newestInput && !process.argv.includes("--force")) {
  shipInWheel();
  console.log(`native addon: up to date (${TARGET})`);
  process.exit(0);
}

mkdirSync(OUT, { recursive: true });
// Turing (T4) to Hopper (H100/H200) as native code; Blackwell and later JIT the PTX once (cached by the driver).
const archs = (process.env.NAPARI_CUDA_CUDA_ARCHS ?? "75,80,86,89,90").split(",").map((a) => a.trim());
const ptx = archs.reduce((a, b) => (Number(b) > Number(a) ? b : a));
const gencode = [
  ...archs.flatMap((a) => ["-gencode", `arch=compute_${a},code=sm_${a}`]),
  "-gencode",
  `arch=compute_${ptx},code=compute_${ptx}`,
];
const common = [
  "-std=c++17",
  "-O2",
  "-DNAPI_VERSION=8",
  "-DNAPI_CPP_EXCEPTIONS",
  "-DNODE_ADDON_API_DISABLE_DEPRECATED",
];
const includes = [`-I${nodeInc}`, `-I${napi}`, `-I${join(cuda, "include")}`];

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

const t0 = Date.now();
const objects = [];
const jobs = sources.map((f) => {
  const obj = join(OUT, f.replace(/\.(cc|cu)$/, ".o"));
  objects.push(obj);
  if (f.endsWith(".cu")) {
    return () =>
      run(nvcc, [
        ...common,
        ...gencode,
        "-Xcompiler",
        "-fPIC,-fvisibility=hidden",
        ...includes,
        "-c",
        join(SRC, f),
        "-o",
        obj,
      ]);
  }
  return () =>
    run(gxx, [...common, "-fPIC", "-fvisibility=hidden", "-Wall", ...includes, "-c", join(SRC, f), "-o", obj]);
});
// Two at a time: CI and dev machines have few cores, and nvcc is memory hungry.
const queue = [...jobs];
const workers = Array.from({ length: 2 }, async () => {
  for (let job = queue.shift(); job; job = queue.shift()) await job();
});
try {
  await Promise.all(workers);
  const libDir = [join(cuda, "lib64"), join(cuda, "lib"), join(cuda, "targets", "x86_64-linux", "lib")].find((d) =>
    existsSync(join(d, "libcudart_static.a")),
  );
  if (!libDir) throw new Error(`libcudart_static.a not found under ${cuda}`);
  // Static CUDA runtime and libstdc++: nothing from the CUDA toolkit or a newer libstdc++ has to exist where
  // the wheel is installed. libgcc_s stays shared (every glibc system has it; the static unwinder of
  // GCC >= 12 needs glibc 2.35). Only N-API's entry points are exported, so the process's own libstdc++
  // never interposes on the copy inside.
  const exportsMap = join(OUT, "exports.map");
  writeFileSync(exportsMap, "{ global: napi_register_module_v1; node_api_module_get_api_version_v1; local: *; };\n");
  await run(gxx, [
    "-shared",
    "-o",
    TARGET,
    ...objects,
    `-L${libDir}`,
    "-lcudart_static",
    "-static-libstdc++",
    "-Wl,--exclude-libs,ALL",
    `-Wl,--version-script=${exportsMap}`,
    "-Wl,--as-needed",
    "-ldl",
    "-lpthread",
    "-lrt",
  ]);
} catch (err) {
  console.error(`native addon: build FAILED: ${err.message}`);
  process.exit(1);
}
shipInWheel();
console.log(
  `native addon: built ${TARGET} in ${((Date.now() - t0) / 1000).toFixed(1)} s (nvcc ${nvcc}, sm_${archs.join(",sm_")} + compute_${ptx} PTX)`,
);
