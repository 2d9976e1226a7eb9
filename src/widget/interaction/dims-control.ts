/**
 * What a dims slider move does, framework-free: the local state changes at once (the caller sends
 * it to the daemon), and `dims` is written to the model throttled, plus a final write on release,
 * so the kernel sees every position the user settled on.
 */
import { withStep } from "../state/dims-model.js";
import type { LocalViewerState } from "../state/state-sync.js";
import { Throttle } from "../util/throttle.js";
import { realTimers, type Timers } from "../util/timers.js";
import type { DimsTrait } from "../state/traits.js";

/** Minimum time between two dims writes to the model while a slider moves (ms). */
export const DIMS_WRITE_MS = 100;

export interface DimsControlHost {
  state: LocalViewerState;
  /** The local state changed (new `seq`): send it to the daemon. */
  send(seq: number, inputTime: number): void;
  /** Write the dims trait to the model. */
  write(dims: DimsTrait): void;
}

/** Slider moves -> local state now, model throttled. */
export class DimsControl {
  private readonly throttle: Throttle;

  constructor(
    private readonly host: DimsControlHost,
    private readonly timers: Timers = realTimers,
  ) {
    this.throttle = new Throttle(() => this.writeNow(), DIMS_WRITE_MS, timers);
  }

  /** The slider of `axis` moved to `value`; false when that changed nothing. */
  move(axis: number, value: number, inputTime: number): boolean {
    const next = withStep(this.host.state.dims, axis, value);
    if (next === null) return false;
    this.host.send(this.host.state.setDims(next), inputTime);
    this.throttle.request();
    return true;
  }

  /** The slider was released (or a key press ended): write a pending position now. */
  release(): void {
    this.throttle.flush();
  }

  dispose(): void {
    this.throttle.flush();
    this.throttle.dispose();
  }

  private writeNow(): void {
    const dims = this.host.state.dims;
    this.host.state.noteDimsWrite(dims, this.timers.now());
    this.host.write(dims);
  }
}
