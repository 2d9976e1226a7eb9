/**
 * Open an OME-Zarr pyramid (NGFF 0.4 on Zarr v2, 0.5 on Zarr v3) or a plain Zarr array from a
 * local directory or an http(s) URL. Only metadata is read here; chunks are read by ChunkStore.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import type { AsyncReadable } from "@zarrita/storage";
import * as zarr from "zarrita";
import { NapariCudaError, type DType } from "../../protocol/index.js";
import { MAX_NDIM } from "./layer-store.js";
import { defaultAxisNames } from "./memory-source.js";
import { levelTransform, omeAttributes, parseOme } from "./ome.js";
import type { AxisInfo, ImageSource, LevelInfo, SourceInfo } from "./source-types.js";
import { checkArrayMeta, dimensionNames, readNode, type ZarrNode } from "./zarr-meta.js";
import { createStore, memoizeMetadata, toSourceError } from "./zarr-store.js";

let nextKey = 0;

/** Split a user URI into a store root: an absolute directory or an http(s) URL. */
export function parseUri(uri: string): { root: string; remote: boolean } {
  const text = uri.trim();
  if (/^https?:\/\//i.test(text)) return { root: new URL(text).href.replace(/\/+$/, ""), remote: true };
  if (/^file:/i.test(text)) return { root: resolvePath(fileURLToPath(text)), remote: false };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new NapariCudaError(
      "invalid_source",
      `unsupported URI scheme in ${JSON.stringify(uri)} (use a path or http(s))`,
      {
        path: "uri",
      },
    );
  }
  if (!isAbsolute(text)) {
    throw new NapariCudaError("invalid_source", `path must be absolute, got ${JSON.stringify(uri)}`, { path: "uri" });
  }
  return { root: resolvePath(text), remote: false };
}

async function checkLocalRoot(root: string): Promise<void> {
  try {
    const s = await stat(root);
    if (!s.isDirectory()) {
      throw new NapariCudaError("invalid_source", `${root} is a file, not a Zarr directory`, { path: "uri" });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new NapariCudaError("not_found", `no such file or directory: ${root}`, { path: "uri", cause: err });
    }
    throw toSourceError(err, root);
  }
}

interface LevelArray {
  path: string;
  dtype: DType;
  shape: number[];
  chunks: number[];
}

async function openLevel(
  store: AsyncReadable,
  node: ZarrNode & { kind: "array" },
  path: string,
  where: string,
): Promise<LevelArray> {
  const dtype = checkArrayMeta(node.meta, node.zarrVersion, where);
  const loc = zarr.root(store).resolve(path);
  // zarrita parses the chunk grid/key encoding; the shape and (inner) chunk shape come from it.
  const arr =
    node.zarrVersion === 3
      ? await zarr.open.v3(loc, { kind: "array" })
      : await zarr.open.v2(loc, { kind: "array", attrs: false });
  return { path, dtype, shape: [...arr.shape], chunks: [...arr.chunks] };
}

function checkShape(shape: number[], where: string): void {
  if (shape.length < 2 || shape.length > MAX_NDIM) {
    throw new NapariCudaError("invalid_data", `${where}: needs 2..${MAX_NDIM} axes, has shape [${shape.join(", ")}]`, {
      path: "shape",
    });
  }
}

async function openPlainArray(store: AsyncReadable, node: ZarrNode & { kind: "array" }, uri: string) {
  const level = await openLevel(store, node, "", uri);
  const n = level.shape.length;
  checkShape(level.shape, uri);
  const names = dimensionNames(node, n) ?? defaultAxisNames(n);
  const info: SourceInfo = {
    uri,
    dtype: level.dtype,
    axes: names.map((name): AxisInfo => ({ name, type: null, unit: null })),
    levels: [
      { path: "", shape: level.shape, chunks: level.chunks, factors: names.map(() => 1), offset: names.map(() => 0) },
    ],
    scale: names.map(() => 1),
    translate: names.map(() => 0),
    name: null,
    ngff_version: null,
  };
  return { info, zarrVersion: node.zarrVersion };
}

