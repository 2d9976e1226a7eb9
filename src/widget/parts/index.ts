/**
 * The parts every view is built with, in order (DOM order within a slot follows it).
 * Each line is one concern; remove a line and the view works without it.
 */
import type { PartFactory } from "./part.js";
// <imports>
// </imports>

export const PARTS: readonly PartFactory[] = [
  // <parts>
  // </parts>
];
