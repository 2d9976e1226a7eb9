/**
 * Shared setup of the progressive-display tests: the 3-level uint8 OME-Zarr fixture (70x90,
 * 32x32 chunks: 3x3, 2x2 and 1x1 chunks per level) served by a gated HTTP server, so each test
 * decides when chunks land, and views of it with a fixed level.
 */
import type { Canvas, ViewerState } from "../../../src/protocol/index.js";
import { openSource } from "../../../src/daemon/data/source.js";
import type { PixelArray } from "../../../src/daemon/data/types.js";
import { sourceEntry, type LayerEntry } from "../../../src/daemon/scene/layer-entry.js";
import type { LevelChooser, SourceEntry } from "../../../src/daemon/scene/resolve.js";
import { layer, viewerState } from "../daemon/helpers.js";
import type { Fixtures } from "../data/fixtures.js";
import { serveGated, type GatedServer } from "./gated-server.js";

export const NAME = "v04_yx_u8_blosc";

export interface Gated {
  gate: GatedServer;
  entry: SourceEntry;
  entries: ReadonlyMap<string, LayerEntry>;
  /** URL pathname of one chunk of a level (Zarr v2, "/" separator). */
  chunk(level: number, coords: readonly number[]): string;
  close(): Promise<void>;
}

/** A fresh gated server and source (a new source key: nothing of it is cached yet). */
export async function openGated(fx: Fixtures): Promise<Gated> {
  const gate = await serveGated(fx.dir);
  const rel = fx.manifest[NAME]!.path.slice(fx.dir.length);
  const src = await openSource(gate.url + rel);
  const entry = sourceEntry("img", src.info.uri, src, []) as SourceEntry;
  return {
    gate,
    entry,
    entries: new Map([["img", entry]]),
    chunk: (level, coords) => `${rel}/s${level}/${coords.join("/")}`,
    close: async () => {
      await src.dispose();
      await gate.close();
    },
  };
}

/** Always `level`. */
export function fixed(level: number): LevelChooser {
  return { choose: () => level };
}

/** The layer at unit scale, `center` (y, x) at `zoom` device pixels per data pixel. */
export function view(center: [number, number], zoom: number): ViewerState {
  return viewerState(center, zoom, [layer("img", { scale: [1, 1], translate: [0, 0] })]);
}

export const canvas = (size: number): Canvas => ({ width: size, height: size, pixel_ratio: 1 });

/** A whole 2D level as drawn with only the `cached` chunks (keys "y,x"): their pixels, 0 elsewhere. */
export function partialOf(ref: PixelArray, shape: number[], chunk: number, cached: Set<string>): number[] {
  const out: number[] = [];
  for (let y = 0; y < shape[0]!; y++) {
    for (let x = 0; x < shape[1]!; x++) {
      const i = y * shape[1]! + x;
      out.push(cached.has(`${Math.floor(y / chunk)},${Math.floor(x / chunk)}`) ? ref[i]! : 0);
    }
  }
  return out;
}
