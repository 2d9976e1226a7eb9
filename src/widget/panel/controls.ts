/**
 * The selected layer's controls, in napari's order (QtImageControls): opacity, blending, contrast
 * limits, auto-contrast, gamma, colormap, interpolation; in 3D rendering, iso threshold (iso only)
 * and attenuation (attenuated_mip only). A labels layer shows its own rows instead (QtLabelsControls:
 * mode buttons, label, opacity, brush size, blending, contour, show selected; rows.ts), a points
 * layer its own (QtPointsControls: mode buttons, opacity, point size, blending, symbol, face and
 * border colour, out of slice; the style rows are sent as edits: point-controls.ts). Each change goes to the layer at once;
 * state shown by refresh() never moves a control the user is dragging.
 */
import { BLENDINGS, COLORMAP_NAMES, INTERPOLATIONS, RENDERINGS } from "../../protocol/colormaps.js";
import type { PointStyle } from "../annotate/messages.js";
import { brushSize, type AnnotatedLayer } from "../annotate/modes.js";
import type { LayerTrait } from "../state/traits.js";
import { ModeBar } from "../toolbar/mode-bar.js";
import { UNAVAILABLE_TEXT } from "./auto-contrast.js";
import { Choice } from "./choice.js";
import { ColormapPicker } from "./colormap-picker.js";
import { el, keepKeys } from "./dom.js";
import { LabelControls } from "./label-controls.js";
import { PointControls } from "./point-controls.js";
import { RangeSlider } from "./range-slider.js";
import { rangeDecimals, sliderRange, type Pair } from "./range.js";
import { ROWS, visibleRows, type RowName } from "./rows.js";
import { Slider } from "./slider.js";
import { layerLut } from "./swatch.js";

/** A layer patch, plus the trait-only keys the panel writes (colormap_lut). */
export type LayerPatch = Partial<LayerTrait> & { colormap_lut?: string | null; mode?: string; brush_size?: number };

export interface ControlsHost {
  /** The selected layer now, or null. */
  layer(): LayerTrait | null;
  ndisplay(): number;
  /** Change the selected layer. */
  setLayer(patch: LayerPatch): void;
  /** Restyle the selected points layer (its current values and selected points: an edit). */
  setPointStyle(style: PointStyle): void;
  canAutoContrast(): boolean;
  /** The contrast limits of the data on screen, or null. */
  autoContrast(): Promise<Pair | null>;
}

/** napari's blending modes that ignore opacity (of those we have). */
const NO_OPACITY = new Set<string>(["opaque"]);

export class LayerControls {
  readonly el: HTMLDivElement;
  private readonly opacity: Slider;
  private readonly blending: Choice;
  private readonly limits: RangeSlider;
  private readonly autoButton: HTMLButtonElement;
  private readonly gamma: Slider;
  private readonly colormap: ColormapPicker;
  private readonly interpolation: Choice;
  private readonly rendering: Choice;
  private readonly iso: Slider;
  private readonly attenuation: Slider;
  private readonly labels: LabelControls;
  private readonly points: PointControls;
  private readonly modes: ModeBar;
  private readonly brush: Slider;
  private readonly outOfSlice: HTMLInputElement;
  private readonly rows: Record<RowName, HTMLElement[]>;
  private autoBusy = false;

  constructor(
    doc: Document,
    private readonly host: ControlsHost,
  ) {
    this.el = el(doc, "div", "napari-cuda-controls");
    this.el.setAttribute("role", "group");
    this.el.setAttribute("aria-label", "layer controls");
    const release = () => this.refresh();
    const set = (patch: LayerPatch) => host.setLayer(patch);
    const slider = (label: string, name: string, key: keyof LayerTrait, min: number, max: number, decimals: number) =>
      new Slider(doc, {
        label,
        name,
        className: `napari-cuda-${name.replace(/ /g, "-")}`,
        min,
        max,
        decimals,
        onInput: (v) => set({ [key]: v }),
        onRelease: release,
      });
    const choice = (label: string, name: string, options: readonly string[], key: keyof LayerTrait) =>
      new Choice(doc, { label, name, className: `napari-cuda-${name}`, options, onChange: (v) => set({ [key]: v }) });

    this.opacity = slider("opacity:", "opacity", "opacity", 0, 1, 2);
    this.blending = choice("blending:", "blending", BLENDINGS, "blending");
    this.limits = new RangeSlider(doc, {
      label: "contrast limits:",
      name: "contrast limits",
      className: "napari-cuda-contrast-limits",
      onInput: (pair) => set({ contrast_limits: pair }),
      onRelease: release,
    });
    const autoLabel = el(doc, "span", "napari-cuda-control-label", "auto-contrast:");
    const autoBox = el(doc, "div", "napari-cuda-auto napari-cuda-control-wide");
    this.autoButton = el(doc, "button", "napari-cuda-auto-contrast", "once");
    this.autoButton.type = "button";
    this.autoButton.setAttribute("aria-label", "auto-contrast once: limits from the data on screen");
    this.autoButton.addEventListener("click", () => void this.runAutoContrast());
    autoBox.append(this.autoButton);
    this.gamma = slider("gamma:", "gamma", "gamma", 0.2, 2, 2);
    this.colormap = new ColormapPicker(doc, {
      names: COLORMAP_NAMES,
      onPick: (name) => set({ colormap: name as LayerTrait["colormap"], colormap_lut: null }),
    });
    this.interpolation = choice("interpolation:", "interpolation", INTERPOLATIONS, "interpolation");
    this.rendering = choice("rendering:", "rendering", RENDERINGS, "rendering");
    this.iso = slider("iso threshold:", "iso threshold", "iso_threshold", 0, 1, 3);
    this.attenuation = slider("attenuation:", "attenuation", "attenuation", 0, 0.5, 3);
    this.labels = new LabelControls(doc, set);
    this.points = new PointControls(doc, (style) => host.setPointStyle(style), release);
    this.modes = new ModeBar(doc, (mode) => set({ mode }));
    const modeLabel = el(doc, "span", "napari-cuda-control-label", "mode:");
    const modeBox = el(doc, "div", "napari-cuda-control-wide");
    modeBox.append(this.modes.el);
    // napari's brush size slider spans 1..40 data pixels (larger sizes from Python or with ]).
    this.brush = new Slider(doc, {
      label: "brush size:",
      name: "brush size",
      className: "napari-cuda-brush-size",
      min: 1,
      max: 40,
      decimals: 0,
      onInput: (v) => set({ brush_size: v }),
      onRelease: release,
    });
    const [outLabel, outBox, outBoxInput] = checkbox(
      doc,
      "out of slice:",
      "out of slice display",
      "napari-cuda-out-of-slice",
    );
    this.outOfSlice = outBoxInput;
    this.outOfSlice.addEventListener("change", () => set({ out_of_slice_display: this.outOfSlice.checked }));
    this.rows = {
      mode: [modeLabel, modeBox],
      "brush size": this.brush.cells(),
      "out of slice": [outLabel, outBox],
      ...this.labels.rows(),
      ...this.points.rows(),
      opacity: this.opacity.cells(),
      blending: this.blending.cells(),
      "contrast limits": this.limits.cells(),
      "auto-contrast": [autoLabel, autoBox],
      gamma: this.gamma.cells(),
      colormap: this.colormap.cells(),
      interpolation: this.interpolation.cells(),
      rendering: this.rendering.cells(),
      "iso threshold": this.iso.cells(),
      attenuation: this.attenuation.cells(),
    };
    this.el.append(...ROWS.flatMap((r) => this.rows[r]));
  }

