/**
 * The kernels' chunk servers connected on /chunks, by server_id (one per kernel process). A kernel
 * source asks its server for chunks through this registry (KernelFetcher), so a layer outlives its
 * connection: a request made while its server is not connected waits for it (a kernel opens the
 * layer and connects at about the same time; a reconnecting one comes back), up to a deadline.
 * Requests the link loses fail with KernelLinkError, whose `back` (whenBack) says when to ask again.
 */
import { NapariCudaError } from "../../protocol/index.js";
import { KernelLinkError, type LinkLoss } from "../data/kernel-source.js";
import type { KernelChunk, KernelChunkRequest, KernelFetcher } from "../data/source-types.js";
import { deferred, type Deferred } from "../util/deferred.js";
import { abortError } from "../util/workers.js";

/** How long a chunk request waits for its chunk server to connect before failing with compute_failed. */
export const CONNECT_WAIT_MS = 30_000;

/** One live /chunks connection, as the registry uses it (chunk-session.ts). */
export interface ChunkLink {
  /** Ask the kernel for one chunk; see KernelFetcher for the errors. */
  request(req: KernelChunkRequest, signal: AbortSignal): Promise<KernelChunk>;
  /** Another connection took over this server_id: fail pending requests, close 1000. Never throws. */
  replaced(): void;
}

export class ChunkLinks implements KernelFetcher {
  private readonly live = new Map<string, ChunkLink>();
  private readonly waiting = new Map<string, Set<() => void>>();
  /** whenBack() promises by server id, resolved by the next attach. */
  private readonly returns = new Map<string, Deferred<void>>();
  private closed = false;

  /** `connectWaitMs`: how long a request waits for a server that is not connected. */
  constructor(private readonly connectWaitMs: number = CONNECT_WAIT_MS) {}

  /** Number of connected chunk servers. */
  get size(): number {
    return this.live.size;
  }

  /** Is a chunk server with this id connected? */
  has(serverId: string): boolean {
    return this.live.has(serverId);
  }

  /** `link` said hello as `serverId`: it serves that id from now on; the link it replaces is closed. */
  attach(serverId: string, link: ChunkLink): void {
    const old = this.live.get(serverId);
    this.live.set(serverId, link);
    if (old !== undefined && old !== link) old.replaced();
    const wake = this.waiting.get(serverId);
    this.waiting.delete(serverId);
    for (const w of wake ?? []) w();
    this.returns.get(serverId)?.resolve();
    this.returns.delete(serverId);
  }

  /**
   * Resolves when a link other than `lost` serves `serverId`: at once if one does now (it replaced
   * `lost`), else at its next attach. Never rejects (pending for good once the daemon stops).
   */
  whenBack(serverId: string, lost?: ChunkLink): Promise<void> {
    const now = this.live.get(serverId);
    if (now !== undefined && now !== lost) return Promise.resolve();
    let d = this.returns.get(serverId);
    if (!d) this.returns.set(serverId, (d = deferred<void>()));
    return d.promise;
  }

  /** The error of a request that `link` (or no link: never connected) lost for `serverId`. */
  lost(serverId: string, loss: LinkLoss, message: string, link?: ChunkLink): KernelLinkError {
    return new KernelLinkError(loss, serverId, message, this.whenBack(serverId, link));
  }

  /** `link` closed; a link that was replaced already is not removed again. */
  detach(serverId: string, link: ChunkLink): void {
    if (this.live.get(serverId) === link) this.live.delete(serverId);
  }

  async fetch(req: KernelChunkRequest, signal: AbortSignal): Promise<KernelChunk> {
    if (signal.aborted) throw abortError(signal, "chunk request");
    const link = this.live.get(req.serverId) ?? (await this.waitFor(req.serverId, signal));
    return link.request(req, signal);
  }

  /** Fail the requests waiting for a server (daemon stopping). Never throws. */
  close(): void {
    this.closed = true;
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const set of all) for (const w of set) w();
  }

  private waitFor(serverId: string, signal: AbortSignal): Promise<ChunkLink> {
    return new Promise<ChunkLink>((resolve, reject) => {
      if (this.closed) {
        reject(new NapariCudaError("shutting_down", "the daemon is stopping"));
        return;
      }
      let set = this.waiting.get(serverId);
      if (!set) this.waiting.set(serverId, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        set.delete(wake);
        if (set.size === 0 && this.waiting.get(serverId) === set) this.waiting.delete(serverId);
      };
      const wake = (): void => {
        done();
        const link = this.live.get(serverId);
        if (link) resolve(link);
        else reject(new NapariCudaError("shutting_down", "the daemon is stopping"));
      };
      const onAbort = (): void => {
        done();
        reject(abortError(signal, "chunk request"));
      };
      const timer = setTimeout(() => {
        done();
        const why = `the kernel that serves this layer (chunk server ${serverId}) is not connected (waited ${this.connectWaitMs} ms)`;
        reject(this.lost(serverId, "gone", why));
      }, this.connectWaitMs);
      timer.unref();
      set.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
