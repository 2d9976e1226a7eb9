/**
 * Viewer state as it travels on the wire (snake_case, napari's names).
 * The widget model holds the same shape in its synced traits; the daemon
 * renders from it. Full snapshots only: small, and "latest wins" is trivial.
 */
import { z } from "zod";
import {
  BLENDINGS,
  INTERPOLATIONS,
  isColormapName,
  lutHexProblem,
  MAX_COLORMAP_NAME_CHARS,
  RENDERINGS,
} from "./colormaps.js";
import { MAX_LABEL_TABLE_ROWS } from "./label-colors.js";

/** What a layer draws: an image through its colormap, integer labels in napari's label colours, or points. */
export const LAYER_KINDS = ["image", "labels", "points"] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];
/** Largest labels `contour` (outline width in screen pixels). */
export const MAX_CONTOUR = 64;

const finite = z.number().finite();
const positive = finite.positive();

/**
 * Camera, napari semantics: `center` is (y, x) in 2D or (z, y, x) in 3D, world units; `zoom` = CSS
 * pixels per world unit; `angles` (degrees) orient the 3D orbit camera (src/protocol/camera3d.ts).
 */
export const CameraSchema = z.object({
  center: z.array(finite).min(2).max(3),
  zoom: positive.max(1e6),
  angles: z.tuple([finite, finite, finite]).default([0, 0, 90]),
});
export type Camera = z.infer<typeof CameraSchema>;

/** Dims: the last `ndisplay` axes are displayed; the others are sliced at `current_step`. */
export const DimsSchema = z.object({
  ndisplay: z.union([z.literal(2), z.literal(3)]),
  current_step: z.array(z.number().int().nonnegative()).max(32),
  axis_labels: z.array(z.string().max(64)).max(32).default([]),
});
export type Dims = z.infer<typeof DimsSchema>;

export const LayerStateSchema = z
  .object({
    id: z.string().min(1).max(64),
    name: z.string().max(256),
    visible: z.boolean(),
    opacity: finite.min(0).max(1),
    /** A built-in name (colormaps.ts), or with `colormap_lut` any name (a label). */
    colormap: z.string().min(1).max(MAX_COLORMAP_NAME_CHARS),
    /** The colormap's table (1536 lowercase hex characters, 256 RGB entries); null/absent: `colormap` is built in. */
    colormap_lut: z
      .string()
      .check((ctx) => {
        const problem = lutHexProblem(ctx.value);
        if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
      })
      .nullable()
      .optional(),
    contrast_limits: z.tuple([finite, finite]),
    gamma: positive.max(100),
    interpolation: z.enum(INTERPOLATIONS),
    blending: z.enum(BLENDINGS),
    /** world = data * scale + translate, per axis of the layer (outermost first). */
    scale: z.array(positive).max(32).default([]),
    translate: z.array(finite).max(32).default([]),
    /** 3D only: how rays are composited (napari's names). */
    rendering: z.enum(RENDERINGS).default("mip"),
    /** 3D `attenuated_mip`: attenuation per voxel step along the ray, as vispy (napari's default 0.05). */
    attenuation: finite.min(0).max(1e6).default(0.05),
    /** 3D `iso`: surface threshold in data values. */
    iso_threshold: finite.default(0.5),
    /** Multiscale: render this level (0 = finest) instead of choosing automatically; null = automatic. */
    locked_data_level: z.number().int().nonnegative().max(63).nullable().default(null),
    /** "labels": integer data drawn in napari's label colours; the colormap/contrast fields are unused. */
    kind: z.enum(LAYER_KINDS).default("image"),
    /** labels: napari's label_colormap(num_colors, seed) (viewer.add_labels: 49, 0.5). */
    num_colors: z
      .number()
      .int()
      .min(1)
      .max(MAX_LABEL_TABLE_ROWS - 1)
      .default(49),
    seed: finite.default(0.5),
    /** labels: the label `show_selected_label` keeps (the only one drawn when that is set). */
    selected_label: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).default(1),
    show_selected_label: z.boolean().default(false),
    /** labels: > 0 draws only outlines this many screen pixels wide (each side of a boundary). */
    contour: z.number().int().min(0).max(MAX_CONTOUR).default(0),
    /** points: border width, a fraction of each point's size when relative, else data units. */
    border_width: finite.min(0).max(1e6).default(0.05),
    border_width_is_relative: z.boolean().default(true),
    /** points: show points of other slices, smaller with their distance (napari's rule). */
    out_of_slice_display: z.boolean().default(false),
    /** points: edge softening in device pixels (vispy's antialias; napari's default 1). */
    antialiasing: finite.min(0).max(16).default(1),
  })
  .refine((l) => l.contrast_limits[0] < l.contrast_limits[1], {
    message: "contrast_limits must be increasing (low < high)",
    path: ["contrast_limits"],
  })
  .refine((l) => l.colormap_lut != null || isColormapName(l.colormap), {
    message: "unknown colormap: a name that is not built in needs its colormap_lut",
    path: ["colormap"],
  });
export type LayerState = z.infer<typeof LayerStateSchema>;

export const ViewerStateSchema = z.object({
  camera: CameraSchema,
  dims: DimsSchema,
  layers: z.array(LayerStateSchema).max(64),
});
export type ViewerState = z.infer<typeof ViewerStateSchema>;

/** Canvas in device pixels plus the devicePixelRatio it was measured with. */
export const CanvasSchema = z.object({
  width: z.number().int().min(16).max(8192),
  height: z.number().int().min(16).max(8192),
  pixel_ratio: positive.max(8).default(1),
});
export type Canvas = z.infer<typeof CanvasSchema>;
