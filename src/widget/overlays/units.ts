/**
 * A small stand-in for the part of pint that napari's scale bar uses: parse a unit (or a quantity
 * such as "10 nm") and give a length a compact SI prefix (1500 µm -> 1.5 mm, pint's to_compact).
 * SI lengths and times are rescaled; any other unit (px, inch, ...) is kept as written and scaled
 * by powers of 1000 like a plain number.
 */

/** A parsed unit: one world unit is `factor` `base` (an SI base symbol), or `factor` `symbol` when base is null. */
export interface ParsedUnit {
  factor: number;
  /** "m" or "s" for SI lengths and times; null for a plain number or any other unit. */
  base: "m" | "s" | null;
  /** What to write after the number: the base for SI units, the unit as written otherwise ("" = none). */
  symbol: string;
}

/** SI prefixes pint's to_compact may choose (powers of 1000) plus centi/deci for parsing only. */
const PREFIXES: ReadonlyArray<readonly [name: string, symbols: readonly string[], exponent: number]> = [
  ["yocto", ["y"], -24],
  ["zepto", ["z"], -21],
  ["atto", ["a"], -18],
  ["femto", ["f"], -15],
  ["pico", ["p"], -12],
  ["nano", ["n"], -9],
  ["micro", ["µ", "μ", "u"], -6],
  ["milli", ["m"], -3],
  ["centi", ["c"], -2],
  ["deci", ["d"], -1],
  ["", [""], 0],
  ["kilo", ["k"], 3],
  ["mega", ["M"], 6],
  ["giga", ["G"], 9],
  ["tera", ["T"], 12],
  ["peta", ["P"], 15],
  ["exa", ["E"], 18],
];

const BASES: ReadonlyArray<readonly [base: "m" | "s", names: readonly string[]]> = [
  ["m", ["meter", "metre"]],
  ["s", ["second"]],
];

/** Whole-unit aliases outside the prefix x base scheme. */
const ALIASES: Readonly<Record<string, readonly [number, "m" | "s"]>> = {
  micron: [1e-6, "m"],
  angstrom: [1e-10, "m"],
  ångström: [1e-10, "m"],
  Å: [1e-10, "m"],
  sec: [1, "s"],
};

/** Symbol -> factor / base, and lower-case name -> factor / base, built once. */
const SYMBOLS = new Map<string, readonly [number, "m" | "s"]>();
const NAMES = new Map<string, readonly [number, "m" | "s"]>();
for (const [name, symbols, exp] of PREFIXES) {
  for (const [base, baseNames] of BASES) {
    for (const s of symbols) SYMBOLS.set(s + base, [10 ** exp, base]);
    for (const n of baseNames) NAMES.set(name + n, [10 ** exp, base]);
  }
}
for (const [k, v] of Object.entries(ALIASES)) NAMES.set(k.toLowerCase(), v);

const QUANTITY = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)?\s*(.*?)\s*$/;

/** Parse "micrometer", "um", "µm", "10 nm", "0.5", "px", ... (null or "" = a plain number). */
export function parseUnit(text: string | null | undefined): ParsedUnit {
  const m = QUANTITY.exec(text ?? "");
  const number = m?.[1] !== undefined ? Number(m[1]) : 1;
  const factor = Number.isFinite(number) && number > 0 ? number : 1;
  const name = m?.[2] ?? "";
  if (name === "") return { factor, base: null, symbol: "" };
  const lower = name.toLowerCase();
  const known =
    SYMBOLS.get(name) ??
    NAMES.get(lower) ??
    // Plurals of names ("micrometers", "seconds"); never of symbols ("ms" is a millisecond).
    (lower.length > 3 && lower.endsWith("s") ? NAMES.get(lower.slice(0, -1)) : undefined);
  if (known !== undefined) return { factor: factor * known[0], base: known[1], symbol: known[1] };
  return { factor, base: null, symbol: lower === "pixel" || lower === "pixels" ? "px" : name };
}

/** Power of 1000 (as an exponent of 10: ..., -6, -3, 0, 3, ...) that puts `value` in [1, 1000). */
export function thousandsExponent(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 0;
  let e = 3 * Math.floor(Math.log10(value) / 3);
  // log10 is not exact near powers of ten (log10(1e-6) may give -5.999...): fix up.
  if (value / 10 ** e >= 1000 * (1 - 1e-12)) e += 3;
  else if (value / 10 ** e < 1 - 1e-12) e -= 3;
  return e;
}

/** SI prefix symbol for a power-of-1000 exponent within pint's range, or null outside it. */
export function prefixSymbol(exponent: number): string | null {
  const p = PREFIXES.find(([, , e]) => e === exponent);
  return p === undefined ? null : p[1][0]!;
}

/** Python's "{:g}": 6 significant digits, exponent form below 1e-4 and from 1e6 ("5e-06"). */
export function formatG(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const [mant, exp] = value.toExponential(5).split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 6) {
    const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
    const sign = e < 0 ? "-" : "+";
    return `${m}e${sign}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(Number(value.toPrecision(6)));
}

const SUPERSCRIPT: Readonly<Record<string, string>> = {
  "-": "⁻",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};

/** formatG as pint's pretty format writes it: "1e+06" -> "1×10⁶", "5e-06" -> "5×10⁻⁶". */
export function prettyG(value: number): string {
  const g = formatG(value);
  const m = /^(.*)e([-+])(\d+)$/.exec(g);
  if (m === null) return g;
  const exp = (m[2] === "-" ? "-" : "") + String(Number(m[3]));
  return `${m[1]}×10${[...exp].map((c) => SUPERSCRIPT[c] ?? c).join("")}`;
}
