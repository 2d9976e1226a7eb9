"""Image layers (napari-like): display properties, multiscale properties, events, the wire form."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from . import _events
from . import _layer_props as props
from . import _validate as v
from ._errors import public
from ._sources import ArraySource, Source


class LayerOwner(Protocol):
    """What a layer needs from the list holding it (the LayerList; no import of it here)."""

    def _unique_name(self, name: str, exclude: Any = None) -> str: ...

    def _layer_changed(self) -> None: ...


def _prop(key: str, doc: str) -> property:
    def get(self: Image) -> Any:
        value = self._state[key]
        return tuple(value) if isinstance(value, list) else value

    def set_(self: Image, value: Any) -> None:
        self._set(**{key: value})

    return property(get, public(set_), doc=doc)


class Image:
    """An image layer: display properties sync to every view; pixels stay in kernel and daemon.

    Multiscale properties use napari's names: `multiscale`, `level_shapes`, `downsample_factors`,
    `data_level` (the level the last render used) and `locked_data_level` (None: automatic).
    `events.<property>` fires once per change of that property, whether set in code or in a view
    (`data_level`: when a render reports a new level); `event.value` is the new value as the
    property reads (see napari_cuda._events).
    """

    name = _prop("name", "Layer name (unique within a viewer).")
    visible = _prop("visible", "Whether the layer is drawn.")
    opacity = _prop("opacity", "Opacity in [0, 1].")
    contrast_limits = _prop("contrast_limits", "(low, high) data values mapped to the colormap ends.")
    gamma = _prop("gamma", "Gamma applied after contrast limits (> 0).")
    interpolation = _prop("interpolation", "'nearest' or 'linear'.")
    blending = _prop("blending", "napari blending: translucent, translucent_no_depth, additive, opaque.")
    rendering = _prop("rendering", "3D rendering mode (napari_cuda.RENDERINGS); default 'mip'.")
    attenuation = _prop("attenuation", "attenuated_mip: attenuation per world unit along the ray (>= 0).")
    iso_threshold = _prop("iso_threshold", "iso: surface threshold in data values.")

    _view_keys: tuple[str, ...] = props.VIEW_KEYS
    _setters: dict[str, Any] = {}

    def __init__(self, layer_id: str, source: Source, state: dict[str, Any]) -> None:
        self._id = layer_id
        self._source = source
        self._state = state
        self._owner: LayerOwner | None = None
        self.events = _events.LayerEvents(self)
        self._bounding_box = props.BoundingBox(self)
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
    @public
    def locked_data_level(self, value: Any) -> None:
        self._set(locked_data_level=value)

    @property
    def scale(self) -> tuple[float, ...]:
        """World units per data pixel, per axis."""
        return tuple(self._state["scale"])

    @scale.setter
    @public
    def scale(self, value: Any) -> None:
        self._set(scale=value)

    @property
    def translate(self) -> tuple[float, ...]:
        """World offset of the data origin, per axis."""
        return tuple(self._state["translate"])

    @translate.setter
    @public
    def translate(self, value: Any) -> None:
        self._set(translate=value)

    @property
    def colormap(self) -> str:
        """Colormap name. Set anything napari accepts: a name (napari's, matplotlib's, vispy's, the
        cmap package's), a colour, an (N, 3|4) array of colours or a napari Colormap."""
        return self._state["colormap"]

    @colormap.setter
    @public
    def colormap(self, value: Any) -> None:
        self._set(colormap=value)

    @property
    def contrast_limits_range(self) -> tuple[float, float]:
        """napari's slider range: the dtype's range (ints up to 16 bit), else the data's; widened by
        contrast limits set outside it."""
        value = self._state.get("contrast_limits_range") or self._state["contrast_limits"]
        return (value[0], value[1])

    @property
    def units(self) -> tuple[str, ...]:
        """Unit of each axis ("" = none), e.g. from the OME metadata; set one string for every axis
        or one per axis. The scale bar shows them."""
        return tuple(self._state.get("units") or [""] * self.ndim)

    @units.setter
    @public
    def units(self, value: Any) -> None:
        self._set(units=value)

    @property
    def bounding_box(self) -> props.BoundingBox:
        """napari's bounding box overlay: `layer.bounding_box.visible = True` draws the data box."""
        return self._bounding_box

    @public
    def reset_contrast_limits(self, mode: str | None = None) -> None:
        """napari's: contrast limits from the data. A numpy array: its finite min/max. Other data
        (lazy arrays, files, pyramids; never a full pass): the finite min/max of what the view shows
        now, at the level shown (the daemon computes it, loading those chunks like a screenshot).
        Nothing finite on screen keeps the limits. `events.contrast_limits` fires on a change."""
        if mode not in (None, "data", "slice"):
            raise ValueError(f"mode must be None, 'data' or 'slice', got {mode!r}")
        if isinstance(self._source, ArraySource):
            self._set(contrast_limits=v.default_contrast_limits(self._source.array))
            return
        viewer = self._viewer()
        if viewer is None:
            raise RuntimeError(f"layer {self.name!r} is not in a viewer: its on-screen range is unknown")
        result = viewer._link.request(
            "layer_range",
            viewer_id=viewer._link.viewer_id,
            layer_id=self._id,
            state=viewer._viewer_state(),
            canvas=viewer._canvas(),
        )
        lo, hi = result.get("min"), result.get("max")
        if isinstance(result.get("level"), int):
            self._set_data_level(result["level"])
        if isinstance(lo, int | float) and isinstance(hi, int | float):
            self._set(contrast_limits=v.default_contrast_limits(np.array([lo, hi], dtype=np.float64)))

    def _viewer(self) -> Any:
        """The viewer holding this layer (through its layer list), else None."""
        return getattr(self._owner, "viewer", None)

    def _set(self, **fields: Any) -> None:
        checked = props.checked(fields, self.ndim, len(self._source.levels), self._state, self._setters)
        if "name" in checked and self._owner is not None:
            checked["name"] = self._owner._unique_name(checked["name"], exclude=self)
        changed = [k for k, val in checked.items() if self._state.get(k) != val]  # absent = None
        if not changed:
            return
        self._state = {**self._state, **checked}
        if self._owner is not None:
            self._owner._layer_changed()
        names = list(dict.fromkeys(props.EVENT_OF.get(k, k) for k in changed))
        emissions = [(self.events[n], _events.Event(n, self, getattr(self, n))) for n in names]
        if "bounding_box" in names:
            bbox = self._bounding_box
            emissions.append((bbox.events.visible, _events.Event("visible", bbox, bbox.visible)))
        _events.emit(emissions)

    def _apply_view(self, entry: dict[str, Any]) -> None:
        """Take the display properties a view wrote (validated like user input)."""
        changes = {k: entry[k] for k in self._view_keys if k in entry and entry[k] != self._state.get(k)}
        if "colormap" in changes and not isinstance(changes["colormap"], str):
            raise ValueError(f"a view may write a colormap name only, got {changes['colormap']!r}")
        if changes:
            self._set(**changes)

    def _set_data_level(self, level: Any) -> None:
        """A render reports the level it used: a change fires `events.data_level`."""
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level < len(self._source.levels):
            return
        if level == self._data_level:
            return
        self._data_level = level
        with _events.reported():
            _events.fire(self.events, ["data_level"], self)

    def _wire(self) -> dict[str, Any]:
        wire = {k: type(val)(val) if isinstance(val, list | dict) else val for k, val in self._state.items()}
        return {**wire, "shape": list(self.shape), "dtype": self.dtype.name}
