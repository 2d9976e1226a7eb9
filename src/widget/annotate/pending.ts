/**
 * Edits the browser draws itself until the daemon's video shows them. An edit goes: sent (drawn at
 * once) -> done (the kernel applied it: the layer's `data_version` is now `version`) -> waiting for
 * the seq at which this view first had that version (its state after the kernel's layer change goes
 * out under a new seq, after the daemon got the data) -> gone with the first frame of that seq or
 * later (at once when that frame is already on screen: the kernel's answer may come after the
 * layer change and its frame). A refused edit goes at once; one the kernel never answers goes after
 * STALE_MS. Pure.
 */

/** An edit the kernel never answered is dropped after this long (ms): a busy kernel answers later. */
export const STALE_MS = 30_000;

export interface Pending<S> {
  id: string;
  layerId: string;
  shapes: S;
  sentAt: number;
  /** The layer's data_version with the edit (after the kernel's answer). */
  version: number | null;
  /** The first state seq whose frames include the edit. */
  seq: number | null;
}

export class PendingEdits<S> {
  private readonly items = new Map<string, Pending<S>>();
  /** The latest seq a shown frame had. */
  private shown = -Infinity;

  get size(): number {
    return this.items.size;
  }

  list(): Pending<S>[] {
    return [...this.items.values()];
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  add(id: string, layerId: string, shapes: S, now: number): void {
    this.items.set(id, { id, layerId, shapes, sentAt: now, version: null, seq: null });
  }

  /** The kernel answered `id`; false when it is not ours. A refusal drops the edit. */
  done(id: string, ok: boolean, version: number | null): boolean {
    const item = this.items.get(id);
    if (item === undefined) return false;
    if (!ok || version === null) this.items.delete(id);
    else item.version = version;
    return true;
  }

  /**
   * The local state now has these layers' versions at `seq`: edits they include wait for that seq,
   * or go now when a frame of it was shown already; true when any went.
   */
  state(versions: ReadonlyMap<string, number>, seq: number): boolean {
    let gone = false;
    for (const [id, item] of this.items) {
      if (item.version === null || item.seq !== null) continue;
      const v = versions.get(item.layerId);
      if (v === undefined || v < item.version) continue;
      item.seq = seq;
      if (this.shown >= seq) {
        this.items.delete(id);
        gone = true;
      }
    }
    return gone;
  }

  /** A frame of `frameSeq` was shown: drop the edits it includes; true when any went. */
  frame(frameSeq: number): boolean {
    this.shown = Math.max(this.shown, frameSeq);
    let gone = false;
    for (const [id, item] of this.items) {
      if (item.seq !== null && frameSeq >= item.seq) {
        this.items.delete(id);
        gone = true;
      }
    }
    return gone;
  }

  /** Drop edits of layers that are gone and edits never answered; true when any went. */
  prune(layerIds: ReadonlySet<string>, now: number): boolean {
    let gone = false;
    for (const [id, item] of this.items) {
      if (!layerIds.has(item.layerId) || (item.version === null && now - item.sentAt > STALE_MS)) {
        this.items.delete(id);
        gone = true;
      }
    }
    return gone;
  }
}
