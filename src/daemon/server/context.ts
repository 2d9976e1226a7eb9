/** What sessions need from the daemon: one object built in daemon.ts, passed to every session. */
import type { DaemonConfig } from "../config.js";
import type { ChunkStore } from "../data/chunk-store.js";
import type { ImageSource } from "../data/source-types.js";
import type { LayerData } from "../data/types.js";
import type { DaemonMetrics } from "../metrics/index.js";
import type { StillChooser } from "../scene/choosers.js";
import type { LayerEntry, Selection } from "../scene/layer-entry.js";
import type { SceneAssembler } from "../scene/resolve.js";
import type { VideoEncoder } from "../encode/types.js";
import type { Renderer } from "../render/types.js";
import type { Tokens } from "./auth.js";
import type { ChunkLinks } from "./chunk-links.js";
import type { H264Profile } from "./codec.js";
import type { ViewHub } from "./view-hub.js";

/** Viewers and their layer data (backed by the data store). */
export interface ViewerDirectory {
  /** Make sure a viewer exists (a view may connect before any data arrives). */
  open(viewerId: string): void;
  /** Layers of a viewer by layer id; empty for an unknown viewer. */
  layers(viewerId: string): ReadonlyMap<string, LayerEntry>;
  /** Store a layer's array (copied into shared memory); throws invalid_data / too_large. */
  setLayer(viewerId: string, layerId: string, dtype: LayerData["dtype"], shape: number[], bytes: Uint8Array): void;
  /** Open a dataset as a layer; throws not_found / invalid_source / invalid_message. */
  openLayer(viewerId: string, layerId: string, uri: string, select: readonly Selection[]): Promise<LayerEntry>;
  /** Show a kernel-served source as a layer (replacing any layer with that id); creates the viewer. */
  openKernelLayer(viewerId: string, layerId: string, source: ImageSource): LayerEntry;
  /** Throws unknown_viewer / unknown_layer. */
  removeLayer(viewerId: string, layerId: string): void;
  /** Drop a viewer and its data; false when it did not exist. */
  close(viewerId: string): boolean;
  readonly count: number;
}

/** Creates per-view encoders; throws NapariCudaError encoder_unavailable when there is no usable ffmpeg. */
export interface EncoderFactory {
  /**
   * `pixelFormat`: what the renderer's frames carry best (the GPU delivers NV12). `still`: the 4:4:4
   * libx264 encoder for frames at rest (RGBA only; asked for only when describe() says `stills`).
   * `spare`: opened ahead of its first frame, only in a free slot of the encoder budget (encode/budget.ts).
   */
  create(
    width: number,
    height: number,
    profile: H264Profile,
    pixelFormat?: "rgba" | "nv12",
    still?: boolean,
    spare?: boolean,
  ): Promise<VideoEncoder>;
  /**
   * What info() reports: encoder name and why, ffmpeg path (null when none was found); `stills`: 4:4:4
   * stills can be made (libx264 present, NAPARI_CUDA_STILL_CRF not off).
   */
  describe(): Promise<{ encoder: string; reason: string; ffmpeg: string | null; stills?: boolean }>;
}

export interface DaemonContext {
  readonly config: DaemonConfig;
  readonly tokens: Tokens;
  readonly renderer: Renderer;
  readonly backend: { name: string; reason: string };
  /** Encoder input the renderer delivers best: "nv12" (GPU, converted there) or "rgba". */
  readonly pixelFormat: "rgba" | "nv12";
  readonly encoders: EncoderFactory;
  readonly viewers: ViewerDirectory;
  readonly hub: ViewHub;
  /** Dataset chunks (cache + loader), region assembly, and napari's still-image level rule. */
  readonly scene: { store: ChunkStore; assembler: SceneAssembler; still: StillChooser };
  /** The kernels' chunk servers on /chunks (the fetcher of kernel-served sources). */
  readonly chunkLinks: ChunkLinks;
  readonly metrics: DaemonMetrics;
  /** Start a graceful shutdown (the `shutdown` op). */
  requestShutdown(reason: string): void;
}
