/**
 * Noticing that a view's kernel is gone, from what the page's widget manager and kernel connection
 * say: ipywidgets marks models `comm_live = false` when JupyterLab restarts the kernel; a restart
 * or shutdown from elsewhere (the REST API, another tab) shows on the kernel's IOPub channel as the
 * old kernel's `shutdown_reply`; an automatic restart after a crash as status "restarting" or
 * "autorestarting", and a kernel that could not be restarted as "dead".
 */
import type { EndReason } from "./status.js";

/** The end a kernel status means, or null. */
export function endOfStatus(status: unknown): EndReason | null {
  if (status === "restarting" || status === "autorestarting") return "kernel-restarted";
  if (status === "dead") return "kernel-stopped";
  return null;
}

/** The end an IOPub message means (the old kernel's shutdown reply), or null. */
export function endOfIopub(msg: unknown): EndReason | null {
  const m = msg as { header?: { msg_type?: unknown }; content?: { restart?: unknown } } | null;
  if (m?.header?.msg_type !== "shutdown_reply") return null;
  return m.content?.restart === true ? "kernel-restarted" : "kernel-stopped";
}

/** The bits of a Lumino signal used here. */
interface SignalLike<T> {
  connect(slot: (sender: unknown, value: T) => void): boolean;
  disconnect(slot: (sender: unknown, value: T) => void): boolean;
}

/** The bits of JupyterLab's IKernelConnection used here (duck-typed: the widget manager hands it out untyped). */
interface KernelLike {
  statusChanged?: SignalLike<unknown>;
  iopubMessage?: SignalLike<unknown>;
}

/** The bits of an ipywidgets model used here. */
export interface ModelLike {
  readonly comm_live: boolean;
  readonly widget_manager: unknown;
  on(event: string, fn: () => void): unknown;
  off(event: string, fn: () => void): unknown;
}

/**
 * Call `lost(reason)` (once) when the model's kernel goes away; returns the unsubscriber. A model
 * that has no live comm at the start is reported at once ("no-kernel").
 */
export function watchKernel(model: ModelLike, lost: (reason: EndReason) => void): () => void {
  let done = false;
  const end = (reason: EndReason | null) => {
    if (reason === null || done) return;
    done = true;
    lost(reason);
  };
  const onLive = () => {
    if (!model.comm_live) end("kernel-restarted");
  };
  // No "comm:close": that is viewer.close() in the kernel, after which ipywidgets removes the view itself.
  model.on("comm_live_update", onLive);
  const kernel = (model.widget_manager as { kernel?: KernelLike | null } | null)?.kernel ?? null;
  const onStatus = (_: unknown, status: unknown) => end(endOfStatus(status));
  const onIopub = (_: unknown, msg: unknown) => end(endOfIopub(msg));
  kernel?.statusChanged?.connect(onStatus);
  kernel?.iopubMessage?.connect(onIopub);
  if (!model.comm_live) end("no-kernel");
  return () => {
    done = true;
    model.off("comm_live_update", onLive);
    kernel?.statusChanged?.disconnect(onStatus);
    kernel?.iopubMessage?.disconnect(onIopub);
  };
}
