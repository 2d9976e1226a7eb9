/**
 * A two-thumb range slider (the contrast limits): two native range inputs over one track, so each
 * thumb is Tab-reachable and keyboard operable and announced on its own ("contrast limit low",
 * "... high"). Only the thumbs take pointer input (styles.ts); the fill shows the span.
 */
import { el, keepKeys, setText } from "./dom.js";
import { DragHold } from "./hold.js";
import { formatValue, fraction, moveThumb, roundTo, stepOf, type Pair } from "./range.js";

export interface RangeSliderSpec {
  label: string;
  /** Accessible name prefix: "<name> low" / "<name> high". */
  name: string;
  className: string;
  /** The user moved a thumb: the new (ordered) pair. */
  onInput(value: Pair): void;
  onRelease(): void;
}

export class RangeSlider {
  readonly label: HTMLLabelElement;
  readonly box: HTMLDivElement;
  readonly readouts: HTMLDivElement;
  /** [low thumb, high thumb]. */
  readonly inputs: [HTMLInputElement, HTMLInputElement];
  private readonly fill: HTMLDivElement;
  private readonly texts: [HTMLSpanElement, HTMLSpanElement];
  private readonly holds: DragHold[];
  private range: Pair = [0, 1];
  private decimals = 0;
  private value: Pair = [0, 1];

  constructor(doc: Document, spec: RangeSliderSpec) {
    this.label = el(doc, "label", "napari-cuda-control-label", spec.label);
    this.box = el(doc, "div", `napari-cuda-range napari-cuda-control-wide ${spec.className}`);
    this.box.setAttribute("role", "group");
    this.box.setAttribute("aria-label", spec.name);
    const track = el(doc, "div", "napari-cuda-range-track");
    this.fill = el(doc, "div", "napari-cuda-range-fill");
    track.append(this.fill);
    const make = (which: "low" | "high"): HTMLInputElement => {
      const input = el(doc, "input", `napari-cuda-range-${which}`);
      input.type = "range";
      input.setAttribute("aria-label", `${spec.name} ${which}`);
      keepKeys(input);
      return input;
    };
    this.inputs = [make("low"), make("high")];
    this.label.htmlFor = this.inputs[0].id = `${spec.className}-${Math.random().toString(36).slice(2)}`;
    this.box.append(track, ...this.inputs);
    this.readouts = el(doc, "div", "napari-cuda-readouts");
    this.readouts.setAttribute("aria-hidden", "true");
    this.texts = [el(doc, "span", "napari-cuda-readout"), el(doc, "span", "napari-cuda-readout")];
    this.readouts.append(...this.texts);
    this.holds = this.inputs.map((input) => new DragHold(input, () => spec.onRelease()));
    this.inputs.forEach((input, i) => {
      input.addEventListener("input", () => {
        const moved = i as 0 | 1;
        const v = roundTo(input.valueAsNumber, this.decimals);
        const next = moveThumb(this.value, moved, v, this.range, stepOf(this.decimals));
        const pair: Pair = [roundTo(next[0], this.decimals), roundTo(next[1], this.decimals)];
        this.show(pair);
        spec.onInput(pair);
      });
    });
  }

  /** Whether the user is dragging a thumb. */
  get held(): boolean {
    return this.holds.some((h) => h.active);
  }

  /** Show `value` over `range` with `decimals`; the value waits while a thumb is dragged. */
  set(value: Pair, range: Pair, decimals: number): void {
    if (this.held) return;
    this.range = range;
    this.decimals = decimals;
    const step = String(stepOf(decimals));
    for (const input of this.inputs) {
      if (input.min !== String(range[0])) input.min = String(range[0]);
      if (input.max !== String(range[1])) input.max = String(range[1]);
      if (input.step !== step) input.step = step;
    }
    this.show(value);
  }

  /** The current pair (what the thumbs show). */
  get current(): Pair {
    return [this.value[0], this.value[1]];
  }

  cells(): HTMLElement[] {
    return [this.label, this.box, this.readouts];
  }

  dispose(): void {
    for (const h of this.holds) h.dispose();
  }

  private show(value: Pair): void {
    this.value = [value[0], value[1]];
    value.forEach((v, i) => {
      const input = this.inputs[i]!;
      const text = formatValue(v, this.decimals);
      if (input.value !== String(v)) input.value = String(v);
      input.setAttribute("aria-valuetext", text);
      setText(this.texts[i]!, text);
    });
    const [a, b] = [fraction(value[0], this.range), fraction(value[1], this.range)];
    // The track is inset by half a thumb, so its percentages are the thumbs' centres.
    this.fill.style.left = `${(a * 100).toFixed(3)}%`;
    this.fill.style.width = `${((b - a) * 100).toFixed(3)}%`;
    // When both thumbs sit at the top end, the low one must be on top to be grabbed.
    this.inputs[0].style.zIndex = a > 0.5 ? "2" : "1";
    this.inputs[1].style.zIndex = a > 0.5 ? "1" : "2";
  }
}
