/**
 * A fixed-size pool of render worker threads running band tasks FIFO. A worker that
 * errors or exits fails its current task with render_failed and is replaced: at once if it
 * had finished a task before, otherwise when work next arrives (so an entry that cannot
 * start does not respawn in a loop). Idle workers are unref'd: they never keep the
 * process alive; dispose() still terminates them.
 */
import type { Worker } from "node:worker_threads";
import { abortError, spawnWorker } from "../util/workers.js";

export { abortError };
import { NapariCudaError } from "../../protocol/index.js";
import { CPU_RENDER_ROLE, type BandResult, type BandTask, type WireError } from "./cpu-worker-protocol.js";

interface Pending {
  task: BandTask;
  resolve: () => void;
  reject: (err: unknown) => void;
  /** Called when the task leaves the queue (runs, or is failed by dispose). */
  dequeued: () => void;
}

interface Slot {
  worker: Worker;
  current: Pending | null;
  alive: boolean;
  completed: number;
}

function fromWire(e: WireError): NapariCudaError {
  return new NapariCudaError(e.code, e.message, e.path === undefined ? undefined : { path: e.path });
}

export class RenderWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Set<Worker>();
  private disposed = false;
  private spawnError: unknown = null;

  /** Start `size` workers on `entry`. */
  constructor(
    private readonly size: number,
    private readonly entry: string | URL,
  ) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  /** Worker threads started and not yet exited. */
  get liveWorkers(): number {
    return this.running.size;
  }

  /** Run `task` on the next free worker; a task still queued when `signal` aborts is dropped (AbortError). */
  run(task: BandTask, signal?: AbortSignal): Promise<void> {
    if (this.disposed) return Promise.reject(new NapariCudaError("shutting_down", "renderer disposed"));
    return new Promise<void>((resolve, reject) => {
      // Listen for abort only while queued, so a long-lived signal collects no listeners.
      const onAbort = (): void => {
        const i = this.queue.indexOf(pending);
        if (i < 0) return;
        this.queue.splice(i, 1);
        reject(abortError(signal!));
      };
      const dequeued = (): void => signal?.removeEventListener("abort", onAbort);
      const pending: Pending = { task, resolve, reject, dequeued };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(pending);
      this.pump();
    });
  }

  /** Terminate every worker and fail queued/running tasks with shutting_down. Never throws. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const err = new NapariCudaError("shutting_down", "renderer disposed");
    for (const p of this.queue.splice(0)) {
      p.dequeued();
      p.reject(err);
    }
    const exits: Promise<unknown>[] = [];
    for (const slot of this.slots.splice(0)) {
      slot.alive = false;
      slot.current?.reject(err);
      slot.current = null;
      exits.push(slot.worker.terminate().catch(() => undefined));
    }
    await Promise.all(exits);
  }

  private spawn(): Slot | null {
    let worker: Worker;
    try {
      worker = spawnWorker(this.entry, CPU_RENDER_ROLE);
    } catch (err) {
      this.spawnError = err;
      return null;
    }
    const slot: Slot = { worker, current: null, alive: true, completed: 0 };
    this.slots.push(slot);
    this.running.add(worker);
    worker.unref();
    worker.on("message", (result: BandResult) => this.onResult(slot, result));
    worker.on("error", (err) => this.onFailure(slot, err));
    worker.on("exit", (code) => {
      this.running.delete(worker);
      this.onFailure(slot, new Error(`render worker exited with code ${code}`));
    });
    return slot;
  }

  private onResult(slot: Slot, result: BandResult): void {
    const p = slot.current;
    slot.current = null;
    slot.completed++;
    if (!this.disposed) {
      slot.worker.unref();
      this.pump();
    }
    if (!p) return;
    if (result.ok) p.resolve();
    else p.reject(fromWire(result.error));
  }

  private onFailure(slot: Slot, err: unknown): void {
    if (!slot.alive) return;
    slot.alive = false;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    slot.current?.reject(new NapariCudaError("render_failed", `render worker failed: ${message}`, { cause: err }));
    slot.current = null;
    if (this.disposed) return;
    if (slot.completed > 0) this.spawn();
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.alive && s.current === null);
      if (!slot && this.slots.length < this.size) slot = this.spawn() ?? undefined;
      if (!slot && this.slots.length === 0) {
        // Not even one worker could start: fail the work instead of queueing it forever.
        const cause = this.spawnError;
        const message = `cannot start a render worker: ${cause instanceof Error ? cause.message : String(cause)}`;
        for (const p of this.queue.splice(0)) {
          p.dequeued();
          p.reject(new NapariCudaError("render_failed", message, { cause }));
        }
        return;
      }
      if (!slot) return;
      const p = this.queue.shift()!;
      p.dequeued();
      slot.current = p;
      slot.worker.ref();
      slot.worker.postMessage(p.task);
    }
  }
}
