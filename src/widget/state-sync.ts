/**
 * The view's local viewer state and its seq counter: interaction changes it at once; model
 * changes from the kernel are applied unless they are echoes of this view's own writes.
 */
import type { Camera } from "../protocol/state.js";
import { cameraEqual, toViewerState, type DimsTrait, type LayerTrait, type ViewerTraits } from "./traits.js";
import type { ViewerState } from "../protocol/state.js";

/** How long a camera this view wrote to the model is recognised as an echo (ms). */
export const ECHO_WINDOW_MS = 2000;
const MAX_RECENT_WRITES = 16;
const MAX_SEQ = 2 ** 32 - 1;

/** Local state + seq; pure bookkeeping (the caller sends messages and writes the model). */
export class LocalViewerState {
  seq = 0;
  private traits: ViewerTraits;
  private readonly recentWrites: Array<{ camera: Camera; at: number }> = [];

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

  /** Remember a camera this view wrote to the model, to recognise its echo. */
  noteWrite(camera: Camera, now: number): void {
    this.recentWrites.push({ camera, at: now });
    if (this.recentWrites.length > MAX_RECENT_WRITES) this.recentWrites.shift();
  }

  /** Apply a camera from the model; returns the new seq, or null when it is the local state or our own echo. */
  applyModelCamera(camera: Camera, now: number): number | null {
    if (cameraEqual(camera, this.traits.camera)) return null;
    const echo = this.recentWrites.some((w) => now - w.at <= ECHO_WINDOW_MS && cameraEqual(w.camera, camera));
    if (echo) return null;
    this.traits = { ...this.traits, camera };
    return this.bump();
  }

  /** Apply dims from the model; returns the new seq, or null when unchanged. */
  applyModelDims(dims: DimsTrait): number | null {
    if (JSON.stringify(dims) === JSON.stringify(this.traits.dims)) return null;
    this.traits = { ...this.traits, dims };
    return this.bump();
  }

  /** Apply layers from the model; returns the new seq, or null when unchanged. */
  applyModelLayers(layers: LayerTrait[]): number | null {
    if (JSON.stringify(layers) === JSON.stringify(this.traits.layers)) return null;
    this.traits = { ...this.traits, layers };
    return this.bump();
  }
}
