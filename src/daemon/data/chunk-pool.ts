/**
 * Worker threads that fetch and decode chunks. Each worker runs up to `perWorker` jobs at once
 * (network waits overlap decoding); jobs beyond that wait in a FIFO queue. A job still queued
 * when cancelled is dropped; a running one is aborted in its worker. A worker that dies fails its
 * jobs with `internal` and is replaced when work next arrives. Idle workers are unref'd.
 */
import type { Worker } from "node:worker_threads";
import { abortError, spawnWorker } from "../util/workers.js";

export { abortError };
import { NapariCudaError } from "../../protocol/index.js";
import { CHUNK_WORKER_ROLE, type ChunkJob, type ChunkReply, type ChunkRequest } from "./chunk-worker-protocol.js";
import type { PixelArray } from "./types.js";

/** A job as the pool sees it; `settle` is called exactly once. */
export interface PoolJob {
  job: ChunkJob;
  settle: (result: { data: PixelArray } | { error: unknown }) => void;
}

interface Slot {
  worker: Worker;
  running: Map<number, PoolJob>;
  alive: boolean;
  /** Replies received: a worker that dies before its first one cannot start (bad entry). */
  replies: number;
}

export class ChunkWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: PoolJob[] = [];
  private disposed = false;

  constructor(
    private readonly workers: number,
    private readonly perWorker: number,
    private readonly entry: string | URL,
  ) {}

  /** Jobs queued or running. */
  get pending(): number {
    let n = this.queue.length;
    for (const s of this.slots) n += s.running.size;
    return n;
  }

  /** Worker threads alive. */
  get liveWorkers(): number {
    return this.slots.length;
  }

  submit(p: PoolJob): void {
    if (this.disposed) {
      p.settle({ error: new NapariCudaError("shutting_down", "chunk store disposed") });
      return;
    }
    this.queue.push(p);
    this.pump();
  }

  /** Drop the job if queued (settled with `error`), or ask its worker to abort it. */
  cancel(id: number, error: unknown): void {
    const i = this.queue.findIndex((p) => p.job.id === id);
    if (i >= 0) {
      this.queue.splice(i, 1)[0]!.settle({ error });
      return;
    }
    const slot = this.slots.find((s) => s.running.has(id));
    if (slot) slot.worker.postMessage({ type: "cancel", id } satisfies ChunkRequest);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const err = new NapariCudaError("shutting_down", "chunk store disposed");
    for (const p of this.queue.splice(0)) p.settle({ error: err });
    const exits: Promise<unknown>[] = [];
    for (const slot of this.slots.splice(0)) {
      slot.alive = false;
      for (const p of slot.running.values()) p.settle({ error: err });
      slot.running.clear();
      exits.push(slot.worker.terminate().catch(() => undefined));
    }
    await Promise.all(exits);
  }

  private spawn(): Slot | null {
    let worker: Worker;
    try {
      worker = spawnWorker(this.entry, CHUNK_WORKER_ROLE);
    } catch (err) {
      if (this.slots.length === 0) this.failQueue(`cannot start a chunk worker: ${String(err)}`, err);
      return null;
    }
    const slot: Slot = { worker, running: new Map(), alive: true, replies: 0 };
    this.slots.push(slot);
    worker.unref();
    worker.on("message", (reply: ChunkReply) => this.onReply(slot, reply));
    worker.on("error", (err) => this.onFailure(slot, err));
    worker.on("exit", (code) => this.onFailure(slot, new Error(`chunk worker exited with code ${code}`)));
    return slot;
  }

  private onReply(slot: Slot, reply: ChunkReply): void {
    const p = slot.running.get(reply.id);
    slot.running.delete(reply.id);
    slot.replies++;
    if (slot.running.size === 0) slot.worker.unref();
    if (p) {
      if (reply.ok) p.settle({ data: reply.data });
      else {
        const e = reply.error;
        const err = reply.aborted
          ? new DOMException("chunk load aborted", "AbortError")
          : new NapariCudaError(e.code, e.message, e.path === undefined ? undefined : { path: e.path });
        p.settle({ error: err });
      }
    }
    this.pump();
  }

  private onFailure(slot: Slot, err: unknown): void {
    if (!slot.alive) return;
    slot.alive = false;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    for (const p of slot.running.values()) {
      p.settle({ error: new NapariCudaError("internal", `chunk worker failed: ${message}`, { cause: err }) });
    }
    slot.running.clear();
    if (this.disposed) return;
    // A worker that never answered cannot start: fail the work instead of respawning in a loop.
    if (slot.replies === 0 && this.slots.length === 0) this.failQueue(`chunk worker failed: ${message}`, err);
    else this.pump();
  }

  private failQueue(message: string, cause: unknown): void {
    for (const p of this.queue.splice(0)) p.settle({ error: new NapariCudaError("internal", message, { cause }) });
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.disposed) {
      let slot: Slot | null = null;
      for (const s of this.slots)
        if (s.running.size < this.perWorker && (!slot || s.running.size < slot.running.size)) slot = s;
      // Prefer a new worker over stacking jobs on a busy one, up to the pool size.
      if ((!slot || slot.running.size > 0) && this.slots.length < this.workers) slot = this.spawn() ?? slot;
      if (!slot) return;
      const p = this.queue.shift()!;
      slot.running.set(p.job.id, p);
      slot.worker.ref();
      slot.worker.postMessage(p.job satisfies ChunkRequest);
    }
  }
}
