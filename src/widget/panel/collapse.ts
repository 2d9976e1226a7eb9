/**
 * Whether the panel is collapsed: the user's choice once made (for the view's lifetime), else
 * collapsed when the widget is narrow so the canvas keeps its room.
 */

/** Below this widget width (CSS px) the panel starts collapsed. */
export const NARROW_PX = 700;

/** `choice`: the user's last toggle (null: none yet); `width`: the widget's width (<= 0: not laid out). */
export function collapsedFor(choice: boolean | null, width: number): boolean {
  if (choice !== null) return choice;
  return width > 0 && width < NARROW_PX;
}
