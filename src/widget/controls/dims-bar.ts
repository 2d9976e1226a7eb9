/**
 * The dims sliders under the canvas: one labelled `<input type="range">` per sliced axis (keyboard
 * accessible as is). Stable classes for tests: `.napari-cuda-dims` holds rows, each with a
 * `.napari-cuda-dims-slider[data-axis]`. Hidden when there is no slider.
 */
import { sliderText, type SliderSpec } from "../state/dims-model.js";

export interface DimsBarEvents {
  /** A slider moved (drag or key); `inputTime` on the performance.now() clock. */
  move(axis: number, value: number, inputTime: number): void;
  /** A slider was released or a key press committed its value. */
  release(): void;
}

interface Row {
  spec: SliderSpec;
  input: HTMLInputElement;
  value: HTMLSpanElement;
}

/** Layout key: rows are rebuilt only when the axes, labels or sizes change. */
function layoutKey(specs: readonly SliderSpec[]): string {
  return JSON.stringify(specs.map((s) => [s.axis, s.label, s.size]));
}

export class DimsBar {
  readonly el: HTMLDivElement;
  private rows: Row[] = [];
  private key = "";

  constructor(
    private readonly doc: Document,
    private readonly events: DimsBarEvents,
  ) {
    this.el = doc.createElement("div");
    this.el.className = "napari-cuda-dims";
    // Arrow keys on a focused slider move it, not the notebook's cell selection (Lumino shortcuts).
    this.el.setAttribute("data-lm-suppress-shortcuts", "true");
    Object.assign(this.el.style, {
      display: "none",
      gridTemplateColumns: "auto 1fr auto",
      alignItems: "center",
      columnGap: "8px",
      rowGap: "2px",
      padding: "4px 2px 0",
      font: "var(--jp-ui-font-size1, 12px) var(--jp-ui-font-family, system-ui, sans-serif)",
      color: "var(--jp-ui-font-color1, inherit)",
      lineHeight: "1.4",
    } satisfies Partial<CSSStyleDeclaration>);
  }

  /** Show these sliders (rebuilding rows only when the layout changed). */
  update(specs: readonly SliderSpec[]): void {
    const key = layoutKey(specs);
    if (key !== this.key) this.rebuild(specs, key);
    specs.forEach((spec, i) => {
      const row = this.rows[i];
      if (row === undefined) return;
      row.spec = spec;
      const v = String(spec.value);
      if (row.input.value !== v) row.input.value = v;
      row.input.setAttribute("aria-valuetext", `${spec.label} ${sliderText(spec)}`);
      const text = sliderText(spec);
      if (row.value.textContent !== text) row.value.textContent = text;
    });
    this.el.style.display = specs.length > 0 ? "grid" : "none";
  }

  private rebuild(specs: readonly SliderSpec[], key: string): void {
    this.key = key;
    this.el.replaceChildren();
    this.rows = specs.map((spec) => this.row(spec));
  }

  private row(spec: SliderSpec): Row {
    const id = `napari-cuda-dims-${Math.random().toString(36).slice(2)}`;
    const label = this.doc.createElement("label");
    label.className = "napari-cuda-dims-label";
    label.htmlFor = id;
    label.textContent = spec.label;
    const input = this.doc.createElement("input");
    input.type = "range";
    input.id = id;
    input.className = "napari-cuda-dims-slider";
    input.dataset["axis"] = String(spec.axis);
    // Lumino matches `...:focus` shortcut selectors at the focused input before reaching the bar's attribute.
    input.setAttribute("data-lm-suppress-shortcuts", "true");
    input.min = "0";
    input.max = String(spec.size - 1);
    input.step = "1";
    input.value = String(spec.value);
    Object.assign(input.style, { width: "100%", margin: "0", minWidth: "60px" });
    const value = this.doc.createElement("span");
    value.className = "napari-cuda-dims-value";
    Object.assign(value.style, { fontVariantNumeric: "tabular-nums", minWidth: "5ch", textAlign: "right" });
    const row: Row = { spec, input, value };
    input.addEventListener("input", (e) => this.events.move(row.spec.axis, Number(input.value), eventTime(e)));
    input.addEventListener("change", () => this.events.release());
    this.el.append(label, input, value);
    return row;
  }
}

/** Event time on the performance.now() clock (event.timeStamp when it is plausible). */
function eventTime(ev: Event): number {
  const now = performance.now();
  const t = ev.timeStamp;
  return Number.isFinite(t) && t <= now && t > now - 1000 ? t : now;
}
