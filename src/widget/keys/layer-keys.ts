/**
 * napari's layer shortcuts for the selected layer (napari/_app_model/constants/_default_shortcuts.py)
 * where they clash with none of the viewer's (shortcuts.ts): points 2 add, 3 select, 4 pan/zoom,
 * Delete/Backspace delete the selected points; labels 1 erase, 2 paint, 4 fill, 6 pan/zoom, [ and ]
 * the brush size, - and = the selected label, Ctrl+Z undo, Ctrl+Shift+Z redo (Cmd on macOS). Pure.
 */
import { modesOf, type Mode } from "../annotate/modes.js";
import type { KeyLike } from "./shortcuts.js";

export type LayerKeyAction =
  | { kind: "mode"; mode: Mode }
  | { kind: "delete" }
  | { kind: "undo" }
  | { kind: "redo" }
  | { kind: "brush"; by: number }
  | { kind: "label"; by: number };

const POINTS_KEYS: Record<string, Mode> = { "2": "add", "3": "select", "4": "pan_zoom" };
const LABELS_KEYS: Record<string, Mode> = { "1": "erase", "2": "paint", "4": "fill", "6": "pan_zoom" };

export const LAYER_SHORTCUTS: ReadonlyArray<{ keys: string; does: string }> = [
  { keys: "2 / 3 / 4", does: "points: add / select / pan-zoom mode" },
  { keys: "Delete", does: "points: delete the selected points" },
  { keys: "1 / 2 / 4 / 6", does: "labels: erase / paint / fill / pan-zoom mode" },
  { keys: "[ / ]", does: "labels: smaller / larger brush" },
  { keys: "- / =", does: "labels: previous / next label" },
  { keys: "Ctrl+Z / Ctrl+Shift+Z", does: "labels: undo / redo the last edit" },
];

/** The action of a key for a layer of `kind`, or null (the key goes on to the viewer's shortcuts). */
export function layerKeyAction(e: KeyLike, inField: boolean, kind: unknown): LayerKeyAction | null {
  const layer = { kind };
  if (modesOf(layer).length === 0 || e.altKey) return null;
  const ctrl = e.ctrlKey || e.metaKey;
  if (kind === "labels" && ctrl && e.key.toLowerCase() === "z") return { kind: e.shiftKey ? "redo" : "undo" };
  if (ctrl || inField) return null;
  if (kind === "points") {
    if (e.key === "Delete" || e.key === "Backspace") return { kind: "delete" };
    const mode = e.shiftKey ? undefined : POINTS_KEYS[e.key];
    return mode === undefined ? null : { kind: "mode", mode };
  }
  if (e.key === "[" || e.key === "]") return { kind: "brush", by: e.key === "[" ? -1 : 1 };
  if (e.key === "-" || e.key === "=") return { kind: "label", by: e.key === "-" ? -1 : 1 };
  const mode = e.shiftKey ? undefined : LABELS_KEYS[e.key];
  return mode === undefined ? null : { kind: "mode", mode };
}
