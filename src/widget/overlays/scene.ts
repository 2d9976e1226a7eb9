/**
 * What the overlays draw, as plain data in CSS pixels of the canvas (origin top-left): each overlay
 * builds a list of items from the viewer state (pure, unit-tested) and svg.ts turns them into SVG.
 */

/** A screen point (x, y) in CSS px. */
export type Pt = [number, number];

/** An open or closed polyline. */
export interface LineItem {
  kind: "line";
  points: Pt[];
  closed: boolean;
  color: string;
  width: number;
}

/** A filled polygon. */
export interface PolygonItem {
  kind: "polygon";
  points: Pt[];
  color: string;
}

/** A filled ellipse (radii rx along `angle` degrees from +x, ry across it). */
export interface EllipseItem {
  kind: "ellipse";
  at: Pt;
  rx: number;
  ry: number;
  angle: number;
  color: string;
}

/** A filled circle. */
export interface DotItem {
  kind: "dot";
  at: Pt;
  r: number;
  color: string;
}

/** One line of text; `at` is its anchor point (horizontal: anchor; vertical: baseline). */
export interface TextItem {
  kind: "text";
  at: Pt;
  text: string;
  color: string;
  /** Font size in CSS px. */
  size: number;
  anchor: "start" | "middle" | "end";
  baseline: "alphabetic" | "middle";
}

export type OverlayItem = LineItem | PolygonItem | EllipseItem | DotItem | TextItem;

/** A named group of items (one per overlay, or per layer for bounding boxes). */
export interface OverlayGroup {
  /** CSS class of the group, e.g. "napari-cuda-scale-bar". */
  name: string;
  /** data-* attributes of the group (e.g. {"layer-id": "..."}, {"label": "50 µm"}). */
  data: Record<string, string>;
  items: OverlayItem[];
}
