/**
 * The viewer's keyboard shortcuts, napari's defaults where a browser lets a page have them
 * (napari/utils/shortcuts.py: increment_dims_left/right, focus_axes_up/down, reset_view,
 * toggle_ndisplay, toggle_selected_visibility). Pure: the mapping from a key event to an action
 * and the list the help button and the README show.
 */

export type ShortcutAction =
  "step-left" | "step-right" | "axis-up" | "axis-down" | "reset-view" | "toggle-ndisplay" | "toggle-visibility";

/** One shortcut as the help lists it. */
export interface Shortcut {
  action: ShortcutAction;
  /** Keys as shown to the user. */
  keys: string;
  /** What it does. */
  does: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: "step-left", keys: "←", does: "previous step on the current dims axis" },
  { action: "step-right", keys: "→", does: "next step on the current dims axis" },
  { action: "axis-up", keys: "Alt+↑", does: "make the next slider the current dims axis" },
  { action: "axis-down", keys: "Alt+↓", does: "make the previous slider the current dims axis" },
  { action: "reset-view", keys: "Ctrl+R", does: "reset the view (fit the layers)" },
  { action: "toggle-ndisplay", keys: "Ctrl+Y", does: "switch between 2D and 3D" },
  { action: "toggle-visibility", keys: "V", does: "show or hide the selected (top) layer" },
];

/** The key event fields the mapping reads (a KeyboardEvent has them). */
export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/**
 * The action of a key press, or null. `inField`: the key went to a text field, slider or list
 * inside the viewer, which keeps its plain keys (arrows move a focused slider, V types a V); the
 * Ctrl shortcuts still apply there. Ctrl is Cmd on macOS, as in napari.
 */
export function shortcutAction(e: KeyLike, inField: boolean): ShortcutAction | null {
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl && !e.altKey && !e.shiftKey) {
    const k = e.key.toLowerCase();
    if (k === "r") return "reset-view";
    if (k === "y") return "toggle-ndisplay";
    return null;
  }
  if (ctrl || e.shiftKey) return null;
  if (e.altKey) {
    if (e.key === "ArrowUp") return "axis-up";
    if (e.key === "ArrowDown") return "axis-down";
    return null;
  }
  if (inField) return null;
  if (e.key === "ArrowLeft") return "step-left";
  if (e.key === "ArrowRight") return "step-right";
  if (e.key === "v" || e.key === "V") return "toggle-visibility";
  return null;
}

/** The help text: one shortcut a line ("Ctrl+R: reset the view …"). */
export function shortcutsText(): string {
  return SHORTCUTS.map((s) => `${s.keys}: ${s.does}`).join("\n");
}
