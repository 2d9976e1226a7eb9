/**
 * What the view does with the daemon's meta messages, pure: the `layer_levels` model trait (so
 * `layer.data_level` reaches the kernel), the HUD's level and the loading indicator's text.
 */
import type { StreamMeta } from "../../protocol/stream.js";

/** One layer's multiscale state as the `layer_levels` trait holds it. */
export interface LayerLevel {
  data_level: number;
  level_count: number;
}

/** The `layer_levels` trait: layer id -> level the last frame drew and the number of levels. */
export type LayerLevels = Record<string, LayerLevel>;

/** layer_levels of a meta message (layers listed in the message, in its order). */
export function layerLevels(meta: StreamMeta): LayerLevels {
  const out: LayerLevels = {};
  for (const l of meta.layers) out[l.id] = { data_level: l.data_level, level_count: l.level_count };
  return out;
}

/** Same ids with the same levels (key order ignored). */
export function sameLayerLevels(a: LayerLevels, b: LayerLevels): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => {
    const x = a[k]!;
    const y = b[k];
    return y !== undefined && x.data_level === y.data_level && x.level_count === y.level_count;
  });
}

/** Remembers the last layer_levels written; next() gives the value to write, or null when unchanged. */
export class LayerLevelsTracker {
  private last: LayerLevels | null = null;

  next(meta: StreamMeta): LayerLevels | null {
    const levels = layerLevels(meta);
    if (this.last !== null && sameLayerLevels(this.last, levels)) return null;
    this.last = levels;
    return levels;
  }

  /** Forget what was written (a new connection: the next meta is written whatever it holds). */
  reset(): void {
    this.last = null;
  }
}

/** Level shown by the HUD: the latest meta's when there is one, else the last frame header's. */
export function hudLevel(
  meta: StreamMeta | null,
  header: { level: number; level_count: number },
): { level: number; levelCount: number } {
  return meta === null
    ? { level: header.level, levelCount: header.level_count }
    : { level: meta.level, levelCount: meta.level_count };
}

/** Loading indicator text: "loading N" while chunks are pending, "" (hidden) otherwise. */
export function loadingText(meta: StreamMeta | null): string {
  const n = meta?.loading ?? 0;
  return n > 0 ? `loading ${n}` : "";
}
