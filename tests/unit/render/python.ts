/** Run the repo's Python (.venv) for cross-checks against numpy/matplotlib. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const VENV_PYTHON = fileURLToPath(new URL("../../../.venv/bin/python", import.meta.url));

/** The Python interpreter to use, or null when there is none. */
export const PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : null;

/** True when `module` imports in PYTHON. */
export function pythonHas(module: string): boolean {
  if (!PYTHON) return false;
  return spawnSync(PYTHON, ["-c", `import ${module}`], { stdio: "ignore" }).status === 0;
}

/** Run `code` with `input` on stdin; returns stdout as bytes; throws with stderr on failure. */
export function runPython(code: string, input: Uint8Array | string = "", args: string[] = []): Buffer {
  if (!PYTHON) throw new Error("no python");
  const r = spawnSync(PYTHON, ["-c", code, ...args], { input, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr.toString()}`);
  return r.stdout;
}