  /** Show the selected layer's values (hidden when there is none). */
  refresh(): void {
    const layer = this.host.layer();
    this.el.hidden = layer === null;
    if (layer === null) return;
    const shown = new Set(visibleRows(layer, this.host.ndisplay()));
    for (const r of ROWS) for (const cell of this.rows[r]) cell.hidden = !shown.has(r);
    this.el.dataset["kind"] = layer.kind ?? "image";
    const extra = layer as LayerTrait & { contrast_limits_range?: unknown; colormap_lut?: unknown };
    this.opacity.set(layer.opacity);
    this.opacity.setDisabled(NO_OPACITY.has(layer.blending), `${layer.blending} blending ignores opacity`);
    this.blending.set(layer.blending);
    const range = sliderRange(layer, extra.contrast_limits_range);
    const decimals = rangeDecimals(range, layer.dtype);
    this.limits.set([layer.contrast_limits[0], layer.contrast_limits[1]], range, decimals);
    this.gamma.set(layer.gamma);
    if (!this.colormap.isOpen) this.colormap.set(layer.colormap, layerLut(extra));
    this.interpolation.set(layer.interpolation);
    this.rendering.set(layer.rendering);
    this.iso.setRange(range[0], range[1], decimals);
    this.iso.set(layer.iso_threshold);
    this.attenuation.set(layer.attenuation);
    if (shown.has("label")) this.labels.set(layer);
    if (shown.has("symbol")) this.points.set(layer);
    this.modes.set(layer, this.host.ndisplay());
    this.brush.set(brushSize(layer as AnnotatedLayer));
    this.outOfSlice.checked = layer.out_of_slice_display === true;
    this.refreshAuto();
  }

  /** Enable the auto-contrast button when the stream can answer (it connects after the panel starts). */
  refreshAuto(): void {
    const ok = this.host.canAutoContrast();
    this.autoButton.disabled = !ok || this.autoBusy;
    this.autoButton.title = ok ? "set the contrast limits to the range of the data on screen" : UNAVAILABLE_TEXT;
  }

  dispose(): void {
    for (const s of [this.opacity, this.limits, this.gamma, this.iso, this.attenuation, this.brush]) s.dispose();
    this.points.dispose();
  }

  private async runAutoContrast(): Promise<void> {
    if (this.autoBusy) return;
    this.autoBusy = true;
    this.refreshAuto();
    try {
      const pair = await this.host.autoContrast();
      if (pair !== null) this.host.setLayer({ contrast_limits: pair });
    } finally {
      this.autoBusy = false;
      this.refreshAuto();
    }
  }
}

/** A labelled checkbox row (label | box), as the labels' "show selected". */
function checkbox(
  doc: Document,
  text: string,
  name: string,
  className: string,
): [HTMLLabelElement, HTMLDivElement, HTMLInputElement] {
  const id = `${className}-${Math.random().toString(36).slice(2)}`;
  const label = el(doc, "label", "napari-cuda-control-label", text);
  label.htmlFor = id;
  const box = el(doc, "div", "napari-cuda-control-wide napari-cuda-check");
  const input = el(doc, "input", className);
  input.type = "checkbox";
  input.id = id;
  input.setAttribute("aria-label", name);
  keepKeys(input);
  box.append(input);
  return [label, box, input];
}
