/**
 * The view's local viewer state and its seq counter: interaction changes it at once; model
 * changes from the kernel are applied unless they are echoes of this view's own writes.
 */
import type { Camera } from "../../protocol/state.js";
import { cameraEqual, toViewerState, type DimsTrait, type LayerTrait, type ViewerTraits } from "./traits.js";
import type { ViewerState } from "../../protocol/state.js";
import { sameSteps } from "./dims-model.js";

/** How long a camera or dims this view wrote to the model is recognised as an echo (ms). */
export const ECHO_WINDOW_MS = 2000;
const MAX_RECENT_WRITES = 16;
const MAX_SEQ = 2 ** 32 - 1;

/** Values this view wrote to the model recently, to recognise their echoes. */
class RecentWrites<T> {
  private readonly items: Array<{ value: T; at: number }> = [];

  constructor(private readonly equal: (a: T, b: T) => boolean) {}

  note(value: T, now: number): void {
    this.items.push({ value, at: now });
    if (this.items.length > MAX_RECENT_WRITES) this.items.shift();
  }

  /**
   * Is `value` the echo of a recent write? Echoes come back in the order they were written, so a
   * match settles that write and every earlier one: a later kernel change that happens to equal an
   * old write is not mistaken for its echo.
   */
  isEcho(value: T, now: number): boolean {
    let k = -1;
    for (let i = 0; i < this.items.length; i++) {
      const w = this.items[i]!;
      if (now - w.at <= ECHO_WINDOW_MS && this.equal(w.value, value)) {
        k = i;
        break;
      }
    }
    if (k < 0) return false;
    this.items.splice(0, k + 1);
    return true;
  }
}

/** Local state + seq; pure bookkeeping (the caller sends messages and writes the model). */
export class LocalViewerState {
  seq = 0;
  private traits: ViewerTraits;
  private readonly cameraWrites = new RecentWrites<Camera>((a, b) => cameraEqual(a, b));
  private readonly stepWrites = new RecentWrites<readonly number[]>(sameSteps);
  private readonly layerWrites = new RecentWrites<string>((a, b) => a === b);

  constructor(initial: ViewerTraits) {
    this.traits = { camera: initial.camera, dims: initial.dims, layers: initial.layers };
  }

  get camera(): Camera {
    return this.traits.camera;
  }

  get dims(): DimsTrait {
    return this.traits.dims;
  }

  get layers(): LayerTrait[] {
    return this.traits.layers;
  }

  /** The wire snapshot of the current state. */
  wire(): ViewerState {
    return toViewerState(this.traits);
  }

  /** Next seq (monotonic; the wire caps it at 2^32-1). */
  bump(): number {
    this.seq = Math.min(MAX_SEQ, this.seq + 1);
    return this.seq;
  }

  /** A local interaction moved the camera: returns the new seq. */
  setCamera(camera: Camera): number {
    this.traits = { ...this.traits, camera };
    return this.bump();
  }

  /** A local slider moved: returns the new seq. */
  setDims(dims: DimsTrait): number {
    this.traits = { ...this.traits, dims };
    return this.bump();
  }

  /** A local control changed the layers (a property, or their order): returns the new seq. */
  setLayers(layers: LayerTrait[]): number {
    this.traits = { ...this.traits, layers };
    return this.bump();
  }

  /** Remember layers this view wrote to the model, to recognise their echo. */
  noteLayersWrite(layers: LayerTrait[], now: number): void {
    this.layerWrites.note(JSON.stringify(layers), now);
  }

  /** Remember a camera this view wrote to the model, to recognise its echo. */
  noteWrite(camera: Camera, now: number): void {
    this.cameraWrites.note(camera, now);
  }

  /** Remember a current_step this view wrote to the model, to recognise its echo. */
  noteDimsWrite(dims: DimsTrait, now: number): void {
    this.stepWrites.note([...dims.current_step], now);
  }

  /** Apply a camera from the model; returns the new seq, or null when it is the local state or our own echo. */
  applyModelCamera(camera: Camera, now: number): number | null {
    if (cameraEqual(camera, this.traits.camera)) {
      this.cameraWrites.isEcho(camera, now); // settles the writes up to this one
      return null;
    }
    if (this.cameraWrites.isEcho(camera, now)) return null;
    this.traits = { ...this.traits, camera };
    return this.bump();
  }

  /**
   * Apply dims from the model; returns the new seq, or null when unchanged or an echo of a step this
   * view wrote while its slider has moved on (the other fields are still taken from the model).
   */
  applyModelDims(dims: DimsTrait, now: number): number | null {
    const local = this.traits.dims;
    if (JSON.stringify(dims) === JSON.stringify(local)) {
      this.stepWrites.isEcho(dims.current_step, now); // settles the writes up to this one
      return null;
    }
    const staleEcho =
      dims.current_step.length === local.current_step.length &&
      !sameSteps(dims.current_step, local.current_step) &&
      this.stepWrites.isEcho(dims.current_step, now);
    const next = staleEcho ? { ...dims, current_step: [...local.current_step] } : dims;
    if (JSON.stringify(next) === JSON.stringify(local)) return null;
    this.traits = { ...this.traits, dims: next };
    return this.bump();
  }

  /**
   * Apply layers from the model; returns the new seq, or null when unchanged or an echo of layers
   * this view wrote while its controls have moved on (a slider dragged past a throttled write).
   */
  applyModelLayers(layers: LayerTrait[], now = 0): number | null {
    const text = JSON.stringify(layers);
    if (text === JSON.stringify(this.traits.layers)) {
      this.layerWrites.isEcho(text, now); // settles the writes up to this one
      return null;
    }
    if (this.layerWrites.isEcho(text, now)) return null;
    this.traits = { ...this.traits, layers };
    return this.bump();
  }
}
