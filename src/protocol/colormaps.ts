/**
 * Colormap names accepted on the wire (napari's names). The lookup tables
 * themselves live with the renderers; this list is the contract.
 */
export const COLORMAP_NAMES = [
  "gray",
  "gray_r",
  "viridis",
  "magma",
  "inferno",
  "plasma",
  "turbo",
  "red",
  "green",
  "blue",
  "magenta",
  "cyan",
  "yellow",
] as const;

export type ColormapName = (typeof COLORMAP_NAMES)[number];

export const INTERPOLATIONS = ["nearest", "linear"] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];

/** napari blending names. `opaque` ignores what is below; `additive` adds. */
export const BLENDINGS = ["translucent", "translucent_no_depth", "additive", "opaque"] as const;
export type Blending = (typeof BLENDINGS)[number];

/** napari's 3D rendering modes (ignored in 2D). `iso` uses `iso_threshold`, `attenuated_mip` uses `attenuation`. */
export const RENDERINGS = ["translucent", "additive", "iso", "mip", "minip", "attenuated_mip", "average"] as const;
export type Rendering = (typeof RENDERINGS)[number];

/** Array dtypes the daemon accepts for image data (numpy names). */
export const DTYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"] as const;
export type DType = (typeof DTYPES)[number];
