/**
 * Requests on the stream that the daemon answers with one reply carrying the same `id` (pick ->
 * value, range -> range): ids, matching, and a null answer when no reply can come (not sent,
 * connection dropped, timed out, disposed).
 */

/** Pending requests of one kind, by id. */
export class Replies<T> {
  private readonly pending = new Map<number, { done: (v: T | null) => void; timer: ReturnType<typeof setTimeout> }>();
  private nextId = 1;

  /** @param timeoutMs a request with no reply after this long resolves null. */
  constructor(private readonly timeoutMs: number) {}

  /**
   * Send a request built around a fresh id; resolves with its reply, or null when `send` returns
   * false (not connected) or no reply comes.
   */
  request(send: (id: number) => boolean): Promise<T | null> {
    const id = this.nextId;
    this.nextId = (this.nextId % 0xffffffff) + 1;
    return new Promise((resolve) => {
      const done = (v: T | null): void => {
        clearTimeout(entry.timer);
        this.pending.delete(id);
        resolve(v);
      };
      const entry = { done, timer: setTimeout(() => done(null), this.timeoutMs) };
      this.pending.set(id, entry);
      if (!send(id)) done(null);
    });
  }

  /** A reply arrived (an unknown or late id is ignored). */
  answer(id: number, reply: T): void {
    this.pending.get(id)?.done(reply);
  }

  /** Answer every pending request with null (no reply is coming on this connection). */
  drop(): void {
    for (const p of [...this.pending.values()]) p.done(null);
  }
}
