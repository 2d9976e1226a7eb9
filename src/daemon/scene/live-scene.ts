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
import { KernelLinkError } from "../data/kernel-source.js";
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
  /**
   * A load failed (not_found / invalid_source / compute_failed naming the chunk): at most once per
   * wish and once per chunk. Cancellations (an AbortError: the view left the chunk, the layer was
   * removed) are not failures; a lost kernel link is reported once while it is down ("gone"), never
   * for a reconnect, and its chunks are asked again when the link is back.
   */
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
  /**
   * Chunks that failed: not asked again until the view wants chunks it did not want before, or
   * (link failures) until their kernel's chunk server is back.
   */
  private readonly failed = new Set<string>();
  /** Chunks whose failure was reported: a chunk that fails again (after a pan) is not reported again. */
  private readonly reportedChunks = new Set<string>();
  /** Chunks lost with their kernel's link, by chunk server id: asked again when it is back. */
  private readonly lostBy = new Map<string, Set<string>>();
  /** Chunk servers reported gone and not back yet. */
  private readonly down = new Set<string>();
  /** A failure was reported for the current wish. */
  private wishReported = false;
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
    // The view moved on to new chunks: give the failed ones another chance (a source may recover).
    if (fresh) {
      this.failed.clear();
      this.wishReported = false;
    }
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
        if (this.pending.get(key) !== p) return; // cancelled: the view left it
        this.pending.delete(key);
        // Aborted elsewhere (the layer was removed or replaced: its source aborts its requests).
        if (!isAbort(err)) this.failedWith(key, err);
        this.changed();
      },
    );
  }

  private failedWith(key: string, err: unknown): void {
    if (this.disposed) return;
    this.failed.add(key);
    if (err instanceof KernelLinkError) {
      let keys = this.lostBy.get(err.serverId);
      if (!keys) {
        this.lostBy.set(err.serverId, (keys = new Set()));
        void err.back.then(() => this.linkBack(err.serverId));
      }
      keys.add(key);
      if (err.loss === "reconnected" || this.down.has(err.serverId)) return;
      this.down.add(err.serverId); // one message for a kernel that is gone, not one per chunk
      this.deps.onError(err);
      return;
    }
    // One report per wish (a broken source fails many chunks with one story) and per chunk.
    if (this.wishReported || this.reportedChunks.has(key)) return;
    this.wishReported = true;
    this.reportedChunks.add(key);
    const e = err instanceof NapariCudaError ? err : new NapariCudaError("invalid_source", String(err), { cause: err });
    this.deps.onError(e);
  }

  /** A chunk server that lost chunks serves again: ask for them at the next frame (render now). */
  private linkBack(serverId: string): void {
    const keys = this.lostBy.get(serverId) ?? [];
    this.lostBy.delete(serverId);
    this.down.delete(serverId);
    let retry = false;
    for (const key of keys) retry = this.failed.delete(key) || retry;
    if (retry) this.changed();
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

/** A cancellation (AbortError from an aborted signal or a disposed source), not a failure. */
function isAbort(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "AbortError";
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
