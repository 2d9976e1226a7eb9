/** A complete layer trait for widget tests: napari's defaults, overridden per test. */
import type { LayerTrait } from "../../../src/widget/state/traits.js";

export function layerTrait(over: Partial<LayerTrait> & Record<string, unknown> = {}): LayerTrait {
  return {
    id: "a",
    name: "a",
    visible: true,
    opacity: 1,
    colormap: "gray",
    contrast_limits: [0, 1],
    gamma: 1,
    interpolation: "nearest",
    blending: "translucent",
    scale: [1, 1],
    translate: [0, 0],
    rendering: "mip",
    attenuation: 0.05,
    iso_threshold: 0.5,
    locked_data_level: null,
    kind: "image",
    num_colors: 49,
    seed: 0.5,
    selected_label: 1,
    show_selected_label: false,
    contour: 0,
    border_width: 0.05,
    border_width_is_relative: true,
    out_of_slice_display: false,
    antialiasing: 1,
    shape: [10, 20],
    dtype: "uint8",
    ...over,
  } as LayerTrait;
}
