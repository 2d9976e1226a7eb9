/** The widget view: Backbone/Lumino glue around a ViewerSession. */
import { DOMWidgetView } from "@jupyter-widgets/base";
import { PageConfig } from "@jupyterlab/coreutils";
import type { Message } from "@lumino/messaging";
import type { Camera, Canvas } from "../protocol/state.js";
import { ViewerSession, type SessionHost } from "./session.js";
import { showEnded } from "./hud/ended.js";
import { watchKernel } from "./hud/kernel-lost.js";
import type { EndReason } from "./hud/status.js";
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

const WATCHED = ["camera", "dims", "layers", "width", "height"] as const;
/** Synced traits that parts read (ViewContext.trait) and want to hear about. */
const OTHER_TRAITS = ["overlays", "debug_overlay", "predict"] as const;
/** Lumino messages after which the output area's width may have changed. */
const SIZE_MESSAGES = new Set(["resize", "after-show", "after-attach", "fit-request"]);

/**
 * The Jupyter server's base URL: JupyterLab's (and Notebook 7's) page config, else the classic
 * notebook's `data-base-url` on the body, else "/" (VS Code: no server page, the comm transport).
 */
function pageBaseUrl(doc: Document): string {
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
function sendUntracked(model: DOMWidgetView["model"], content: { type: string }): boolean {
  const comm = (model.comm as { jsServicesComm?: Partial<ServicesComm> } | undefined)?.jsServicesComm;
  if (comm === undefined || typeof comm.send !== "function") return false;
  try {
    comm.send({ method: "custom", content }, {}, [], true).dispose();
  } catch {
    // The comm is closed (the kernel went away): the message has nowhere to go, as over a closed socket.
  }
  return true;
}

/** View for napari_cuda.Viewer: a canvas showing the daemon's video, with mouse interaction. */
export class ViewerView extends DOMWidgetView {
  private session: ViewerSession | null = null;
  private unwatchKernel: (() => void) | null = null;
  private ended: HTMLElement | null = null;

  override render(): void {
    super.render();
    this.el.classList.add("napari-cuda-viewer");
    const session = new ViewerSession(this.el, this.host());
    this.session = session;
    this.listenTo(this.model, "msg:custom", (content: unknown, buffers?: DataView[]) =>
      session.onKernelMessage(content, buffers ?? []),
    );
    for (const key of OTHER_TRAITS) {
      this.listenTo(this.model, `change:${key}`, () => session.onTraitChange(key));
    }
    for (const key of WATCHED) {
      this.listenTo(this.model, `change:${key}`, (_m: unknown, _v: unknown, options?: { updated_view?: unknown }) => {
        // Our own writes are already the local state.
        if (options?.updated_view !== this) session.onModelChange(key);
      });
    }
    session.start();
    // A restarted or stopped kernel never answers this view again: say so, instead of retrying for ever.
    this.unwatchKernel = watchKernel(this.model, (reason) => this.end(reason));
  }

  override processLuminoMessage(msg: Message): void {
    super.processLuminoMessage(msg);
    if (SIZE_MESSAGES.has(msg.type)) this.session?.remeasure();
  }

  override remove(): unknown {
    try {
      this.unwatchKernel?.();
      this.session?.dispose();
    } catch {
      // dispose() does not throw; this guards removal against the unexpected.
    }
    this.unwatchKernel = null;
    this.session = null;
    return super.remove();
  }

  /** The kernel is gone: stop the session and show its last picture, dimmed, with what to do. */
  private end(reason: EndReason): void {
    if (this.ended !== null) return;
    // The session's canvas (display/view-dom.ts) keeps its last frame after the session lets go of it.
    const canvas = this.el.querySelector<HTMLCanvasElement>("canvas.napari-cuda-canvas");
    try {
      this.session?.dispose();
    } catch {
      // dispose() does not throw; the ended view is shown whatever happened.
    }
    this.session = null;
    const h: unknown = this.model.get("height");
    this.ended = showEnded(this.el, canvas, typeof h === "number" && h > 0 ? h : DEFAULT_HEIGHT, reason);
  }

  private host(): SessionHost {
    const model = this.model;
    const write = (key: string, value: unknown) => {
      model.set(key, value, { updated_view: this });
      this.touch();
    };
    return {
      modelId: model.model_id,
      location: window.location,
      baseUrl: () => pageBaseUrl(this.el.ownerDocument),
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
      sendToKernel: (msg) => this.send(msg),
      sendUntracked: (msg) => sendUntracked(model, msg),
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
}