async function openPyramid(
  store: AsyncReadable,
  node: ZarrNode & { kind: "group" },
  uri: string,
  signal?: AbortSignal,
) {
  const ms = parseOme(node.attrs, node.zarrVersion, uri);
  const n = ms.axes.length;
  const levels: LevelInfo[] = [];
  let dtype: DType | null = null;
  for (const [i, d] of ms.datasets.entries()) {
    const where = `${uri}: level ${i} (${JSON.stringify(d.path)})`;
    const child = await readNode(store, d.path, signal);
    if (child.kind !== "array" || child.zarrVersion !== node.zarrVersion) {
      throw new NapariCudaError("invalid_source", `${where}: no Zarr v${node.zarrVersion} array at this path`, {
        path: `datasets[${i}].path`,
      });
    }
    const a = await openLevel(store, child, d.path, where);
    if (a.shape.length !== n) {
      throw new NapariCudaError("invalid_source", `${where}: array has ${a.shape.length} axes, metadata has ${n}`, {
        path: `datasets[${i}]`,
      });
    }
    if (dtype !== null && a.dtype !== dtype) {
      throw new NapariCudaError("invalid_source", `${where}: dtype ${a.dtype} differs from level 0 (${dtype})`, {
        path: `datasets[${i}]`,
      });
    }
    dtype = a.dtype;
    levels.push({ path: d.path, shape: a.shape, chunks: a.chunks, ...levelTransform(ms.datasets[0]!, d) });
  }
  checkShape(levels[0]!.shape, uri);
  const info: SourceInfo = {
    uri,
    dtype: dtype!,
    axes: ms.axes,
    levels,
    scale: ms.scale,
    translate: ms.translate,
    name: ms.name,
    ngff_version: ms.version,
    ...(ms.channels ? { channels: ms.channels } : {}),
  };
  return { info, zarrVersion: node.zarrVersion };
}

/**
 * Open `uri` (absolute path, file:// or http(s) URL). Errors: not_found (missing path, HTTP 404),
 * invalid_source (not OME-Zarr, unknown codec, malformed metadata, unreachable server),
 * invalid_data (unsupported dtype or shape).
 */
export async function openZarrSource(uri: string, opts: { signal?: AbortSignal } = {}): Promise<ImageSource> {
  const { root, remote } = parseUri(uri);
  if (!remote) await checkLocalRoot(root);
  const store = memoizeMetadata(createStore(root, remote));
  try {
    let base = root;
    let node = await readNode(store, "", opts.signal);
    if (node.kind === "none") {
      if (remote) throw new NapariCudaError("not_found", `${root}: no Zarr metadata found (HTTP 404)`, { path: "uri" });
      throw new NapariCudaError(
        "invalid_source",
        `${root}: not a Zarr store (no zarr.json, .zgroup, .zattrs or .zarray)`,
        {
          path: "uri",
        },
      );
    }
    // bioformats2raw layout: the image is the series "0" below the root.
    if (node.kind === "group" && !hasMultiscales(node) && hasBioformatsLayout(node)) {
      base = `${root}/0`;
      node = await readNode(store, "0", opts.signal);
      if (node.kind === "none") {
        throw new NapariCudaError("invalid_source", `${root}: bioformats2raw series "0" is missing`, { path: "uri" });
      }
    }
    const sub = base === root ? store : memoizeMetadata(createStore(base, remote));
    const opened =
      node.kind === "array" ? await openPlainArray(sub, node, base) : await openPyramid(sub, node, base, opts.signal);
    const key = `${base}#${++nextKey}`;
    return {
      key,
      info: opened.info,
      backend: { kind: "zarr", root: base, remote, zarrVersion: opened.zarrVersion },
      dispose: () => Promise.resolve(),
    };
  } catch (err) {
    throw toSourceError(err, root);
  }
}

function hasMultiscales(node: ZarrNode & { kind: "group" }): boolean {
  const ome = omeAttributes(node.attrs, node.zarrVersion);
  return ome !== null && "multiscales" in ome;
}

function hasBioformatsLayout(node: ZarrNode & { kind: "group" }): boolean {
  const ome = node.zarrVersion === 3 ? omeAttributes(node.attrs, 3) : node.attrs;
  return ome !== null && "bioformats2raw.layout" in ome;
}
