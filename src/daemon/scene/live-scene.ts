/**
 * The scene of one live view: resolves each frame with progressive fallback and keeps the
 * chunks the view wants now loading, one load per chunk. A new wish starts the chunks it
 * adds, keeps the ones it shares with the last wish running (a computed chunk is never
 * cancelled and computed again) and cancels only the ones the view has left, so a fast pan
 * never waits on chunks it left behind. As chunks land the view renders again, throttled,
 * so a slow source fills in tile by tile rather than all at once at the end.
 */
import type { Canvas, ViewerState } from "../../protocol/index.js";
import { NapariCudaError } from "../../protocol/index.js";
import type { ChunkRef, ChunkStore } from "../data/chunk-store.js";
import { arrayCtor } from "../data/dtype.js";
import type { LayerEntry } from "./layer-entry.js";
import type { LevelChooser, LoadJob, SceneAssembler, SceneFrame } from "./resolve.js";

/** Default least time between two renders for landing chunks: progress without re-rendering per chunk. */
export const RENDER_EVERY_MS = 50;

export interface LiveSceneDeps {
  assembler: SceneAssembler;
  store: ChunkStore;
  entries(): ReadonlyMap<string, LayerEntry>;
  chooser: LevelChooser;
  /**
   * `chunks` chunks (`bytes` decoded) landed since the last call, or loads failed (0, 0): render
   * again. At most once per `renderEveryMs` while chunks land; at once when the last one does.
   */
  onLoaded(chunks: number, bytes: number): void;
  /** A load failed (not_found / invalid_source / compute_failed naming the chunk). Once per wish. */
  onError(err: NapariCudaError): void;
  /** Least time between two onLoaded calls while chunks land (default RENDER_EVERY_MS). */
  renderEveryMs?: number;
}

interface Pending {
  abort: AbortController;
  bytes: number;
}

export class LiveScene {
  /** Chunks of the current wish still loading, by chunk key. */
  private readonly pending = new Map<string, Pending>();
  /** Chunks that failed: not asked again until the view wants chunks it did not want before. */
  private readonly failed = new Set<string>();
  private landed = 0;
  private landedBytes = 0;
  private lastFlush = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private readonly reported = new Set<string>();
  private disposed = false;

  constructor(private readonly deps: LiveSceneDeps) {}

  /** Chunks still loading for what the view wants (0 when it shows everything at the wanted levels). */
  get loading(): number {
    return this.pending.size;
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
    const wish = new Map<string, [LoadJob, ChunkRef]>();
    for (const job of loads) for (const ref of job.chunks) wish.set(chunkKey(job, ref), [job, ref]);
    let fresh = false;
    for (const key of wish.keys()) if (!this.pending.has(key) && !this.failed.has(key)) fresh = true;
    // The view moved on to new chunks: give the failed ones another chance (a kernel may be back).
    if (fresh) this.failed.clear();
    // Start before cancelling, in the wish's order (nearest the view centre first).
    for (const [key, [job, ref]] of wish) {
      if (!this.pending.has(key) && !this.failed.has(key)) this.start(key, job, ref);
    }
    for (const [key, p] of this.pending) {
      if (wish.has(key)) continue;
      this.pending.delete(key);
      p.abort.abort();
    }
  }

  private start(key: string, job: LoadJob, ref: ChunkRef): void {
    const p: Pending = { abort: new AbortController(), bytes: chunkBytes(job) };
    this.pending.set(key, p);
    this.deps.store.load(job.entry.source, job.level, [ref], p.abort.signal).then(
      () => {
        if (this.pending.get(key) !== p) return; // cancelled: the view left it
        this.pending.delete(key);
        this.landed++;
        this.landedBytes += p.bytes;
        this.changed();
      },
      (err: unknown) => {
        if (this.pending.get(key) !== p || p.abort.signal.aborted) return;
        this.pending.delete(key);
        // One report per wish: a kernel that went away fails every pending chunk with one story.
        if (this.failed.size === 0 && !this.disposed) {
          this.deps.onError(
            err instanceof NapariCudaError ? err : new NapariCudaError("invalid_source", String(err), { cause: err }),
          );
        }
        this.failed.add(key);
        this.changed();
      },
    );
  }

  /** Something landed or failed: render again now if the wish is done, else within the throttle. */
  private changed(): void {
    if (this.disposed) return;
    if (this.pending.size === 0) return this.flush();
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + (this.deps.renderEveryMs ?? RENDER_EVERY_MS) - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = performance.now();
    const [chunks, bytes] = [this.landed, this.landedBytes];
    this.landed = 0;
    this.landedBytes = 0;
    this.deps.onLoaded(chunks, bytes);
  }

  /** Stop loading and rendering. Never throws. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of this.pending.values()) p.abort.abort();
    this.pending.clear();
  }
}

function chunkKey(job: LoadJob, ref: ChunkRef): string {
  return `${job.entry.source.key}\n${job.level}\n${ref.coords.join(",")}`;
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
