/**
 * What a camera gesture does, framework-free: the local state changes at once (the caller sends it
 * to the daemon), and `camera` is written to the model throttled, plus a final write when the
 * gesture ends, so the kernel sees where the user stopped.
 */
import type { Camera, Canvas } from "../../protocol/state.js";
import type { InputTarget } from "./input.js";
import { resetCamera } from "./interaction.js";
import type { LocalViewerState } from "../state/state-sync.js";
import { Throttle } from "../util/throttle.js";
import { realTimers, type Timers } from "../util/timers.js";

/** Minimum time between two camera writes to the model during a gesture (ms). */
export const CAMERA_WRITE_MS = 100;

export interface CameraControlHost {
  state: LocalViewerState;
  canvas(): Canvas | null;
  /** The local state changed (new `seq`): send it to the daemon. */
  send(seq: number, inputTime: number): void;
  /** Write the camera trait to the model. */
  write(camera: Camera): void;
}

/** Camera gestures -> local state now, model throttled; also the InputBinding's target. */
export class CameraControl implements InputTarget {
  private readonly throttle: Throttle;

  constructor(
    private readonly host: CameraControlHost,
    private readonly timers: Timers = realTimers,
  ) {
    this.throttle = new Throttle(() => this.writeNow(), CAMERA_WRITE_MS, timers);
  }

  camera(): Camera {
    return this.host.state.camera;
  }

  canvas(): Canvas | null {
    return this.host.canvas();
  }

  ndisplay(): number {
    return this.host.state.dims.ndisplay;
  }

  apply(camera: Camera, inputTime: number): void {
    this.host.send(this.host.state.setCamera(camera), inputTime);
    this.throttle.request();
  }

  gestureEnd(): void {
    this.throttle.flush();
  }

  reset(inputTime: number): void {
    const canvas = this.host.canvas();
    const { state } = this;
    const cam = canvas === null ? null : resetCamera(state.camera, canvas, state.layers, state.dims.ndisplay);
    if (cam === null) return;
    this.apply(cam, inputTime);
    this.throttle.flush();
  }

  dispose(): void {
    this.throttle.flush();
    this.throttle.dispose();
  }

  private get state(): LocalViewerState {
    return this.host.state;
  }

  private writeNow(): void {
    const cam = this.host.state.camera;
    this.host.state.noteWrite(cam, this.timers.now());
    this.host.write(cam);
  }
}
