/** A labelled native <select> row (blending, interpolation, rendering): keyboard operable as is. */
import { el, keepKeys } from "./dom.js";

export interface ChoiceSpec {
  label: string;
  name: string;
  className: string;
  options: readonly string[];
  onChange(value: string): void;
}

export class Choice {
  readonly label: HTMLLabelElement;
  readonly select: HTMLSelectElement;

  constructor(doc: Document, spec: ChoiceSpec) {
    this.label = el(doc, "label", "napari-cuda-control-label", spec.label);
    this.select = el(doc, "select", `napari-cuda-control-wide ${spec.className}`);
    this.select.id = `${spec.className}-${Math.random().toString(36).slice(2)}`;
    this.label.htmlFor = this.select.id;
    this.select.setAttribute("aria-label", spec.name);
    keepKeys(this.select);
    for (const name of spec.options) this.select.append(this.option(name));
    this.select.addEventListener("change", () => spec.onChange(this.select.value));
  }

  /** Show `value`; a value the list lacks (e.g. a newer kernel's) is added rather than lost. */
  set(value: string): void {
    if (this.select.value === value) return;
    if (![...this.select.options].some((o) => o.value === value)) this.select.append(this.option(value));
    this.select.value = value;
  }

  setHidden(hidden: boolean): void {
    this.label.hidden = hidden;
    this.select.hidden = hidden;
  }

  cells(): HTMLElement[] {
    return [this.label, this.select];
  }

  private option(name: string): HTMLOptionElement {
    const o = this.select.ownerDocument.createElement("option");
    o.value = name;
    o.textContent = name;
    return o;
  }
}
