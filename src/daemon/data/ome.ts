/**
 * OME-NGFF multiscale metadata (v0.4 in Zarr v2 `.zattrs`, v0.5 in Zarr v3 `attributes.ome`),
 * validated at the boundary: every error is invalid_source and names the failing property
 * (e.g. `multiscales[0].datasets[1].coordinateTransformations[0].scale`).
 */
import { NapariCudaError } from "../../protocol/index.js";
import type { AxisInfo, ChannelInfo } from "./source-types.js";

export interface OmeDataset {
  path: string;
  scale: number[];
  translation: number[];
}

export interface OmeMultiscale {
  version: "0.4" | "0.5";
  name: string | null;
  axes: AxisInfo[];
  datasets: OmeDataset[];
  /** Level-0 world transform, the multiscale-wide coordinateTransformations applied. */
  scale: number[];
  translate: number[];
  channels?: ChannelInfo[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(where: string, path: string, message: string): never {
  throw new NapariCudaError("invalid_source", `${where}: ${path}: ${message}`, { path });
}

/** The OME part of a group's attributes (where multiscales/omero live), or null when there is none. */
export function omeAttributes(attrs: unknown, zarrVersion: 2 | 3): Json | null {
  if (!isObject(attrs)) return null;
  if (zarrVersion === 3) return isObject(attrs.ome) ? attrs.ome : null;
  return "multiscales" in attrs ? attrs : null;
}

function numbers(v: unknown, n: number, where: string, path: string, positive: boolean): number[] {
  if (!Array.isArray(v) || v.length !== n) fail(where, path, `must be a list of ${n} numbers (one per axis)`);
  return v.map((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x) || (positive && x <= 0)) {
      fail(where, `${path}[${i}]`, `must be a ${positive ? "positive" : "finite"} number, got ${JSON.stringify(x)}`);
    }
    return x;
  });
}

/** Parse a coordinateTransformations list: [scale] or [scale, translation]. */
function transforms(v: unknown, n: number, where: string, path: string): { scale: number[]; translation: number[] } {
  if (!Array.isArray(v) || v.length < 1 || v.length > 2) {
    fail(where, path, "must be a list of a scale and an optional translation");
  }
  const [s, t] = v as unknown[];
  if (!isObject(s) || s.type !== "scale") fail(where, `${path}[0].type`, 'the first transformation must be "scale"');
  if (!("scale" in s)) fail(where, `${path}[0].scale`, "missing (scales stored in a file are not supported)");
  const scale = numbers(s.scale, n, where, `${path}[0].scale`, true);
  if (t === undefined) return { scale, translation: new Array<number>(n).fill(0) };
  if (!isObject(t) || t.type !== "translation") {
    fail(where, `${path}[1].type`, 'the second transformation must be "translation"');
  }
  if (!("translation" in t))
    fail(where, `${path}[1].translation`, "missing (translations in a file are not supported)");
  return { scale, translation: numbers(t.translation, n, where, `${path}[1].translation`, false) };
}

function parseAxes(v: unknown, where: string, path: string): AxisInfo[] {
  if (!Array.isArray(v) || v.length < 2) fail(where, path, "must be a list of at least 2 axes");
  const seen = new Set<string>();
  return v.map((a, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(a) || typeof a.name !== "string" || a.name === "")
      fail(where, `${p}.name`, "must be a non-empty string");
    if (seen.has(a.name)) fail(where, `${p}.name`, `duplicate axis name ${JSON.stringify(a.name)}`);
    seen.add(a.name);
    if (a.type !== undefined && a.type !== null && typeof a.type !== "string")
      fail(where, `${p}.type`, "must be a string");
    if (a.unit !== undefined && a.unit !== null && typeof a.unit !== "string")
      fail(where, `${p}.unit`, "must be a string");
    return { name: a.name, type: (a.type as string | undefined) ?? null, unit: (a.unit as string | undefined) ?? null };
  });
}

