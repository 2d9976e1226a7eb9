/**
 * Sending edits: every `annotate` message gets an id unique to the view that sent it (the kernel
 * answers all views of the viewer; a view keeps only its own answers). Shared by the annotation part
 * and the keyboard shortcuts (Delete, Ctrl+Z), which reach the same view context.
 */
import type { ViewContext } from "../parts/part.js";
import { annotateMessage, type AnnotateOp } from "./messages.js";

const prefixes = new WeakMap<object, { prefix: string; next: number }>();

function entry(ctx: ViewContext): { prefix: string; next: number } {
  let e = prefixes.get(ctx);
  if (e === undefined) {
    e = { prefix: `e${Math.random().toString(36).slice(2, 10)}`, next: 1 };
    prefixes.set(ctx, e);
  }
  return e;
}

/** Send `op` for layer `layerId`; returns the message id. */
export function sendEdit(ctx: ViewContext, layerId: string, op: AnnotateOp): string {
  const e = entry(ctx);
  const id = `${e.prefix}-${e.next++}`;
  ctx.sendToKernel(annotateMessage(id, layerId, op));
  return id;
}

/** Whether `id` names an edit this view sent. */
export function ownEdit(ctx: ViewContext, id: string): boolean {
  return id.startsWith(`${entry(ctx).prefix}-`);
}
