/**
 * The widget as an ES module for anywidget's loader: for frontends that load no prebuilt extension
 * and fetch third-party widget code only from a CDN by npm name (VS Code's Jupyter extension,
 * Google Colab). The kernel sends this module as the model's `_esm` trait and names anywidget,
 * whose own code those frontends fetch; the kernel bridge picks this route (NAPARI_CUDA_FRONTEND).
 *
 * The same ViewerSession as the extension's view runs here. anywidget hands render a proxy of the
 * model without its comm; the kernel names the model in `_napari_cuda_model_id`, and the widget
 * manager gives the model itself, whose comm sends relay messages untracked (as the extension's view
 * does: tracking each one's busy/idle cost 26 vs 41 fps through the comm in JupyterLab), and whose
 * kernel connection tells when the kernel is gone (the ended notice, as in the extension's view).
 * Unlike the extension's view, messages to the kernel carry no view callbacks, so output that the
 * kernel's handlers of this view's messages print goes to the kernel's log, not to the cell.
 *
 * Only a default export: anywidget (0.9-0.11) takes a module with a named `render` down its
 * deprecated route, with a warning.
 */
import { ViewerSession } from "./session.js";
import { showEnded } from "./hud/ended.js";
import { watchKernel, type ModelLike } from "./hud/kernel-lost.js";
import { DEFAULT_HEIGHT } from "./state/traits.js";
import { OTHER_TRAITS, sendUntracked, traitHost, WATCHED, type TraitModel } from "./trait-host.js";

/** The model anywidget hands to render (its model proxy). */
export interface AnyModel extends TraitModel {
  save_changes(): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
  on(name: string, callback: (...args: never[]) => void): void;
  off(name: string, callback: (...args: never[]) => void): void;
  readonly widget_manager?: { get_model?(id: string): Promise<unknown> | undefined };
}

/** The model behind anywidget's proxy (for its comm), or null, said once on the console, where the manager will not say. */
async function modelItself(model: AnyModel, id: string): Promise<(ModelLike & { comm?: unknown }) | null> {
  let why = "the kernel named no model";
  if (id !== "") {
    try {
      const found = await model.widget_manager?.get_model?.(id);
      if (typeof found === "object" && found !== null) return found as ModelLike & { comm?: unknown };
      why = `the widget manager has no model ${id}`;
    } catch (err) {
      why = `the widget manager could not give model ${id}: ${String(err)}`;
    }
  }
  console.warn(`napari-cuda: ${why}; relay messages go tracked (slower) and a lost kernel is not noticed in this view`);
  return null;
}

/** Render one view of the model into `el`; the returned function ends it (anywidget calls it on removal). */
async function render({ model, el }: { model: AnyModel; el: HTMLElement }): Promise<() => void> {
  el.classList.add("napari-cuda-viewer");
  const id = String(model.get("_napari_cuda_model_id") ?? "");
  const itself = await modelItself(model, id);
  const ours = {}; // the options of our own writes: their change events are not the kernel's
  const session = new ViewerSession(
    el,
    traitHost(model, el, {
      modelId: id,
      save: () => model.save_changes(),
      writeOptions: { napariCudaWrite: ours },
      sendToKernel: (msg) => model.send(msg),
      ...(itself !== null ? { sendUntracked: (msg: { type: string }) => sendUntracked(itself, msg) } : {}),
    }),
  );
  const listeners: [string, (...args: never[]) => void][] = [
    [
      "msg:custom",
      ((content: unknown, buffers?: DataView[]) => session.onKernelMessage(content, buffers ?? [])) as never,
    ],
  ];
  for (const key of OTHER_TRAITS) listeners.push([`change:${key}`, () => session.onTraitChange(key)]);
  for (const key of WATCHED) {
    const onChange = (_m: unknown, _v: unknown, options?: { napariCudaWrite?: unknown }) => {
      if (options?.napariCudaWrite !== ours) session.onModelChange(key);
    };
    listeners.push([`change:${key}`, onChange as never]);
  }
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      session.dispose();
    } catch {
      // dispose() does not throw; this guards removal against the unexpected.
    }
  };
  for (const [name, fn] of listeners) model.on(name, fn);
  try {
    session.start();
  } catch (err) {
    // anywidget removes listeners only once render has resolved: leave nothing behind.
    for (const [name, fn] of listeners) model.off(name, fn);
    stop();
    throw err;
  }
  // A restarted or stopped kernel never answers this view again: say so over its last picture.
  const unwatch =
    itself === null
      ? null
      : watchKernel(itself, (reason) => {
          const canvas = el.querySelector<HTMLCanvasElement>("canvas.napari-cuda-canvas");
          stop();
          const h: unknown = model.get("height");
          showEnded(el, canvas, typeof h === "number" && h > 0 ? h : DEFAULT_HEIGHT, reason);
        });
  return () => {
    unwatch?.();
    for (const [name, fn] of listeners) model.off(name, fn);
    stop();
  };
}

export default { render };
