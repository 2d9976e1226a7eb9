// Bundle the widget as a classic notebook extension (an AMD module) into nbextension/, which the
// wheel installs as share/jupyter/nbextensions/napari-cuda/. Frontends without JupyterLab's
// module federation load widget code this way: the classic Notebook (nbclassic) through
// extension.js's requirejs map, and VS Code's Jupyter extension from the kernel environment's
// nbextensions folder. @jupyter-widgets/base is the one module the page provides; everything else
// the widget needs is in the bundle.
import { build } from "esbuild";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "nbextension");
await mkdir(outdir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/widget/index.ts"],
  bundle: true,
  write: false,
  platform: "browser",
  format: "cjs",
  target: "es2020",
  external: ["@jupyter-widgets/base"],
  legalComments: "none",
  logLevel: "warning",
  // @jupyterlab/coreutils reads process.env in a few places; a classic page has no process.
  define: { "process.env.NODE_ENV": '"production"' },
});
const body = result.outputFiles[0].text;

// The CommonJS bundle inside an AMD define: requirejs hands over @jupyter-widgets/base.
const amd = [
  "// napari-cuda widget for the classic notebook and VS Code (bundled; do not edit).",
  'define(["@jupyter-widgets/base"], function (__ncWidgetsBase) {',
  "  var module = { exports: {} };",
  "  var exports = module.exports;",
  "  var require = function (name) {",
  '    if (name === "@jupyter-widgets/base") return __ncWidgetsBase;',
  '    throw new Error("napari-cuda: the page provides no module " + name);',
  "  };",
  "  var process = { env: {} };",
  body,
  "  return module.exports;",
  "});",
  "",
].join("\n");
await writeFile(join(outdir, "index.js"), amd);

// Loaded by the classic notebook on every page (etc/jupyter/nbconfig/notebook.d/napari-cuda.json):
// tells requirejs where the widget module lives when a napari-cuda widget is first shown.
const extension = [
  "// napari-cuda: where requirejs finds the widget module (do not edit; scripts/build-nbextension.mjs).",
  "define(function () {",
  '  window.require.config({ map: { "*": { "napari-cuda": "nbextensions/napari-cuda/index" } } });',
  "  return { load_ipython_extension: function () {} };",
  "});",
  "",
].join("\n");
await writeFile(join(outdir, "extension.js"), extension);
console.error(`build-nbextension: ${outdir}/index.js (${(amd.length / 1024).toFixed(0)} KiB)`);
