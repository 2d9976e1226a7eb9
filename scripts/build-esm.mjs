// Bundle the widget as one self-contained ES module (src/widget/esm.ts) into the Python package, at
// napari_cuda/_esm/widget.js. The kernel sends it as the model's `_esm` trait for anywidget's
// loader, in frontends that fetch third-party widget code only from a CDN (VS Code, Colab); see
// kernel-bridge/napari_cuda/_frontend.py. Minified: it travels in every such viewer's comm_open.
import { build } from "esbuild";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "kernel-bridge", "napari_cuda", "_esm");
await mkdir(outdir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/widget/esm.ts"],
  bundle: true,
  write: false,
  platform: "browser",
  format: "esm",
  target: "es2020",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  // @jupyterlab/coreutils reads process.env in a few places; a page has no process.
  define: { "process.env.NODE_ENV": '"production"' },
  banner: { js: "// napari-cuda widget as an ES module (bundled; do not edit).\nvar process = { env: {} };" },
});
const body = result.outputFiles[0].text;
await writeFile(join(outdir, "widget.js"), body);
console.error(`build-esm: ${outdir}/widget.js (${(body.length / 1024).toFixed(0)} KiB)`);
