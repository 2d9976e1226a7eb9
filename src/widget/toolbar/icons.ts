/** Small line icons for the viewer's buttons, built as SVG elements (no markup strings). */

const SVG_NS = "http://www.w3.org/2000/svg";

/** 16x16 path data per icon (stroked with the text colour; `fill` ones are filled). */
const ICONS = {
  square: { d: "M3 3h10v10H3z", fill: false },
  cube: { d: "M8 1.8l5.6 3v6.4L8 14.2l-5.6-3V4.8zM2.4 4.8L8 7.8l5.6-3M8 7.8v6.4", fill: false },
  fit: { d: "M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4", fill: false },
  camera: { d: "M1.8 5h3l1.4-2h3.6L11.2 5h3v8.2H1.8zM8 6.6a2.3 2.3 0 1 0 0 4.6a2.3 2.3 0 1 0 0-4.6z", fill: false },
  stats: { d: "M2 14h12M4 12V8M8 12V3.5M12 12V6", fill: false },
  keyboard: { d: "M1.5 4h13v8h-13zM4 6.5h1M7.5 6.5h1M11 6.5h1M4.5 9.5h7", fill: false },
  play: { d: "M5 3l8 5-8 5z", fill: true },
  stop: { d: "M4 4h8v8H4z", fill: true },
} as const;

export type IconName = keyof typeof ICONS;

/** A 14 px icon in the current text colour; hidden from assistive technology (buttons carry labels). */
export function icon(doc: Document, name: IconName): SVGSVGElement {
  const spec = ICONS[name];
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  svg.style.flex = "0 0 auto";
  const path = doc.createElementNS(SVG_NS, "path");
  path.setAttribute("d", spec.d);
  path.setAttribute("fill", spec.fill ? "currentColor" : "none");
  path.setAttribute("stroke", spec.fill ? "none" : "currentColor");
  path.setAttribute("stroke-width", "1.4");
  path.setAttribute("stroke-linejoin", "round");
  path.setAttribute("stroke-linecap", "round");
  svg.append(path);
  return svg;
}
