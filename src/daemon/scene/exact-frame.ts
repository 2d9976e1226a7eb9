/** Frames at exactly the chosen levels (screenshots), loading what they lack first. */
import type { Canvas, ViewerState } from "../../protocol/index.js";
import { NapariCudaError } from "../../protocol/index.js";
import type { ChunkStore } from "../data/chunk-store.js";
import type { LayerEntry } from "./layer-entry.js";
import type { LevelChooser, SceneAssembler, SceneFrame } from "./resolve.js";

/**
 * A frame at exactly the chosen levels (no fallback), loading what is missing first:
 * screenshots are always at the right level. Rejects with the load's error, or an AbortError when
 * `signal` aborts (the request's connection closed: its pending chunks are released).
 */
export async function exactFrame(
  assembler: SceneAssembler,
  store: ChunkStore,
  entries: ReadonlyMap<string, LayerEntry>,
  chooser: LevelChooser,
  state: ViewerState,
  canvas: Canvas,
  signal?: AbortSignal,
): Promise<SceneFrame> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const f = assembler.resolve(state, canvas, entries, chooser, false);
    if (f.problems.length > 0) throw f.problems[0]!;
    if (f.loads.length === 0) return f;
    await Promise.all(f.loads.map((j) => store.load(j.entry.source, j.level, j.chunks, signal)));
  }
  throw new NapariCudaError(
    "too_large",
    "the chunks this frame needs do not fit the chunk cache at once; raise NAPARI_CUDA_CACHE_BYTES",
    { path: "NAPARI_CUDA_CACHE_BYTES" },
  );
}
