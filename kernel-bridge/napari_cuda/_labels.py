"""Labels layers (napari's): integer data drawn in napari's label colours, 0 transparent.

The data path is the Image layer's (inline arrays, scratch pyramids, lazy arrays, OME-Zarr files);
coarser levels that napari-cuda computes take every other pixel (nearest), never a mean, so every
level holds only labels that exist. Colours: napari's `label_colormap(num_colors, seed)` (see
napari_cuda._label_colors); the daemon draws them (src/daemon/render/label-palette.ts).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _events
from . import _layer_props as props
from ._errors import public
from ._label_colors import label_color, label_color_table
from ._layers import Image
from ._protocol import MAX_CONTOUR

# Image properties a Labels layer does not have (napari's Labels has none of them either).
_IMAGE_ONLY = (
    "contrast_limits",
    "contrast_limits_range",
    "gamma",
    "interpolation",
    "attenuation",
    "iso_threshold",
    "reset_contrast_limits",
)
MAX_TABLE_ROWS = 2**16


def _int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    out = int(value)
    if not lo <= out <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {out}")
    return out


def selected_label(value: Any) -> int:
    return _int("selected_label", value, -(2**53) + 1, 2**53 - 1)


def show_selected_label(value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"show_selected_label must be True or False, got {value!r}")
    return bool(value)


def contour(value: Any) -> int:
    return _int("contour", value, 0, MAX_CONTOUR)


def num_colors(value: Any) -> int:
    return _int("num_colors", value, 1, MAX_TABLE_ROWS - 1)


def seed(value: Any) -> float:
    return props.v.finite_float("seed", value)


SETTERS = {
    "selected_label": selected_label,
    "show_selected_label": show_selected_label,
    "contour": contour,
    "num_colors": num_colors,
    "seed": seed,
}
# What a view may write back to a Labels layer.
VIEW_KEYS = ("name", "visible", "opacity", "blending", "selected_label", "show_selected_label", "contour")


def _label_prop(key: str, doc: str) -> property:
    def get(self: Labels) -> Any:
        return self._state[key]

    def set_(self: Labels, value: Any) -> None:
        self._set(**{key: value})

    return property(get, public(set_), doc=doc)


def _absent(name: str) -> property:
    def get(self: Labels) -> Any:
        raise AttributeError(f"a Labels layer has no {name!r} (napari's neither): it draws label colours")

    return property(get, doc=f"Not on Labels layers ({name} is an Image property).")


class Labels(Image):
    """A labels layer: integer data (segmentations) in napari's label colours, 0 transparent.

    napari's names: `selected_label`, `show_selected_label` (draw only the selected label),
    `contour` (> 0: outlines this many screen pixels wide), `opacity` (default 0.7), `blending`,
    `visible`, `num_colors` and `seed` (the colours: napari's label_colormap(num_colors, seed)),
    `get_color(label)`. Multiscale properties and events as Image layers.
    """

    selected_label = _label_prop("selected_label", "The label drawn alone when show_selected_label is set.")
    show_selected_label = _label_prop("show_selected_label", "Draw only selected_label.")
    contour = _label_prop("contour", "> 0: draw only outlines this many screen pixels wide; 0: filled.")
    num_colors = _label_prop("num_colors", "Colours of the cyclic table (napari's label_colormap; default 49).")
    seed = _label_prop("seed", "Seed of the colour sequence (napari's label_colormap; default 0.5).")
    rendering = property(lambda self: "iso_categorical", doc="3D: the first label along each ray (napari's).")
    colormap = property(
        lambda self: label_color_table(self.num_colors, self.seed),
        doc="The colour table, (num_colors + 1, 4) uint8 RGBA (row 0 unused); set num_colors/seed.",
    )

    def __init__(self, layer_id: str, source: Any, state: dict[str, Any]) -> None:
        super().__init__(layer_id, source, state)
        self.events = _events.LabelsEvents(self)
        self._view_keys = VIEW_KEYS
        self._setters = SETTERS

    def __repr__(self) -> str:
        return f"<Labels layer {self.name!r} shape={self.shape} dtype={self.dtype}>"

    def get_color(self, label: Any) -> tuple[float, float, float, float] | None:
        """napari's: the RGBA colour (floats in [0, 1]) `label` is drawn with; None when it is not
        drawn (the background 0, or another label while show_selected_label is set)."""
        value = _int("label", label, -(2**63), 2**64 - 1)
        rgba = label_color(
            value,
            label_color_table(self.num_colors, self.seed),
            selected_label=self.selected_label,
            show_selected_label=self.show_selected_label,
        )
        return None if rgba[3] == 0 else tuple(c / 255 for c in rgba)  # type: ignore[return-value]


for _name in _IMAGE_ONLY:
    setattr(Labels, _name, _absent(_name))


def label_fields(p: dict[str, Any]) -> dict[str, Any]:
    """The LayerState entries of a new labels layer from add_labels keywords (validated)."""
    return {
        "kind": "labels",
        "num_colors": num_colors(49 if p.get("num_colors") is None else p["num_colors"]),
        "seed": seed(0.5 if p.get("seed") is None else p["seed"]),
        "selected_label": 1,
        "show_selected_label": False,
        "contour": 0,
    }


def check_label_dtype(dtype: Any) -> None:
    """Labels hold integers: ValueError for anything else (bool counts as 0/1)."""
    dt = np.dtype(dtype)
    if dt.kind not in "iub":
        raise ValueError(f"labels data must be integers (or bool), got dtype {dt}; round or cast it first")


def check_plan_dtype(plan: Any) -> None:
    """Reject non-integer labels before anything is written or sent (a file's dtype is checked
    once the daemon has opened it)."""
    if plan.kind in ("inline", "pyramid"):
        check_label_dtype(plan.arrays[0].dtype)
    elif plan.kind == "kernel" and plan.lazy is not None:
        check_label_dtype(plan.lazy.levels[0].dtype)
