/**
 * The SessionHost over a widget model's synced traits. Shared by the two ways a page loads the
 * widget: the prebuilt extension's ViewerView (view.ts) and the ES module for anywidget's loader
 * (esm.ts), so both read and write the same traits the same way.
 */
import { PageConfig } from "@jupyterlab/coreutils";
import type { Camera, Canvas } from "../protocol/state.js";
import type { SessionHost } from "./session.js";
import type { LayerLevels } from "./state/meta.js";
import {
  DEFAULT_HEIGHT,
  readCamera,
  readDims,
  readLayers,
  type DimsTrait,
  type LayerTrait,
  type StreamInfoTrait,
} from "./state/traits.js";

/** Synced traits the view follows: a kernel write moves the local state. */
export const WATCHED = ["camera", "dims", "layers", "width", "height"] as const;
/** Synced traits that parts read (ViewContext.trait) and want to hear about. */
export const OTHER_TRAITS = ["overlays", "debug_overlay", "predict"] as const;

/** The model calls used here: Backbone's get and set, as both ipywidgets and anywidget hand them out. */
export interface TraitModel {
  get(key: string): unknown;
  set(key: string, value: unknown, options?: object): unknown;
}

/** What differs between the two loaders. */
export interface TraitHostOptions {
  modelId: string;
  /** Sends what set() changed to the kernel (DOMWidgetView.touch, or anywidget's save_changes). */
  save(): void;
  /** Passed to our own set() calls, so change listeners can tell them from the kernel's writes. */
  writeOptions: object;
  sendToKernel(msg: { type: string }): void;
  sendUntracked?(msg: { type: string }): boolean;
}

/**
 * The Jupyter server's base URL: JupyterLab's (and Notebook 7's) page config, else the classic
 * notebook's `data-base-url` on the body, else "/" (VS Code, Colab: no server page, the comm transport).
 */
export function pageBaseUrl(doc: Document): string {
  const lab = PageConfig.getOption("baseUrl");
  if (lab !== "") return PageConfig.getBaseUrl();
  return doc.body?.dataset["baseUrl"] || "/";
}

/** The @jupyterlab/services comm behind ipywidgets' comm shim, where there is one. */
interface ServicesComm {
  send(data: unknown, metadata?: unknown, buffers?: unknown[], disposeOnDone?: boolean): { dispose(): void };
}

/**
 * A custom message whose kernel future is dropped at once: the comm relay sends some hundred a second,
 * and tracking each one's busy/idle status took the page's main thread (kernel-bridge _comm_relay.py
 * then publishes no status for them). False where the comm is not a @jupyterlab/services one.
 */
export function sendUntracked(model: { comm?: unknown }, content: { type: string }): boolean {
  const comm = (model.comm as { jsServicesComm?: Partial<ServicesComm> } | undefined)?.jsServicesComm;
  if (comm === undefined || typeof comm.send !== "function") return false;
  try {
    comm.send({ method: "custom", content }, {}, [], true).dispose();
  } catch {
    // The comm is closed (the kernel went away): the message has nowhere to go, as over a closed socket.
  }
  return true;
}

/** A session host reading and writing `model`'s traits. */
export function traitHost(model: TraitModel, el: HTMLElement, opts: TraitHostOptions): SessionHost {
  const write = (key: string, value: unknown) => {
    model.set(key, value, opts.writeOptions);
    opts.save();
  };
  return {
    modelId: opts.modelId,
    location: window.location,
    baseUrl: () => pageBaseUrl(el.ownerDocument),
    traits: () => ({
      camera: readCamera(model.get("camera")),
      dims: readDims(model.get("dims")),
      layers: readLayers(model.get("layers")),
    }),
    widthTrait: () => {
      const w: unknown = model.get("width");
      return typeof w === "number" && w > 0 ? w : null;
    },
    heightTrait: () => {
      const h: unknown = model.get("height");
      return typeof h === "number" && h > 0 ? h : DEFAULT_HEIGHT;
    },
    sendToKernel: (msg) => opts.sendToKernel(msg),
    ...(opts.sendUntracked ? { sendUntracked: (msg: { type: string }) => opts.sendUntracked!(msg) } : {}),
    writeCamera: (camera: Camera) => write("camera", camera),
    writeDims: (dims: DimsTrait) => write("dims", dims),
    // The kernel's Viewer reads this (synced Dict) for `layer.data_level`.
    writeLayerLevels: (levels: LayerLevels) => write("layer_levels", levels),
    writeCanvas: (canvas: Canvas) => write("canvas", canvas),
    writeStreamInfo: (info: StreamInfoTrait) => write("stream_info", info),
    writeLayers: (layers: LayerTrait[]) => write("layers", layers),
    rawTrait: (name: string): unknown => model.get(name),
  };
}
