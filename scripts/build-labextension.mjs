// Builds the prebuilt JupyterLab extension into labextension/ with the JupyterLab in .venv.
// --core-package-file pins the build to that JupyterLab's own core packages, so the build
// needs no lookup of @jupyterlab/core-meta on the registry and matches the installed Lab.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";

const venvBin = resolve(".venv/bin");
const python = process.env.PYTHON ?? (existsSync(join(venvBin, "python")) ? join(venvBin, "python") : "python3");
const staging = execFileSync(
  python,
  ["-c", "import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), 'staging', 'package.json'))"],
  { encoding: "utf8" },
).trim();
const env = { ...process.env, PATH: [dirname(python), process.env.PATH].join(delimiter) };
const mode = process.argv.includes("--dev") ? ["--development", "True"] : [];
execFileSync(
  join(dirname(python), "jupyter"),
  ["labextension", "build", ".", "--core-package-file", staging, ...mode],
  {
    stdio: "inherit",
    env,
  },
);
