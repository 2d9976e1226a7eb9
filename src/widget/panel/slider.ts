/**
 * One labelled slider row (label | native range input | readout), as napari's labelled sliders.
 * A native <input type="range"> is Tab-reachable and operated with arrows/Page/Home/End as is.
 */
import { el, keepKeys, setText } from "./dom.js";
import { DragHold } from "./hold.js";
import { formatValue, roundTo, stepOf } from "./range.js";

export interface SliderSpec {
  /** Visible label (napari's, e.g. "opacity:"). */
  label: string;
  /** Accessible name (e.g. "opacity"). */
  name: string;
  /** Class for tests, e.g. "napari-cuda-opacity". */
  className: string;
  min: number;
  max: number;
  decimals: number;
  /** The user moved it (drag or key): the new value, rounded to `decimals`. */
  onInput(value: number): void;
  /** The user released it: catch up with the latest state. */
  onRelease(): void;
}

export class Slider {
  readonly label: HTMLLabelElement;
  readonly input: HTMLInputElement;
  readonly readout: HTMLSpanElement;
  private readonly hold: DragHold;
  private decimals: number;

  constructor(doc: Document, spec: SliderSpec) {
    const id = `${spec.className}-${Math.random().toString(36).slice(2)}`;
    this.label = el(doc, "label", "napari-cuda-control-label", spec.label);
    this.label.htmlFor = id;
    this.input = el(doc, "input", `napari-cuda-slider ${spec.className}`);
    this.input.type = "range";
    this.input.id = id;
    this.input.setAttribute("aria-label", spec.name);
    keepKeys(this.input);
    this.readout = el(doc, "span", "napari-cuda-readout");
    this.readout.setAttribute("aria-hidden", "true");
    this.decimals = spec.decimals;
    this.setRange(spec.min, spec.max, spec.decimals);
    this.hold = new DragHold(this.input, () => spec.onRelease());
    this.input.addEventListener("input", () => {
      const v = roundTo(this.input.valueAsNumber, this.decimals);
      this.showReadout(v);
      spec.onInput(v);
    });
  }

  /** Whether the user is dragging it (kernel values wait until release). */
  get held(): boolean {
    return this.hold.active;
  }

  /** The slider's bounds and precision. */
  setRange(min: number, max: number, decimals: number): void {
    this.decimals = decimals;
    const lo = String(min);
    const hi = String(max);
    const step = String(stepOf(decimals));
    if (this.input.min !== lo) this.input.min = lo;
    if (this.input.max !== hi) this.input.max = hi;
    if (this.input.step !== step) this.input.step = step;
  }

  /** Show `value` (from the state); ignored while the user drags the slider. */
  set(value: number): void {
    if (this.held) return;
    const text = String(value);
    if (this.input.value !== text) this.input.value = text;
    this.showReadout(value);
  }

  /** Show or hide the whole row. */
  setHidden(hidden: boolean): void {
    for (const node of [this.label, this.input, this.readout]) node.hidden = hidden;
  }

  setDisabled(disabled: boolean, why = ""): void {
    this.input.disabled = disabled;
    this.input.title = disabled ? why : "";
  }

  /** The row's elements, for the controls grid. */
  cells(): HTMLElement[] {
    return [this.label, this.input, this.readout];
  }

  dispose(): void {
    this.hold.dispose();
  }

  private showReadout(v: number): void {
    const text = formatValue(v, this.decimals);
    setText(this.readout, text);
    this.input.setAttribute("aria-valuetext", text);
  }
}
