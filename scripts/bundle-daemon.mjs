// Bundle the render daemon (src/daemon/main.ts) into one ESM file that the Python wheel ships:
// kernel-bridge/napari_cuda/_daemon/daemon.js. The same file is the entry of its worker threads.
import { build } from "esbuild";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "kernel-bridge/napari_cuda/_daemon/daemon.js");
await mkdir(dirname(outfile), { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/daemon/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: false,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  // CommonJS dependencies (pino, ws) call require() for Node built-ins; ESM has no require, so define one.
  banner: {
    js: [
      "// napari-cuda render daemon (bundled; do not edit).",
      'import { createRequire as __ncCreateRequire } from "node:module";',
      "const require = __ncCreateRequire(import.meta.url);",
    ].join("\n"),
  },
});

// The bundle is ESM in a .js file: say so next to it, so every Node 20 loads it as a module
// whatever package.json (or none) sits above the installed package.
await writeFile(join(dirname(outfile), "package.json"), JSON.stringify({ type: "module", private: true }) + "\n");

const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.error(`bundle-daemon: ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
