"""Image layers (napari-like): display properties, multiscale properties, the wire form."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _validate as v
from ._sources import Source

if TYPE_CHECKING:
    from ._layer_list import LayerList

# Property name -> validator; these are the LayerState fields a user (or a view) may set.
_SETTERS: dict[str, Callable[[Any], Any]] = {
    "name": v.name,
    "visible": v.visible,
    "opacity": v.opacity,
    "colormap": v.colormap,
    "contrast_limits": v.contrast_limits,
    "gamma": v.gamma,
    "interpolation": v.interpolation,
    "blending": v.blending,
    "rendering": v.rendering,
    "attenuation": v.attenuation,
    "iso_threshold": v.iso_threshold,
}
# What a view may write back (locked_data_level is checked against the layer's level count).
_VIEW_KEYS = (*_SETTERS, "locked_data_level")


def _prop(key: str, doc: str) -> property:
    def get(self: Image) -> Any:
        value = self._state[key]
        return tuple(value) if isinstance(value, list) else value

    def set_(self: Image, value: Any) -> None:
        self._set(**{key: value})

    return property(get, set_, doc=doc)


class Image:
    """An image layer: display properties sync to every view; pixels stay in kernel and daemon.

    Multiscale properties use napari's names: `multiscale`, `level_shapes`, `downsample_factors`,
    `data_level` (the level the last render used) and `locked_data_level` (None: automatic).
    """

    name = _prop("name", "Layer name (unique within a viewer).")
    visible = _prop("visible", "Whether the layer is drawn.")
    opacity = _prop("opacity", "Opacity in [0, 1].")
    colormap = _prop("colormap", "Colormap name (see napari_cuda.COLORMAPS).")
    contrast_limits = _prop("contrast_limits", "(low, high) data values mapped to the colormap ends.")
    gamma = _prop("gamma", "Gamma applied after contrast limits (> 0).")
    interpolation = _prop("interpolation", "'nearest' or 'linear'.")
    blending = _prop("blending", "napari blending: translucent, translucent_no_depth, additive, opaque.")
    rendering = _prop("rendering", "3D rendering mode (napari_cuda.RENDERINGS); default 'mip'.")
    attenuation = _prop("attenuation", "attenuated_mip: attenuation per world unit along the ray (>= 0).")
    iso_threshold = _prop("iso_threshold", "iso: surface threshold in data values.")

    def __init__(self, layer_id: str, source: Source, state: dict[str, Any]) -> None:
        self._id = layer_id
        self._source = source
        self._state = state
        self._owner: LayerList | None = None
        # Until a render reports, assume the coarsest level (what a first full view draws).
        self._data_level = len(source.levels) - 1

    def __repr__(self) -> str:
        return f"<Image layer {self.name!r} shape={self.shape} dtype={self.dtype}>"

    @property
    def data(self) -> Any:
        """The image: a read-only numpy array, or for a pyramid the level-0 array without loading it
        (the array given to add_image, else a zarr array; a dask array for one channel of a file)."""
        return self._source.data

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the data (level 0)."""
        return tuple(self._source.levels[0].shape)

    @property
    def dtype(self) -> np.dtype:
        """dtype of the data (as the daemon reads it)."""
        return self._source.dtype

    @property
    def ndim(self) -> int:
        """Number of data axes."""
        return len(self.shape)

    @property
    def multiscale(self) -> bool:
        """True when the data has more than one resolution level."""
        return len(self._source.levels) > 1

    @property
    def level_shapes(self) -> np.ndarray:
        """(levels, ndim) array of each level's shape, finest first (napari's name)."""
        return np.array([lv.shape for lv in self._source.levels], dtype=int)

    @property
    def downsample_factors(self) -> np.ndarray:
        """(levels, ndim) array of each level's downsample factors vs level 0 (napari's name)."""
        return np.array([lv.factors for lv in self._source.levels], dtype=float)

    @property
    def data_level(self) -> int:
        """Level the last render used (0 = finest), from the view's or the last screenshot's report."""
        return self._data_level

    @property
    def locked_data_level(self) -> int | None:
        """Render this level instead of choosing automatically; None = automatic."""
        return self._state["locked_data_level"]

    @locked_data_level.setter
    def locked_data_level(self, value: Any) -> None:
        self._set(locked_data_level=value)

    @property
    def scale(self) -> tuple[float, ...]:
        """World units per data pixel, per axis."""
        return tuple(self._state["scale"])

    @scale.setter
    def scale(self, value: Any) -> None:
        self._set(scale=v.scale(value, self.ndim))

    @property
    def translate(self) -> tuple[float, ...]:
        """World offset of the data origin, per axis."""
        return tuple(self._state["translate"])

    @translate.setter
    def translate(self, value: Any) -> None:
        self._set(translate=v.translate(value, self.ndim))

    def _check(self, key: str, value: Any) -> Any:
        if key == "locked_data_level":
            return v.locked_data_level(value, len(self._source.levels))
        return _SETTERS[key](value) if key in _SETTERS else value

    def _set(self, **fields: Any) -> None:
        checked = {k: self._check(k, val) for k, val in fields.items()}
        if "name" in checked and self._owner is not None:
            checked["name"] = self._owner._unique_name(checked["name"], exclude=self)
        new = {**self._state, **checked}
        if new == self._state:
            return
        self._state = new
        if self._owner is not None:
            self._owner._layer_changed()

    def _set_data_level(self, level: Any) -> None:
        if isinstance(level, int) and not isinstance(level, bool) and 0 <= level < len(self._source.levels):
            self._data_level = level

    def _wire(self) -> dict[str, Any]:
        wire = {k: list(val) if isinstance(val, list) else val for k, val in self._state.items()}
        return {**wire, "shape": list(self.shape), "dtype": self.dtype.name}
