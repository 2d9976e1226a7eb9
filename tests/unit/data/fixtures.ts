/**
 * OME-Zarr fixtures written by tests/support/ome_fixtures.py (ome-zarr-py, zarr-python) and the
 * helpers to compare regions with zarr-python's read-back. Generated once per version of the
 * script into the temp dir (atomically renamed into place), shared by the test files.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DType } from "../../../src/protocol/index.js";
import { arrayCtor } from "../../../src/daemon/data/dtype.js";
import type { Region } from "../../../src/daemon/data/chunk-store.js";
import type { PixelArray } from "../../../src/daemon/data/types.js";
import { pythonHas, runPython } from "../render/python.js";

const SCRIPT = fileURLToPath(new URL("../../support/ome_fixtures.py", import.meta.url));

export interface Fixture {
  path: string;
  dtype: DType;
  levels: Array<{ shape: number[]; ref: string }>;
}

export interface Fixtures {
  dir: string;
  manifest: Record<string, Fixture>;
}

/** Why the fixture tests are skipped, or false when they run. */
export const SKIP: string | false = pythonHas("ome_zarr") ? false : "no .venv python with ome_zarr";

let cached: Fixtures | null = null;

/** Write (or reuse) the fixtures; paths in the manifest are made absolute. */
export function fixtures(): Fixtures {
  if (cached) return cached;
  const script = readFileSync(SCRIPT);
  const hash = createHash("sha256").update(script).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `napari-cuda-ome-fixtures-${hash}`);
  if (!existsSync(join(dir, "manifest.json"))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const out = runPython(
      `import runpy, sys; sys.argv = ["ome_fixtures.py", sys.argv[1]]; runpy.run_path(${JSON.stringify(SCRIPT)}, run_name="__main__")`,
      "",
      [tmp],
    );
    writeFileSync(join(tmp, "manifest.json"), out);
    try {
      renameSync(tmp, dir);
    } catch {
      // Another test process won the race: use its copy.
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const raw = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, Fixture>;
  const manifest: Record<string, Fixture> = {};
  for (const [name, f] of Object.entries(raw)) {
    manifest[name] = { ...f, path: join(dir, f.path), levels: f.levels.map((l) => ({ ...l, ref: join(dir, l.ref) })) };
  }
  cached = { dir, manifest };
  return cached;
}

/** A level as zarr-python read it back (C order). */
export function reference(f: Fixture, level: number): PixelArray {
  const bytes = readFileSync(f.levels[level]!.ref);
  const ctor = arrayCtor(f.dtype);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new ctor(copy.buffer, 0, bytes.byteLength / ctor.BYTES_PER_ELEMENT);
}

/** Element by element (deliberately naive): `ref[region]` in C order. */
export function sliceRef(ref: PixelArray, shape: number[], region: Region): number[] {
  const n = shape.length;
  const out: number[] = [];
  const idx = [...region.start];
  if (region.start.some((a, k) => a >= region.stop[k]!)) return out;
  for (;;) {
    let flat = 0;
    for (let k = 0; k < n; k++) flat = flat * shape[k]! + idx[k]!;
    out.push(ref[flat]!);
    let k = n - 1;
    for (; k >= 0; k--) {
      if (++idx[k]! < region.stop[k]!) break;
      idx[k] = region.start[k]!;
    }
    if (k < 0) return out;
  }
}

/** Same values, NaN equal to NaN. */
export function sameValues(got: ArrayLike<number>, want: number[]): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) return `index ${i}: ${a} != ${b}`;
  }
  return null;
}
