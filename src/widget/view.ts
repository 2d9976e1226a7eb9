/** The widget view: Backbone/Lumino glue around a ViewerSession. */
import { DOMWidgetView } from "@jupyter-widgets/base";
import type { Message } from "@lumino/messaging";
import { ViewerSession, type SessionHost } from "./session.js";
import { showEnded } from "./hud/ended.js";
import { watchKernel } from "./hud/kernel-lost.js";
import type { EndReason } from "./hud/status.js";
import { DEFAULT_HEIGHT } from "./state/traits.js";
import { OTHER_TRAITS, sendUntracked, traitHost, WATCHED } from "./trait-host.js";

/** Lumino messages after which the output area's width may have changed. */
const SIZE_MESSAGES = new Set(["resize", "after-show", "after-attach", "fit-request"]);

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
    return traitHost(model, this.el, {
      modelId: model.model_id,
      save: () => this.touch(),
      writeOptions: { updated_view: this },
      sendToKernel: (msg) => this.send(msg),
      sendUntracked: (msg) => sendUntracked(model, msg),
    });
  }
}
