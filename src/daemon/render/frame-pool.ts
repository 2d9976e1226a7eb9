/** Reusable RGBA output buffers over SharedArrayBuffer (workers write bands into them in place). */

export class FramePool {
  private bytes = 0;
  private free: Uint8Array[] = [];
  private readonly owned = new WeakSet<Uint8Array>();

  /** Keep at most `maxFree` released buffers, all of the most recent size. */
  constructor(private readonly maxFree = 3) {}

  /** A buffer of exactly `bytes` bytes (contents undefined); a size change drops the old buffers. */
  acquire(bytes: number): Uint8Array {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.free = [];
    }
    const reused = this.free.pop();
    if (reused) return reused;
    const buf = new Uint8Array(new SharedArrayBuffer(bytes));
    this.owned.add(buf);
    return buf;
  }

  /** Return a buffer from acquire() for reuse; foreign, stale-size or duplicate buffers are ignored. */
  release(buf: Uint8Array): void {
    if (!this.owned.has(buf) || buf.length !== this.bytes) return;
    if (this.free.length >= this.maxFree || this.free.includes(buf)) return;
    this.free.push(buf);
  }
}
