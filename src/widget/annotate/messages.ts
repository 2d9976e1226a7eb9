/**
 * The one custom message a view sends the kernel for an edit (kernel-bridge napari_cuda/_annotate.py
 * checks and applies it), and the kernel's answer. Positions are world (y, x) of the displayed plane;
 * `step` is the view's dims.current_step (the slice it showed). Pure.
 */

export type AnnotateOp =
  | { op: "add_point"; step: number[]; position: [number, number] }
  | { op: "select_point"; step: number[]; position: [number, number]; shift: boolean }
  | { op: "move_selected"; delta: [number, number] }
  | { op: "delete_selected" }
  | ({ op: "set_point_style" } & PointStyle)
  | { op: "paint"; step: number[]; positions: Array<[number, number]>; label: number; brush_size: number }
  | { op: "fill"; step: number[]; position: [number, number]; label: number }
  | { op: "undo" }
  | { op: "redo" };

/**
 * The points layer panel's style change (napari's current_size, current_face_color,
 * current_border_color, current_symbol): the kernel sets the layer's current values and restyles
 * the selected points. Colours are '#rrggbbaa'; symbols napari's names.
 */
export type PointStyle = {
  size?: number;
  face_color?: string;
  border_color?: string;
  symbol?: string;
};

export type AnnotateMessage = { type: "annotate"; id: string; layer_id: string } & AnnotateOp;

/** The kernel's answer to one message (sent to every view of the viewer; ids tell them apart). */
export interface AnnotateDone {
  id: string;
  ok: boolean;
  /** ok: the layer's data_version after the edit (its overlay stays until a frame past it). */
  version: number | null;
  error: string | null;
}

/** Most positions one stroke message carries (the kernel's MAX_STROKE). */
export const MAX_STROKE = 20_000;

export function annotateMessage(id: string, layerId: string, op: AnnotateOp): AnnotateMessage {
  return { type: "annotate", id, layer_id: layerId, ...op };
}

/** An `annotate_done` message from the kernel, else null. */
export function parseDone(content: Record<string, unknown>): AnnotateDone | null {
  if (content["type"] !== "annotate_done" || typeof content["id"] !== "string") return null;
  const version = content["version"];
  const error = content["error"];
  return {
    id: content["id"],
    ok: content["ok"] === true,
    version: typeof version === "number" && Number.isInteger(version) ? version : null,
    error: typeof error === "string" ? error : null,
  };
}
