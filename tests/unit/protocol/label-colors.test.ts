/**
 * src/protocol/label-colors.ts against the kernel's napari_cuda._label_colors (which
 * tests/python/test_label_colors.py checks against napari itself): the same tables for napari's
 * default and other seeds, and the same colour for every label value, dtype edge and selection mode.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  labelColor,
  labelColorTable,
  type LabelDtype,
  labelLookupTable,
  labelRow,
  type LabelValue,
} from "../../../src/protocol/label-colors.js";
import { isNapariCudaError } from "../../../src/protocol/index.js";
import { pythonHas, runPython } from "../render/python.js";

const SEEDS = [0.5, 0.1234567, 0.87654321, 0.3141592653589793, 2.75, -0.3];
const SIZES = [1, 49, 255, 1000];
const SHUFFLE_SEEDS = [0, 7, 2 ** 31 + 5];
const SELECTED = [1, 7, -3];

const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo }, (_, i) => lo + i);
const CASES: { dtype: LabelDtype; values: string[] }[] = [
  { dtype: "int64", values: range(0, 10001).map(String) },
  { dtype: "uint8", values: range(0, 256).map(String) },
  { dtype: "int8", values: range(-128, 128).map(String) },
  { dtype: "int16", values: range(-32768, 32768).map(String) },
  { dtype: "uint16", values: ["0", "1", "49", "50", "65535"] },
  { dtype: "int32", values: [-(2 ** 31), -(2 ** 31) + 1, -1, 2 ** 31 - 1].map(String) },
  {
    dtype: "int64",
    values: ["-9223372036854775808", "-9223372036854775807", "-9007199254740993", "-99", "-50", "-49", "-1"].concat([
      "9007199254740991",
      "9007199254740993",
      "9223372036854775807",
    ]),
  },
  {
    dtype: "uint64",
    values: ["9007199254740993", "9223372036854775808", "18446744073709551614", "18446744073709551615"],
  },
];

const REFERENCE = `
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from napari_cuda import _label_colors as lc
spec = json.load(sys.stdin)
tables = [lc.label_color_table(n, s).tobytes().hex() for n in spec["sizes"] for s in spec["seeds"]]
shuffled = [lc.shuffled_color_table(lc.label_color_table(), s) for s in spec["shuffle_seeds"]]
out = {"tables": tables, "shuffled": [t.tobytes().hex() for t in shuffled], "colors": []}
for case in spec["cases"]:
    values = np.array([int(v) for v in case["values"]], dtype=case["dtype"])
    row = []
    for table in [lc.label_color_table(), shuffled[0], lc.label_color_table(1000, 0.5)]:
        row.append(lc.map_labels(values, table).tobytes().hex())
        for sel in spec["selected"]:
            row.append(lc.map_labels(values, table, selected_label=sel, show_selected_label=True).tobytes().hex())
    out["colors"].append(row)
json.dump(out, sys.stdout)
`;

const BRIDGE = fileURLToPath(new URL("../../../kernel-bridge", import.meta.url));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function colorsHex(values: LabelValue[], table: Uint8Array, dtype: LabelDtype, selected?: number): string {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) =>
    out.set(labelColor(v, table, { dtype, selectedLabel: selected, showSelectedLabel: selected !== undefined }), i * 4),
  );
  return hex(out);
}

describe("label colours", { skip: !pythonHas("numpy") && "no .venv python with numpy" }, () => {
  const reference = JSON.parse(
    runPython(
      REFERENCE,
      JSON.stringify({
        sizes: SIZES,
        seeds: SEEDS,
        shuffle_seeds: SHUFFLE_SEEDS,
        selected: SELECTED,
        cases: CASES,
      }),
      [BRIDGE],
    ).toString(),
  ) as { tables: string[]; shuffled: string[]; colors: string[][] };

  it("builds napari's label_colormap tables for the default and other seeds", () => {
    let k = 0;
    for (const n of SIZES) {
      for (const seed of SEEDS) {
        assert.equal(hex(labelColorTable(n, seed)), reference.tables[k++], `${n} colours, seed ${seed}`);
      }
    }
    assert.deepEqual(Array.from(labelColorTable().subarray(4, 8)), [120, 37, 6, 255]); // label 1
  });

  it("maps every value, dtype edge and selection as the kernel does", () => {
    const tables = [labelColorTable(), Buffer.from(reference.shuffled[0]!, "hex"), labelColorTable(1000, 0.5)];
    CASES.forEach((c, ci) => {
      const values: LabelValue[] = c.values.map((v) => (Number.isSafeInteger(Number(v)) ? Number(v) : BigInt(v)));
      const expected = reference.colors[ci]!;
      let k = 0;
      for (const table of tables) {
        const rows = table.length / 4;
        assert.equal(colorsHex(values, table, c.dtype), expected[k++], `${c.dtype} with ${rows} rows`);
        for (const sel of SELECTED) {
          assert.equal(
            colorsHex(values, table, c.dtype, sel),
            expected[k++],
            `${c.dtype}, ${rows} rows, selected ${sel}`,
          );
        }
      }
    });
  });

  it("gives bigint and number labels the same rows", () => {
    for (const v of [1, 49, 50, -1, -50, 2 ** 53 - 1, -(2 ** 53) + 1]) {
      assert.equal(labelRow(BigInt(v), 50), labelRow(v, 50), String(v));
    }
    assert.equal(labelRow(0, 50), 0);
    assert.equal(labelRow(-1, 50), 48);
  });

  it("builds small-dtype lookup tables indexed by the raw unsigned bits", () => {
    const table = Buffer.from(reference.shuffled[0]!, "hex"); // 181 rows: int8 hits napari's n > 127 edge
    for (const dtype of ["uint8", "int8", "uint16", "int16"] as const) {
      const lut = labelLookupTable(dtype, table, { selectedLabel: 7, showSelectedLabel: dtype === "uint16" });
      const size = dtype.endsWith("16") ? 65536 : 256;
      assert.equal(lut.length, size * 4);
      for (let raw = 0; raw < size; raw += dtype.endsWith("16") ? 97 : 1) {
        const value = dtype.startsWith("int") && raw >= size / 2 ? raw - size : raw;
        const opts = { dtype, selectedLabel: 7, showSelectedLabel: dtype === "uint16" };
        assert.deepEqual(
          Array.from(lut.subarray(raw * 4, raw * 4 + 4)),
          labelColor(value, table, opts),
          `${dtype} ${raw}`,
        );
      }
    }
  });

  it("names the failing property", () => {
    const code = (fn: () => unknown, path: string) =>
      assert.throws(fn, (e) => isNapariCudaError(e, "invalid_message") && e.path === path);
    code(() => labelColorTable(0), "numColors");
    code(() => labelColorTable(49, Number.NaN), "seed");
    code(() => labelColor(1.5), "value");
    code(() => labelColor(2 ** 53), "value");
    code(() => labelColor(300, undefined, { dtype: "uint8" }), "value");
    code(() => labelColor(1, new Uint8Array(4)), "table");
  });
});
