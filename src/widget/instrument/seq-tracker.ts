/**
 * Motion-to-photon bookkeeping: input time per state seq, retired when a displayed
 * frame's header says it includes that seq.
 */

/** Input times of seqs not yet seen on screen, oldest first; bounded. */
export class SeqTracker {
  private readonly seqs: number[] = [];
  private readonly times: number[] = [];

  constructor(private readonly capacity = 4096) {}

  /** Number of recorded seqs not yet displayed. */
  get pending(): number {
    return this.seqs.length;
  }

  /** Remember that `seq` was caused by an input at time `t` (ms). Seqs must increase. */
  record(seq: number, t: number): void {
    const last = this.seqs[this.seqs.length - 1];
    if (last !== undefined && seq <= last) return;
    if (this.seqs.length >= this.capacity) {
      this.seqs.shift();
      this.times.shift();
    }
    this.seqs.push(seq);
    this.times.push(t);
  }

  /**
   * A frame including every seq <= `frameSeq` was displayed at `now`: returns now minus the input
   * time of the earliest such seq not displayed before (null if none), and retires them all.
   */
  displayed(frameSeq: number, now: number): number | null {
    let n = 0;
    while (n < this.seqs.length && this.seqs[n]! <= frameSeq) n++;
    if (n === 0) return null;
    const m2p = now - this.times[0]!;
    this.seqs.splice(0, n);
    this.times.splice(0, n);
    return m2p;
  }

  clear(): void {
    this.seqs.length = 0;
    this.times.length = 0;
  }
}
