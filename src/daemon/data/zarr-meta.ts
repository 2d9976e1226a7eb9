/**
 * Raw Zarr metadata documents (v2 `.zarray`/`.zattrs`/`.zgroup`, v3 `zarr.json`), read before
 * zarrita opens anything so that a bad dtype or an unknown codec is reported by name.
 */
import type { AbsolutePath, AsyncReadable } from "@zarrita/storage";
import * as zarr from "zarrita";
import { NapariCudaError, type DType } from "../../protocol/index.js";
import { dtypeFromZarr } from "./dtype.js";

type Json = Record<string, unknown>;

/** What sits at one node of the hierarchy. */
export type ZarrNode =
  | { kind: "group"; zarrVersion: 2 | 3; attrs: Json }
  | { kind: "array"; zarrVersion: 2 | 3; attrs: Json; meta: Json }
  | { kind: "none" };

function key(path: string, name: string): AbsolutePath {
  const dir = path.replace(/^\/+|\/+$/g, "");
  return `/${dir === "" ? name : `${dir}/${name}`}`;
}

async function readJson(store: AsyncReadable, k: AbsolutePath, signal?: AbortSignal): Promise<Json | undefined> {
  const bytes = await store.get(k, signal ? { signal } : {});
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new NapariCudaError("invalid_source", `${k} is not valid JSON`, { cause: err, path: k });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new NapariCudaError("invalid_source", `${k} must hold a JSON object`, { path: k });
  }
  return value as Json;
}

/** Read the node at `path` (v3 first, then v2). */
export async function readNode(store: AsyncReadable, path: string, signal?: AbortSignal): Promise<ZarrNode> {
  const [v3, zarray, zattrs, zgroup] = await Promise.all([
    readJson(store, key(path, "zarr.json"), signal),
    readJson(store, key(path, ".zarray"), signal),
    readJson(store, key(path, ".zattrs"), signal),
    readJson(store, key(path, ".zgroup"), signal),
  ]);
  if (v3) {
    const attrs = (v3.attributes ?? {}) as Json;
    if (v3.node_type === "array") return { kind: "array", zarrVersion: 3, attrs, meta: v3 };
    return { kind: "group", zarrVersion: 3, attrs };
  }
  if (zarray) return { kind: "array", zarrVersion: 2, attrs: zattrs ?? {}, meta: zarray };
  if (zgroup || zattrs) return { kind: "group", zarrVersion: 2, attrs: zattrs ?? {} };
  return { kind: "none" };
}

/** Codec names zarrita will look up for this array (v2 ids are prefixed "numcodecs."). */
export function codecNames(meta: Json, zarrVersion: 2 | 3): string[] {
  if (zarrVersion === 2) {
    const ids: string[] = [];
    for (const f of (meta.filters as Json[] | null) ?? []) {
      if (f.id !== "fixedscaleoffset" && f.id !== "numcodecs.fixedscaleoffset") ids.push(`numcodecs.${String(f.id)}`);
    }
    const c = meta.compressor as Json | null | undefined;
    if (c) ids.push(`numcodecs.${String(c.id)}`);
    return ids;
  }
  const names: string[] = [];
  const walk = (codecs: unknown): void => {
    for (const c of Array.isArray(codecs) ? (codecs as Json[]) : []) {
      if (c.name === "sharding_indexed") {
        const conf = (c.configuration ?? {}) as Json;
        walk(conf.codecs);
        walk(conf.index_codecs);
      } else names.push(String(c.name));
    }
  };
  walk(meta.codecs);
  return names;
}

/** Check an array's dtype and codecs; returns its DType. `where` names the array in messages. */
export function checkArrayMeta(meta: Json, zarrVersion: 2 | 3, where: string): DType {
  const dtype = dtypeFromZarr(zarrVersion === 2 ? meta.dtype : meta.data_type, where);
  for (const name of codecNames(meta, zarrVersion)) {
    if (!zarr.registry.has(name)) {
      const shown = name.replace(/^numcodecs\./, "");
      throw new NapariCudaError("invalid_source", `${where}: unknown codec ${JSON.stringify(shown)}`, {
        path: "codecs",
      });
    }
  }
  return dtype;
}

/** Axis names a plain array carries (v3 dimension_names, v2 xarray _ARRAY_DIMENSIONS), if complete. */
export function dimensionNames(node: ZarrNode & { kind: "array" }, ndim: number): string[] | null {
  const names = node.zarrVersion === 3 ? node.meta.dimension_names : node.attrs._ARRAY_DIMENSIONS;
  if (!Array.isArray(names) || names.length !== ndim) return null;
  if (!names.every((n) => typeof n === "string" && n !== "")) return null;
  return new Set(names).size === ndim ? (names as string[]) : null;
}
