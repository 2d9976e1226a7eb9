/**
 * The contract between a view's session and its parts (layer panel, status bar, toolbar,
 * overlays, ...). A part gets a ViewContext, builds its DOM into the slots, listens to events,
 * changes the viewer through the context's setters (which update the local state at once, send it
 * to the daemon and write the model), and is disposed with the view. Parts never talk to each
 * other directly: everything goes through the shared state and events, so each can be removed
 * alone.
 */
import type { Camera, Canvas } from "../../protocol/state.js";
import type { StreamConfig, StreamMeta } from "../../protocol/stream.js";
import type { ViewStats } from "../instrument/stats.js";
import type { ViewStatus } from "../hud/status.js";
import type { StreamPipeline } from "../stream/pipeline.js";
import type { DimsTrait, LayerTrait } from "../state/traits.js";

/** Where parts put their DOM. Every slot exists; an empty one takes no space. */
export interface ViewSlots {
  /** The widget's element (outermost). */
  root: HTMLElement;
  /** Left of the canvas column: the layer panel. */
  side: HTMLElement;
  /** A row above the canvas: viewer buttons. */
  toolbar: HTMLElement;
  /** Positioned over the canvas (inset 0, pointer-events none): scale bar, axes, badges, HUD. */
  overlay: HTMLElement;
  /** Under the canvas, after the dims sliders: the status bar. */
  below: HTMLElement;
  /** The video canvas (its CSS box is the viewport; its pixel buffer is the decoded frame's size). */
  canvas: HTMLCanvasElement;
}

/** Events a part may listen to. */
export interface ViewEvents {
  /** The local viewer state changed (camera, dims or layers; from the user, a part or the kernel). */
  state: void;
  /** A frame was drawn on the canvas. */
  frame: { displayedAt: number };
  /** A meta message arrived (layers' levels, loading count). */
  meta: StreamMeta;
  /** A new stream config (encoder, backend, size). */
  config: StreamConfig;
  /** The connection status or error text changed. */
  status: { status: ViewStatus; text: string; error: string | null };
  /** The canvas changed size (device px). */
  canvas: Canvas;
  /** A custom message from the kernel (besides the connection hand-off). */
  kernel: { content: Record<string, unknown>; buffers: DataView[] };
  /** A synced trait that no other event covers changed on the model (its name). */
  trait: string;
  /** The selected layer changed (its id, or null when no layer is left). */
  selection: string | null;
}

export type ViewEventName = keyof ViewEvents;

/** What a part can read and do. */
export interface ViewContext {
  readonly doc: Document;
  readonly slots: ViewSlots;
  readonly stats: ViewStats;
  /** The local state (what the canvas shows or is about to show). */
  camera(): Camera;
  /** The seq of the local state last sent to the daemon (a frame whose header seq is >= it shows it). */
  seq(): number;
  dims(): DimsTrait;
  layers(): LayerTrait[];
  /** Canvas in device px, null before the first measure. */
  canvas(): Canvas | null;
  meta(): StreamMeta | null;
  config(): StreamConfig | null;
  status(): { status: ViewStatus; text: string; error: string | null };
  /** A synced trait's raw value (e.g. "overlays", "debug_overlay"); undefined when absent. */
  trait(name: string): unknown;
  /**
   * The selected layer's id (this view's UI state, as napari's `layers.selection.active`): the
   * panel's selection, else the top layer; null when there are no layers.
   */
  selectedLayer(): string | null;
  /** Select a layer (emits "selection"); null goes back to the default; an unknown id is ignored. */
  selectLayer(id: string | null): void;
  /** The open stream pipeline, null while none is connected. */
  stream(): StreamPipeline | null;
  /** Change one layer's display properties (by id): local state now, daemon now, kernel soon. */
  setLayer(id: string, patch: Partial<LayerTrait>): void;
  /** Reorder the layers (ids bottom first, a permutation of the current ones). */
  moveLayers(ids: readonly string[]): void;
  /** Replace the camera (e.g. a reset): local state now, daemon now, kernel at once. */
  setCamera(camera: Camera): void;
  /** Replace the dims (e.g. ndisplay, a step): local state now, daemon now, kernel at once. */
  setDims(dims: DimsTrait): void;
  /** Send a custom message to the kernel's Viewer (ignored while no kernel listens). */
  sendToKernel(msg: { type: string; [key: string]: unknown }): void;
  /** Listen to an event; returns the unsubscriber. Listeners are removed on dispose. */
  on<K extends ViewEventName>(name: K, fn: (value: ViewEvents[K]) => void): () => void;
}

/** A part of the view. dispose() removes its DOM and listeners and never throws. */
export interface ViewPart {
  dispose(): void;
}

export type PartFactory = (ctx: ViewContext) => ViewPart;
