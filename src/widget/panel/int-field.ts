/**
 * One labelled integer row (label | number input, with optional -/+ buttons), as napari's spin
 * boxes (the labels layer's label and contour). Typing writes each complete integer at once
 * (clamped to the bounds); text that is not one yet ("", "-") waits, and leaving the field shows
 * the value again. A kernel value replaces the text unless the user is typing that same value.
 */
import { el, keepKeys } from "./dom.js";
import { parseInteger } from "./rows.js";

export interface IntFieldSpec {
  /** Visible label (napari's, e.g. "label:"). */
  label: string;
  /** Accessible name. */
  name: string;
  /** Class of the input, for tests, e.g. "napari-cuda-selected-label". */
  className: string;
  min: number;
  max: number;
  /** -/+ buttons beside the input (napari's label has -/+ keys; mouse users get buttons). */
  stepButtons?: boolean;
  onChange(value: number): void;
}

export class IntField {
  readonly label: HTMLLabelElement;
  readonly box: HTMLDivElement;
  readonly input: HTMLInputElement;
  private shown: number | null = null;

  constructor(
    doc: Document,
    private readonly spec: IntFieldSpec,
    /** Shown before the input (the label's colour swatch). */
    before: HTMLElement[] = [],
  ) {
    const id = `${spec.className}-${Math.random().toString(36).slice(2)}`;
    this.label = el(doc, "label", "napari-cuda-control-label", spec.label);
    this.label.htmlFor = id;
    this.box = el(doc, "div", "napari-cuda-int napari-cuda-control-wide");
    this.input = el(doc, "input", `napari-cuda-int-input ${spec.className}`);
    this.input.type = "number";
    this.input.id = id;
    this.input.step = "1";
    this.input.min = String(spec.min);
    this.input.max = String(spec.max);
    this.input.setAttribute("aria-label", spec.name);
    keepKeys(this.input);
    this.box.append(...before, this.input);
    if (spec.stepButtons) this.box.append(this.button(doc, -1), this.button(doc, 1));
    this.input.addEventListener("input", () => {
      const v = parseInteger(this.input.value, spec.min, spec.max);
      if (v !== null) this.write(v);
    });
    // Enter or leaving the field: the text becomes the value (a clamped or unfinished entry).
    this.input.addEventListener("change", () => this.showValue());
    this.input.addEventListener("blur", () => this.showValue());
  }

  /** Show `value` (from the state). */
  set(value: number): void {
    const typing = this.input.ownerDocument.activeElement === this.input;
    if (typing && value === this.shown) return;
    this.shown = value;
    this.showValue();
  }

  /** The value shown (the last written or set), or null before any. */
  get value(): number | null {
    return this.shown;
  }

  cells(): HTMLElement[] {
    return [this.label, this.box];
  }

  private write(v: number): void {
    if (v === this.shown) return;
    this.shown = v;
    this.spec.onChange(v);
  }

  private showValue(): void {
    const text = this.shown === null ? "" : String(this.shown);
    if (this.input.value !== text) this.input.value = text;
  }

  private button(doc: Document, delta: -1 | 1): HTMLButtonElement {
    const b = el(doc, "button", `napari-cuda-int-step napari-cuda-int-${delta < 0 ? "dec" : "inc"}`);
    b.type = "button";
    b.textContent = delta < 0 ? "\u2212" : "+";
    const what = `${delta < 0 ? "decrease" : "increase"} ${this.spec.name}`;
    b.setAttribute("aria-label", what);
    b.title = what;
    keepKeys(b);
    b.addEventListener("click", () => {
      const base = this.shown ?? 0;
      const v = Math.min(this.spec.max, Math.max(this.spec.min, base + delta));
      this.write(v);
      this.showValue();
    });
    return b;
  }
}
