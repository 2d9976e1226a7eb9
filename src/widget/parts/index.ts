/**
 * The parts every view is built with, in order (DOM order within a slot follows it).
 * Each line is one concern; remove a line and the view works without it.
 */
import type { PartFactory } from "./part.js";
// <imports>
import { overlaysPart } from "../overlays/part.js";
import { statusBarPart } from "../statusbar/statusbar.js";
import { layerPanel } from "../panel/panel.js";
import { toolbarPart } from "../toolbar/toolbar.js";
import { keysPart } from "../keys/keys.js";
import { noticesPart } from "../hud/notices.js";
import { annotatePart } from "../annotate/part.js";
// </imports>

export const PARTS: readonly PartFactory[] = [
  // <parts>
  overlaysPart,
  statusBarPart,
  layerPanel,
  toolbarPart,
  keysPart,
  noticesPart,
  annotatePart,
  // </parts>
];
