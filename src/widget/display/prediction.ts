/**
 * The view's prediction state: on/off (the `predict` trait), the camera of every seq sent (so a
 * frame can be warped from its own camera) and the overscan the daemon is asked to render.
 */
import type { Camera, Canvas } from "../../protocol/state.js";
import type { Overscan } from "../../protocol/stream.js";
import { CameraLog, type PredictView } from "../predict/camera-log.js";
import { OverscanPolicy } from "../predict/overscan.js";
import { percentile } from "../instrument/samples.js";

/** Latency assumed before any motion-to-photon sample (ms). */
export const DEFAULT_LATENCY_MS = 100;
/** The overscan is sized from the median of this many recent true m2p samples. */
const LATENCY_SAMPLES = 30;

/** Median of the last LATENCY_SAMPLES motion-to-photon samples, or DEFAULT_LATENCY_MS. */
export function recentLatency(m2p: readonly number[]): number {
  return percentile(m2p.slice(-LATENCY_SAMPLES), 50) ?? DEFAULT_LATENCY_MS;
}

export class Prediction {
  private readonly log = new CameraLog();
  private readonly policy = new OverscanPolicy();
  private on: boolean;
  private lastCamera: Camera | null = null;

  constructor(on: boolean) {
    this.on = on;
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Turn prediction on or off; returns whether it changed (then the overscan changed too). */
  setEnabled(on: boolean): boolean {
    if (on === this.on) return false;
    this.on = on;
    this.policy.reset();
    this.lastCamera = null;
    return true;
  }

  /** The overscan to send with every state message and hello: none while prediction is off. */
  overscan(): Overscan {
    return this.on ? this.policy.current() : [0, 0];
  }

  /** A state with `seq` is sent showing `view`. */
  record(seq: number, view: PredictView): void {
    this.log.record(seq, view);
  }

  /** The view a frame rendered for `seq` shows. */
  viewAt(seq: number): PredictView | undefined {
    return this.log.at(seq);
  }

  /**
   * Feed the overscan policy (on a camera change, and now and then at rest so it can shrink);
   * true when the overscan changed. Nothing while prediction is off or the canvas is unknown.
   */
  feed(now: number, view: PredictView, canvas: Canvas | null, latencyMs: number): boolean {
    if (!this.on || canvas === null) return false;
    this.lastCamera = view.camera;
    return this.policy.update(now, view.camera, canvas, latencyMs, view.ndisplay) !== null;
  }

  /** Whether `camera` differs (by identity: the local state replaces it on change) from the last fed. */
  moved(camera: Camera): boolean {
    return camera !== this.lastCamera;
  }
}
