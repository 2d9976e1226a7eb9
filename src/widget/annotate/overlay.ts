/**
 * The annotation overlay: a canvas over the video (in the overlay slot, pointer-events none) on which
 * the browser draws edits at once (a new point, moved points, a stroke's discs in the label's colour)
 * until the daemon's frame shows them, plus the brush under the cursor and the selection highlight.
 * Shapes are in world units; the camera maps them to the screen as the video's own pixels.
 */
import { cssSize, worldToScreen, type Vec2 } from "../../protocol/camera.js";
import type { Camera, Canvas } from "../../protocol/state.js";

export type Shape =
  /** A point marker (napari's default look unless the layer says otherwise). */
  | { kind: "marker"; world: Vec2; diameter: number; face: string; border: string }
  /** A selected point's highlight (napari's blue outline). */
  | { kind: "highlight"; world: Vec2; diameter: number }
  /** A stroke: discs of `radius` (world units), in `color` (null: erasing). */
  | { kind: "stroke"; discs: Vec2[]; radius: number; color: string | null; alpha: number }
  /** The brush outline under the cursor. */
  | { kind: "brush"; world: Vec2; radius: number }
  /** Where a fill was clicked, until its frame arrives. */
  | { kind: "fill"; world: Vec2; color: string | null };

export const HIGHLIGHT = "rgb(0, 153, 255)";
const ERASE_FILL = "rgba(0, 0, 0, 0.55)";

export class Overlay {
  readonly el: HTMLCanvasElement;
  private readonly g: CanvasRenderingContext2D | null;
  /** Nothing is drawn on the canvas now. */
  private blank = true;

  constructor(doc: Document) {
    this.el = doc.createElement("canvas");
    this.el.className = "napari-cuda-annotate-overlay";
    Object.assign(this.el.style, { position: "absolute", inset: "0", width: "100%", height: "100%" });
    this.g = this.el.getContext("2d");
  }

  /** Draw `shapes` for `camera` on a canvas of `canvas` device px (nothing before it is measured). */
  draw(shapes: readonly Shape[], camera: Camera, canvas: Canvas | null): void {
    const g = this.g;
    if (g === null || canvas === null) return;
    if (this.el.width !== canvas.width || this.el.height !== canvas.height) {
      this.el.width = canvas.width;
      this.el.height = canvas.height;
      this.blank = true;
    }
    // Nothing to draw on a blank overlay: leave the canvas untouched. Every camera move asks for a
    // redraw, and a cleared canvas is a changed one that the browser hands to the compositor again:
    // that doubled the changed canvases per frame of a drag, each of which holds the main thread in
    // the commit (docs/latency.md, "what a changed canvas costs").
    if (shapes.length === 0 && this.blank) return;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, canvas.width, canvas.height);
    this.blank = shapes.length === 0;
    if (shapes.length === 0) return;
    g.setTransform(canvas.pixel_ratio, 0, 0, canvas.pixel_ratio, 0, 0);
    const css = cssSize(canvas);
    const at = (w: Vec2): Vec2 => worldToScreen(camera, canvas, w);
    for (const s of shapes) drawShape(g, s, at, camera.zoom, css);
  }
}

function drawShape(
  g: CanvasRenderingContext2D,
  s: Shape,
  at: (w: Vec2) => Vec2,
  zoom: number,
  css: { width: number; height: number },
): void {
  g.setLineDash([]);
  g.globalAlpha = 1;
  if (s.kind === "stroke") {
    const r = Math.max(0.5, s.radius * zoom);
    g.beginPath();
    for (const d of s.discs) {
      const [x, y] = at(d);
      if (x < -r || y < -r || x > css.width + r || y > css.height + r) continue;
      g.moveTo(x + r, y);
      g.arc(x, y, r, 0, 2 * Math.PI);
    }
    // One path, filled once: overlapping discs do not darken each other.
    g.globalAlpha = s.color === null ? 1 : s.alpha;
    g.fillStyle = s.color ?? ERASE_FILL;
    g.fill("nonzero");
    return;
  }
  const [x, y] = at(s.world);
  if (s.kind === "marker") {
    const r = Math.max(1, (s.diameter * zoom) / 2);
    g.beginPath();
    g.arc(x, y, r, 0, 2 * Math.PI);
    g.fillStyle = s.face;
    g.fill();
    g.lineWidth = Math.max(1, r * 0.1);
    g.strokeStyle = s.border;
    g.stroke();
  } else if (s.kind === "highlight") {
    const r = Math.max(3, (s.diameter * zoom) / 2) + 2;
    g.beginPath();
    g.arc(x, y, r, 0, 2 * Math.PI);
    g.lineWidth = 2;
    g.strokeStyle = HIGHLIGHT;
    g.stroke();
  } else if (s.kind === "brush") {
    const r = Math.max(1, s.radius * zoom);
    g.beginPath();
    g.arc(x, y, r, 0, 2 * Math.PI);
    g.lineWidth = 1;
    g.strokeStyle = "rgba(255, 255, 255, 0.9)";
    g.stroke();
    g.setLineDash([3, 3]);
    g.strokeStyle = "rgba(0, 0, 0, 0.9)";
    g.stroke();
  } else {
    g.beginPath();
    g.arc(x, y, 6, 0, 2 * Math.PI);
    g.lineWidth = 3;
    g.strokeStyle = s.color ?? ERASE_FILL;
    g.stroke();
  }
}