/** omero channels are transitional metadata: take what is well-formed, never fail on it. */
function parseChannels(omero: unknown): ChannelInfo[] | undefined {
  if (!isObject(omero) || !Array.isArray(omero.channels)) return undefined;
  return omero.channels.map((c): ChannelInfo => {
    const ch = isObject(c) ? c : {};
    const out: ChannelInfo = {
      label: typeof ch.label === "string" ? ch.label : null,
      color: typeof ch.color === "string" ? ch.color : null,
    };
    const w = isObject(ch.window) ? ch.window : null;
    if (w && typeof w.start === "number" && typeof w.end === "number") out.window = [w.start, w.end];
    return out;
  });
}

/**
 * Parse the first multiscale of a group's attributes. `where` (the URI) prefixes messages.
 * Throws invalid_source when there is no OME metadata or it is malformed.
 */
export function parseOme(attrs: unknown, zarrVersion: 2 | 3, where: string): OmeMultiscale {
  const ome = omeAttributes(attrs, zarrVersion);
  const root = zarrVersion === 3 ? "attributes.ome" : ".zattrs";
  if (!ome) {
    const need =
      zarrVersion === 3 ? '"ome" attributes with "multiscales" (OME-NGFF 0.5)' : '"multiscales" (OME-NGFF 0.4)';
    fail(where, root, `not OME-Zarr: the group has no ${need}`);
  }
  const list = ome.multiscales;
  if (!Array.isArray(list) || list.length === 0) fail(where, `${root}.multiscales`, "must be a non-empty list");
  const ms: unknown = list[0];
  const mp = `${root}.multiscales[0]`;
  if (!isObject(ms)) fail(where, mp, "must be an object");

  const version = zarrVersion === 3 ? ome.version : (ms.version ?? "0.4");
  const want = zarrVersion === 3 ? "0.5" : "0.4";
  if (version !== want) {
    const vp = zarrVersion === 3 ? `${root}.version` : `${mp}.version`;
    fail(
      where,
      vp,
      `OME-NGFF version ${JSON.stringify(version)} is not supported in Zarr v${zarrVersion} (need ${want})`,
    );
  }

  const axes = parseAxes(ms.axes, where, `${mp}.axes`);
  const n = axes.length;
  if (!Array.isArray(ms.datasets) || ms.datasets.length === 0)
    fail(where, `${mp}.datasets`, "must be a non-empty list");
  const datasets = ms.datasets.map((d: unknown, i: number): OmeDataset => {
    const dp = `${mp}.datasets[${i}]`;
    if (!isObject(d) || typeof d.path !== "string" || d.path === "")
      fail(where, `${dp}.path`, "must be a non-empty string");
    return { path: d.path, ...transforms(d.coordinateTransformations, n, where, `${dp}.coordinateTransformations`) };
  });

  // Multiscale-wide transformations apply after each dataset's: world = gs * (s0 * i + t0) + gt.
  const l0 = datasets[0]!;
  let scale = l0.scale;
  let translate = l0.translation;
  if (ms.coordinateTransformations !== undefined) {
    const g = transforms(ms.coordinateTransformations, n, where, `${mp}.coordinateTransformations`);
    scale = scale.map((s, k) => s * g.scale[k]!);
    translate = translate.map((t, k) => t * g.scale[k]! + g.translation[k]!);
  }
  const channels = parseChannels(ome.omero);
  return {
    version: want,
    name: typeof ms.name === "string" ? ms.name : null,
    axes,
    datasets,
    scale,
    translate,
    ...(channels ? { channels } : {}),
  };
}

/** Downsample factors and offset of a dataset relative to level 0 (see LevelInfo). */
export function levelTransform(l0: OmeDataset, d: OmeDataset): { factors: number[]; offset: number[] } {
  return {
    factors: d.scale.map((s, k) => s / l0.scale[k]!),
    offset: d.translation.map((t, k) => (t - l0.translation[k]!) / l0.scale[k]!),
  };
}
