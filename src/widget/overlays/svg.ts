/**
 * Draws overlay groups (scene.ts) as SVG over the canvas. The picture is a handful of elements, so
 * each draw rebuilds it; text goes in with textContent (axis labels come from the kernel).
 */
import type { OverlayGroup, OverlayItem } from "./scene.js";

const NS = "http://www.w3.org/2000/svg";

/** A number for an SVG attribute (rounded: sub-1/1000 px digits change nothing on screen). */
function n(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

function el(doc: Document, tag: string, attrs: Record<string, string>): SVGElement {
  const e = doc.createElementNS(NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function itemElement(doc: Document, item: OverlayItem): SVGElement {
  switch (item.kind) {
    case "line":
      return el(doc, item.closed ? "polygon" : "polyline", {
        points: item.points.map(([x, y]) => `${n(x)},${n(y)}`).join(" "),
        fill: "none",
        stroke: item.color,
        "stroke-width": n(item.width),
        "stroke-linecap": "butt",
      });
    case "polygon":
      return el(doc, "polygon", {
        points: item.points.map(([x, y]) => `${n(x)},${n(y)}`).join(" "),
        fill: item.color,
      });
    case "ellipse":
      return el(doc, "ellipse", {
        cx: "0",
        cy: "0",
        rx: n(item.rx),
        ry: n(item.ry),
        fill: item.color,
        transform: `translate(${n(item.at[0])} ${n(item.at[1])}) rotate(${n(item.angle)})`,
      });
    case "dot":
      return el(doc, "circle", { cx: n(item.at[0]), cy: n(item.at[1]), r: n(item.r), fill: item.color });
    case "text": {
      const t = el(doc, "text", {
        x: n(item.at[0]),
        y: n(item.at[1]),
        fill: item.color,
        "font-size": n(item.size),
        "text-anchor": item.anchor,
        "dominant-baseline": item.baseline === "middle" ? "central" : "alphabetic",
        // A dark halo keeps the text readable over bright data.
        stroke: "rgba(0,0,0,0.6)",
        "stroke-width": "3",
        "paint-order": "stroke",
      });
      t.textContent = item.text;
      return t;
    }
  }
}

/** The SVG layer: one <svg> sized to the canvas's CSS box, redrawn with draw(). */
export class OverlaySvg {
  readonly el: SVGSVGElement;
  private lastKey = "";

  constructor(private readonly doc: Document) {
    this.el = doc.createElementNS(NS, "svg") as SVGSVGElement;
    this.el.setAttribute("class", "napari-cuda-overlays");
    Object.assign(this.el.style, {
      position: "absolute",
      left: "0",
      top: "0",
      overflow: "hidden",
      pointerEvents: "none",
      font: "13px system-ui, -apple-system, 'Segoe UI', sans-serif",
    });
  }

  /** Replace the picture with `groups` on a `width` x `height` CSS px canvas. */
  draw(groups: readonly OverlayGroup[], width: number, height: number): void {
    // Unchanged pictures and empty ones cost nothing: a rewritten SVG over the video canvas makes
    // the compositor redraw it every frame (720p pan on 2 cores: ~10 fps less).
    const key = JSON.stringify([groups, width, height]);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.el.style.display = groups.some((g) => g.items.length > 0) ? "" : "none";
    this.el.setAttribute("width", n(width));
    this.el.setAttribute("height", n(height));
    this.el.setAttribute("viewBox", `0 0 ${n(width)} ${n(height)}`);
    const children = groups.map((g) => {
      const group = el(this.doc, "g", { class: g.name });
      for (const [k, v] of Object.entries(g.data)) group.setAttribute(`data-${k}`, v);
      group.append(...g.items.map((item) => itemElement(this.doc, item)));
      return group;
    });
    this.el.replaceChildren(...children);
  }
}
