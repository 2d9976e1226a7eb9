/**
 * The scene of one live view: resolves each frame with progressive fallback and keeps
 * one batch of chunk loads running for what the view wants now. A new wish cancels the
 * batch it replaces (queued chunks are dropped), so a fast pan never waits on chunks it
 * has left behind. When a batch finishes, the view renders again.
 */
import type { Canvas, ViewerState } from "../../protocol/index.js";
import { NapariCudaError } from "../../protocol/index.js";
import type { ChunkStore } from "../data/chunk-store.js";
import { arrayCtor } from "../data/dtype.js";
import type { LayerEntry } from "./layer-entry.js";
import type { LevelChooser, LoadJob, SceneAssembler, SceneFrame } from "./resolve.js";

export interface LiveSceneDeps {
  assembler: SceneAssembler;
  store: ChunkStore;
  entries(): ReadonlyMap<string, LayerEntry>;
  chooser: LevelChooser;
  /** A batch of `chunks` chunks (`bytes` decoded) arrived, or failed (0, 0): render again. */
  onLoaded(chunks: number, bytes: number): void;
  /** A load failed (not_found / invalid_source naming the chunk). Reported once per batch. */
  onError(err: NapariCudaError): void;
}

export class LiveScene {
  private batch: { key: string; abort: AbortController; chunks: number } | null = null;
  private failedKey = "";
  private readonly reported = new Set<string>();
  private disposed = false;

  constructor(private readonly deps: LiveSceneDeps) {}

  /** Chunks the current batch is loading (0 when the view shows everything at the wanted levels). */
  get loading(): number {
    return this.batch?.chunks ?? 0;
  }

  /**
   * Resolve a frame and make sure what it lacks is loading. Levels are chosen for `levelCanvas`:
   * a half-resolution moving frame keeps the level of the full view, so stopping does not switch
   * levels (and reload) as the full-resolution redraw comes.
   */
  frame(state: ViewerState, canvas: Canvas, levelCanvas: Canvas = canvas): SceneFrame {
    const { chooser } = this.deps;
    const levels: LevelChooser =
      levelCanvas === canvas ? chooser : { choose: (e, l, s) => chooser.choose(e, l, s, levelCanvas) };
    const f = this.deps.assembler.resolve(state, canvas, this.deps.entries(), levels, true);
    for (const p of f.problems) {
      if (this.reported.has(p.message)) continue;
      this.reported.add(p.message);
      this.deps.onError(p);
    }
    this.want(f.loads);
    return f;
  }

  private want(loads: LoadJob[]): void {
    if (this.disposed) return;
    const key = loads.map((j) => `${j.entry.id}@${j.level}:${JSON.stringify(j.chunks)}`).join("|");
    if (key === "") {
      this.cancel();
      return;
    }
    if (key === this.batch?.key || key === this.failedKey) return;
    this.cancel();
    const abort = new AbortController();
    const chunks = loads.reduce((n, j) => n + j.chunks.length, 0);
    const bytes = loads.reduce((n, j) => n + j.chunks.length * chunkBytes(j), 0);
    const batch = { key, abort, chunks };
    this.batch = batch;
    const { store } = this.deps;
    Promise.all(loads.map((j) => store.load(j.entry.source, j.level, j.chunks, abort.signal))).then(
      () => {
        if (this.batch !== batch) return;
        this.batch = null;
        this.deps.onLoaded(chunks, bytes);
      },
      (err: unknown) => {
        if (this.batch !== batch || abort.signal.aborted) return;
        this.batch = null;
        this.failedKey = key;
        this.deps.onError(
          err instanceof NapariCudaError ? err : new NapariCudaError("invalid_source", String(err), { cause: err }),
        );
        this.deps.onLoaded(0, 0);
      },
    );
  }

  private cancel(): void {
    this.batch?.abort.abort();
    this.batch = null;
  }

  /** Stop loading. Never throws. */
  dispose(): void {
    this.disposed = true;
    this.cancel();
  }
}

/** Decoded bytes of one (full) chunk of a job's level. */
function chunkBytes(job: LoadJob): number {
  const info = job.entry.source.info;
  const shape = info.levels[job.level]!.chunks;
  return shape.reduce((a, b) => a * b, 1) * arrayCtor(info.dtype).BYTES_PER_ELEMENT;
}

/**
 * A frame at exactly the chosen levels (no fallback), loading what is missing first:
 * screenshots are always at the right level. Rejects with the load's error.
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
