// Builds the prebuilt JupyterLab extension into labextension/ with the JupyterLab in .venv.
// --core-package-file pins the build to that JupyterLab's own core packages, so the build
// needs no lookup of @jupyterlab/core-meta on the registry and matches the installed Lab.
//
// Why `jupyter-builder build` and not `jupyter labextension build`: since JupyterLab 4.6 the latter
// is a deprecated shim that first asks yarn for its registry (`node .../jupyter_builder/yarn.js
// config`). That yarn.js is a CommonJS bundle inside .venv, and .venv sits inside this repository,
// whose package.json says "type": "module"; so Node loads it as an ES module and it fails with
// 'Dynamic require of "util" is not supported' (a screenful of minified source in the log). The
// build itself never needs that registry, and jupyter-builder (the package JupyterLab delegates
// to) does not ask for it. Older JupyterLab (4.4, 4.5) has no jupyter-builder: use the shim there.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";

const venvBin = resolve(".venv/bin");
const python = process.env.PYTHON ?? (existsSync(join(venvBin, "python")) ? join(venvBin, "python") : "python3");
const bin = dirname(python);
const staging = execFileSync(
  python,
  ["-c", "import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), 'staging', 'package.json'))"],
  { encoding: "utf8" },
).trim();
const env = { ...process.env, PATH: [bin, process.env.PATH].join(delimiter) };
const mode = process.argv.includes("--dev") ? ["--development", "True"] : [];
const builder = join(bin, "jupyter-builder");
const [cmd, sub] = existsSync(builder) ? [builder, ["build"]] : [join(bin, "jupyter"), ["labextension", "build"]];
execFileSync(cmd, [...sub, ".", "--core-package-file", staging, ...mode], { stdio: "inherit", env });
