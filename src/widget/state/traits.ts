/**
 * Synced trait shapes (snake_case, as the kernel writes them) and their
 * conversion to the wire's ViewerState. Pure: no DOM, no widget base classes.
 */
import type { Camera, Canvas, Dims, LayerState, ViewerState } from "../../protocol/state.js";

/** The `dims` trait: the wire's Dims plus the per-axis step counts the kernel keeps. */
export interface DimsTrait extends Dims {
  nsteps?: number[];
}

/** One entry of the `layers` trait: the wire's LayerState plus the data's shape and dtype. */
export interface LayerTrait extends LayerState {
  shape: number[];
  dtype: string;
  /** Labels read from a Zarr store: its location, and whether edits are not in it yet (kernel-only fields). */
  store?: string;
  unsaved?: boolean;
}

/** What the view writes into `stream_info` (read by the kernel's viewer.info()). */
export interface StreamInfoTrait {
  status: string;
  error: string | null;
  encoder: string | null;
  backend: string | null;
  encoder_reason: string | null;
  backend_reason: string | null;
  codec: string | null;
  fps: number;
  frames: number;
  width: number | null;
  height: number | null;
  transport: "proxy" | "direct" | "comm" | null;
}

export const DEFAULT_CAMERA: Camera = { center: [0, 0], zoom: 1, angles: [0, 0, 90] };
export const DEFAULT_DIMS: DimsTrait = { ndisplay: 2, current_step: [], axis_labels: [], nsteps: [] };
export const DEFAULT_HEIGHT = 600;

/** The trait values the view reads. */
export interface ViewerTraits {
  camera: Camera;
  dims: DimsTrait;
  layers: LayerTrait[];
}

/** Viewer state sent to the daemon: the trait values as they are (the daemon strips unknown keys). */
export function toViewerState(t: ViewerTraits): ViewerState {
  return {
    camera: { center: [...t.camera.center], zoom: t.camera.zoom, angles: [...t.camera.angles] },
    dims: { ndisplay: t.dims.ndisplay, current_step: [...t.dims.current_step], axis_labels: [...t.dims.axis_labels] },
    layers: t.layers.map((l) => ({ ...l })),
  };
}

/** Read a camera trait value defensively (the kernel may send partial or malformed values). */
export function readCamera(value: unknown): Camera {
  const v = (value ?? {}) as Partial<Camera>;
  const center = Array.isArray(v.center) && v.center.length >= 2 ? v.center.map(Number) : [...DEFAULT_CAMERA.center];
  const zoom = typeof v.zoom === "number" && v.zoom > 0 && Number.isFinite(v.zoom) ? v.zoom : DEFAULT_CAMERA.zoom;
  const a = Array.isArray(v.angles) && v.angles.length === 3 ? v.angles.map(Number) : DEFAULT_CAMERA.angles;
  return { center, zoom, angles: [a[0]!, a[1]!, a[2]!] };
}

/** Read a dims trait value defensively. */
export function readDims(value: unknown): DimsTrait {
  const v = (value ?? {}) as Partial<DimsTrait>;
  return {
    ndisplay: v.ndisplay === 3 ? 3 : 2,
    current_step: Array.isArray(v.current_step) ? v.current_step.map(Number) : [],
    axis_labels: Array.isArray(v.axis_labels) ? v.axis_labels.map(String) : [],
    nsteps: Array.isArray(v.nsteps) ? v.nsteps.map(Number) : [],
  };
}

/** Read a layers trait value (a list of objects); non-objects are dropped. */
export function readLayers(value: unknown): LayerTrait[] {
  if (!Array.isArray(value)) return [];
  return value.filter((l): l is LayerTrait => typeof l === "object" && l !== null);
}

/** Canvas equality (device size and pixel ratio). */
export function canvasEqual(a: Canvas | null, b: Canvas | null): boolean {
  if (a === null || b === null) return a === b;
  return a.width === b.width && a.height === b.height && a.pixel_ratio === b.pixel_ratio;
}

/** Camera equality within a relative tolerance (JSON round trips and float32 on the kernel side). */
export function cameraEqual(a: Camera, b: Camera, rtol = 1e-9): boolean {
  const close = (x: number, y: number) => Math.abs(x - y) <= rtol * Math.max(1, Math.abs(x), Math.abs(y));
  if (a.center.length !== b.center.length) return false;
  if (!a.center.every((v, i) => close(v, b.center[i]!))) return false;
  if (!close(a.zoom, b.zoom)) return false;
  return a.angles.every((v, i) => close(v, b.angles[i]!));
}
