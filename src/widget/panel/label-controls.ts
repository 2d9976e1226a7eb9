/**
 * A labels layer's own rows (napari's QtLabelsControls): the selected label, a number with -/+ and
 * a swatch of its colour (napari's colour box; the background 0 shows an empty, checkered box);
 * contour (outline width, 0..64 screen pixels); show selected (draw only the selected label); for
 * labels read from a Zarr store, whether the edits are in it (the view only shows it: writing the
 * store is the kernel's `labels.save()`, never the browser's).
 * Each edit is written to the layer at once, as the image controls' are.
 */
import { MAX_CONTOUR } from "../../protocol/state.js";
import type { LayerTrait } from "../state/traits.js";
import { labelCss } from "../util/label-swatch.js";
import { el, keepKeys } from "./dom.js";
import { IntField } from "./int-field.js";

type LabelPatch = Partial<Pick<LayerTrait, "selected_label" | "contour" | "show_selected_label">>;

export class LabelControls {
  readonly selected: IntField;
  readonly contour: IntField;
  readonly showLabel: HTMLLabelElement;
  readonly showBox: HTMLDivElement;
  readonly show: HTMLInputElement;
  readonly swatch: HTMLSpanElement;
  readonly storeLabel: HTMLSpanElement;
  readonly storeState: HTMLSpanElement;
  private layer: Pick<LayerTrait, "num_colors" | "seed" | "dtype"> | null = null;

  constructor(doc: Document, set: (patch: LabelPatch) => void) {
    this.swatch = el(doc, "span", "napari-cuda-label-swatch");
    this.swatch.setAttribute("role", "img");
    this.selected = new IntField(
      doc,
      {
        label: "label:",
        name: "selected label",
        className: "napari-cuda-selected-label",
        min: -Number.MAX_SAFE_INTEGER,
        max: Number.MAX_SAFE_INTEGER,
        stepButtons: true,
        onChange: (v) => {
          this.paintSwatch(v);
          set({ selected_label: v });
        },
      },
      [this.swatch],
    );
    this.contour = new IntField(doc, {
      label: "contour:",
      name: "contour",
      className: "napari-cuda-contour",
      min: 0,
      max: MAX_CONTOUR,
      onChange: (v) => set({ contour: v }),
    });
    const id = `napari-cuda-show-selected-${Math.random().toString(36).slice(2)}`;
    this.showLabel = el(doc, "label", "napari-cuda-control-label", "show selected:");
    this.showLabel.htmlFor = id;
    this.showBox = el(doc, "div", "napari-cuda-control-wide napari-cuda-check");
    this.show = el(doc, "input", "napari-cuda-show-selected");
    this.show.type = "checkbox";
    this.show.id = id;
    this.show.setAttribute("aria-label", "show selected label only");
    keepKeys(this.show);
    this.show.addEventListener("change", () => set({ show_selected_label: this.show.checked }));
    this.showBox.append(this.show);
    this.storeLabel = el(doc, "span", "napari-cuda-control-label", "store:");
    this.storeState = el(doc, "span", "napari-cuda-control-wide napari-cuda-store-state");
  }

  /** Show a labels layer's values. */
  set(layer: LayerTrait): void {
    this.layer = layer;
    this.selected.set(layer.selected_label);
    this.paintSwatch(this.selected.value ?? layer.selected_label);
    this.contour.set(layer.contour);
    this.show.checked = layer.show_selected_label;
    const unsaved = layer.unsaved === true;
    this.storeState.textContent = unsaved ? "unsaved edits: labels.save()" : "saved";
    this.storeState.dataset["unsaved"] = String(unsaved);
    this.storeState.title = unsaved
      ? `edits not written to ${layer.store ?? "the store"} yet: labels.save() in the kernel writes them`
      : `every edit is in ${layer.store ?? "the store"}`;
  }

  /** The rows' cells by row name (controls.ts shows and hides them). */
  rows(): { label: HTMLElement[]; contour: HTMLElement[]; "show selected": HTMLElement[]; store: HTMLElement[] } {
    return {
      label: this.selected.cells(),
      contour: this.contour.cells(),
      "show selected": [this.showLabel, this.showBox],
      store: [this.storeLabel, this.storeState],
    };
  }

  private paintSwatch(value: number): void {
    const css = this.layer === null ? null : labelCss(this.layer, value);
    this.swatch.style.background = css ?? "";
    this.swatch.dataset["empty"] = String(css === null);
    this.swatch.dataset["color"] = css ?? "";
    const what = css === null ? `label ${value}: transparent` : `label ${value}: ${css}`;
    this.swatch.setAttribute("aria-label", what);
    this.swatch.title = what;
  }
}
