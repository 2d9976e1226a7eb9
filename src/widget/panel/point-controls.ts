/**
 * A points layer's style rows (napari's QtPointsControls): point size, symbol, face colour and
 * border colour. Each shows the layer's current value (what a new point gets: current_size, ...)
 * and a change is sent to the kernel as one `set_point_style` edit, which sets the current value
 * and restyles the selected points, as napari's controls do (the kernel's state then comes back).
 * Until it does (or PENDING_MS pass), the panel keeps showing what the user chose: an older state
 * arriving meanwhile would move the control back, and the next arrow key would step from there.
 */
import type { PointStyle } from "../annotate/messages.js";
import { Choice } from "./choice.js";
import { el, keepKeys } from "./dom.js";
import {
  currentStyle,
  POINT_SYMBOLS,
  rgbOf,
  sizeMax,
  withAlpha,
  type CurrentStyle,
  type PointsTrait,
} from "./point-style.js";
import { Slider } from "./slider.js";

type ColorKey = "face_color" | "border_color";

/** How long a sent value wins over the layer's state (ms): the kernel's answer takes a round trip. */
const PENDING_MS = 1000;

export class PointControls {
  private readonly size: Slider;
  private readonly symbol: Choice;
  private readonly face: ColorRow;
  private readonly border: ColorRow;
  private sent: { style: PointStyle; at: number } = { style: {}, at: -Infinity };

  constructor(doc: Document, sendStyle: (style: PointStyle) => void, release: () => void) {
    const send = (style: PointStyle): void => {
      const fresh = performance.now() - this.sent.at < PENDING_MS;
      this.sent = { style: { ...(fresh ? this.sent.style : {}), ...style }, at: performance.now() };
      sendStyle(style);
    };
    this.size = new Slider(doc, {
      label: "point size:",
      name: "point size",
      className: "napari-cuda-point-size",
      min: 1,
      max: 100,
      decimals: 0,
      onInput: (v) => send({ size: v }),
      onRelease: release,
    });
    this.symbol = new Choice(doc, {
      label: "symbol:",
      name: "symbol",
      className: "napari-cuda-symbol",
      options: POINT_SYMBOLS,
      onChange: (v) => send({ symbol: v }),
    });
    this.face = new ColorRow(doc, "face color:", "face color", "face_color", send);
    this.border = new ColorRow(doc, "border color:", "border color", "border_color", send);
  }

  /** Show a points layer's current style. */
  set(layer: PointsTrait): void {
    const s = this.shown(currentStyle(layer));
    this.size.setRange(1, sizeMax(s.size), 0);
    this.size.set(s.size);
    this.symbol.set(s.symbol);
    this.face.set(s.face);
    this.border.set(s.border);
  }

  /** The rows' cells by row name (controls.ts shows and hides them). */
  rows(): Record<"point size" | "symbol" | "face color" | "border color", HTMLElement[]> {
    return {
      "point size": this.size.cells(),
      symbol: this.symbol.cells(),
      "face color": this.face.cells(),
      "border color": this.border.cells(),
    };
  }

  dispose(): void {
    this.size.dispose();
  }

  /** The layer's style, with the values sent within PENDING_MS that it does not show yet. */
  private shown(s: CurrentStyle): CurrentStyle {
    if (performance.now() - this.sent.at >= PENDING_MS) return s;
    const p = this.sent.style;
    return {
      size: p.size ?? s.size,
      face: p.face_color ?? s.face,
      border: p.border_color ?? s.border,
      symbol: p.symbol ?? s.symbol,
    };
  }
}

/** label | native colour input (+ the '#rrggbbaa' it stands for as data-color, for tests). */
class ColorRow {
  private readonly label: HTMLLabelElement;
  private readonly box: HTMLDivElement;
  private readonly input: HTMLInputElement;
  private current = "#000000ff";

  constructor(doc: Document, text: string, name: string, key: ColorKey, send: (style: PointStyle) => void) {
    const cls = `napari-cuda-${key.replace("_", "-")}`;
    const id = `${cls}-${Math.random().toString(36).slice(2)}`;
    this.label = el(doc, "label", "napari-cuda-control-label", text);
    this.label.htmlFor = id;
    this.box = el(doc, "div", "napari-cuda-control-wide");
    this.input = el(doc, "input", cls);
    this.input.type = "color";
    this.input.id = id;
    this.input.setAttribute("aria-label", name);
    keepKeys(this.input);
    // "change": the colour the user settled on (one edit), not every hue on the way there.
    this.input.addEventListener("change", () => {
      this.current = withAlpha(this.input.value, this.current);
      this.input.dataset["color"] = this.current;
      send({ [key]: this.current });
    });
    this.box.append(this.input);
  }

  set(hex8: string): void {
    this.current = hex8;
    this.input.dataset["color"] = hex8;
    this.input.title = hex8;
    if (this.input.value !== rgbOf(hex8)) this.input.value = rgbOf(hex8);
  }

  cells(): HTMLElement[] {
    return [this.label, this.box];
  }
}
