"""Image layers and the viewer's layer list (napari-like)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import _validate as v

# Property name -> validator; these are the LayerState fields a user may set.
_SETTERS: dict[str, Callable[[Any], Any]] = {
    "name": v.name,
    "visible": v.visible,
    "opacity": v.opacity,
    "colormap": v.colormap,
    "contrast_limits": v.contrast_limits,
    "gamma": v.gamma,
    "interpolation": v.interpolation,
    "blending": v.blending,
}


def _prop(key: str, doc: str) -> property:
    def get(self: Image) -> Any:
        value = self._state[key]
        return tuple(value) if isinstance(value, list) else value

    def set_(self: Image, value: Any) -> None:
        self._set(**{key: value})

    return property(get, set_, doc=doc)


class Image:
    """An image layer: display properties sync to every view; `data` stays in kernel and daemon."""

    name = _prop("name", "Layer name (unique within a viewer).")
    visible = _prop("visible", "Whether the layer is drawn.")
    opacity = _prop("opacity", "Opacity in [0, 1].")
    colormap = _prop("colormap", "Colormap name (see napari_cuda.COLORMAPS).")
    contrast_limits = _prop("contrast_limits", "(low, high) data values mapped to the colormap ends.")
    gamma = _prop("gamma", "Gamma applied after contrast limits (> 0).")
    interpolation = _prop("interpolation", "'nearest' or 'linear'.")
    blending = _prop("blending", "napari blending: translucent, translucent_no_depth, additive, opaque.")

    def __init__(self, layer_id: str, data: np.ndarray, state: dict[str, Any]) -> None:
        self._id = layer_id
        self._data = data
        self._state = state
        self._owner: LayerList | None = None

    def __repr__(self) -> str:
        return f"<Image layer {self.name!r} shape={self.shape} dtype={self.dtype}>"

    @property
    def data(self) -> np.ndarray:
        """The image array (read-only view of what the daemon holds)."""
        view = self._data.view()
        view.flags.writeable = False
        return view

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the data."""
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        """dtype of the data (as sent to the daemon)."""
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """Number of data axes."""
        return self._data.ndim

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

    def _set(self, **fields: Any) -> None:
        checked = {k: (_SETTERS[k](val) if k in _SETTERS else val) for k, val in fields.items()}
        if "name" in checked and self._owner is not None:
            checked["name"] = self._owner._unique_name(checked["name"], exclude=self)
        new = {**self._state, **checked}
        if new == self._state:
            return
        self._state = new
        if self._owner is not None:
            self._owner._layer_changed()

    def _wire(self) -> dict[str, Any]:
        wire = {k: list(val) if isinstance(val, list) else val for k, val in self._state.items()}
        return {**wire, "shape": list(self.shape), "dtype": self.dtype.name}


def next_name(name: str) -> str:
    """napari's rule: 'Image' -> 'Image [1]' -> 'Image [2]' ..."""
    match = re.search(r" \[(\d+)\]$", name)
    if match is None:
        return f"{name} [1]"
    return f"{name[: match.start()]} [{int(match.group(1)) + 1}]"


class LayerList:
    """The viewer's layers, bottom first; index by position or name; remove / del / pop / clear."""

    def __init__(self, notify: Callable[[Any], None], on_removed: Callable[[list[Image]], None]) -> None:
        self._notify = notify
        self._on_removed = on_removed
        self._layers: list[Image] = []
        self._last_wire: list[dict[str, Any]] = []

    def __repr__(self) -> str:
        return f"[{', '.join(repr(layer) for layer in self._layers)}]"

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Image]:
        return iter(list(self._layers))

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return any(layer.name == item for layer in self._layers)
        return any(layer is item for layer in self._layers)

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, slice):
            return self._layers[key]
        return self._layers[self.index(key)]

    def __delitem__(self, key: int | str | slice) -> None:
        if isinstance(key, slice):
            self._remove(self._layers[key])
        else:
            self._remove([self._layers[self.index(key)]])

    def index(self, key: int | str | Image) -> int:
        """Position of a layer given by position, name or object."""
        if isinstance(key, bool):
            raise TypeError("layer index must be an int, a name or a layer")
        if isinstance(key, int | np.integer):
            n = len(self._layers)
            if not -n <= key < n:
                raise IndexError(f"layer index {key} out of range ({n} layers)")
            return int(key) % n
        for i, layer in enumerate(self._layers):
            if (layer.name == key) if isinstance(key, str) else (layer is key):
                return i
        names = ", ".join(repr(layer.name) for layer in self._layers) or "none"
        raise KeyError(f"no layer {key!r} in this viewer (layers: {names})")

    def remove(self, layer: str | Image) -> None:
        """Remove a layer given by name or object."""
        self._remove([self._layers[self.index(layer)]])

    def pop(self, index: int = -1) -> Image:
        """Remove and return the layer at `index`."""
        layer = self._layers[self.index(index)]
        self._remove([layer])
        return layer

    def clear(self) -> None:
        """Remove every layer."""
        self._remove(list(self._layers))

    # -- internal ---------------------------------------------------------------------------
    def _append(self, layer: Image) -> None:
        layer._owner = self
        self._layers.append(layer)
        self._layer_changed()

    def _remove(self, layers: list[Image]) -> None:
        if not layers:
            return
        for layer in layers:
            layer._owner = None
        self._layers = [layer for layer in self._layers if all(layer is not r for r in layers)]
        self._layer_changed()
        self._on_removed(layers)

    def _unique_name(self, name: str, exclude: Image | None = None) -> str:
        taken = {layer.name for layer in self._layers if layer is not exclude}
        while name in taken:
            name = next_name(name)
        return name

    def _layer_changed(self) -> None:
        old = self._last_wire
        self._last_wire = self._wire()
        self._notify(old)

    def _wire(self) -> list[dict[str, Any]]:
        return [layer._wire() for layer in self._layers]

    def _apply_wire(self, value: Any) -> None:
        """Take layer properties written by a view, matched by id; layers are never added here."""
        if not isinstance(value, list):
            raise ValueError(f"layers must be a list, got {type(value).__name__}")
        by_id = {layer._id: layer for layer in self._layers}
        ids = [entry.get("id") if isinstance(entry, dict) else None for entry in value]
        if ids != list(by_id):
            raise ValueError("layers are added, removed and reordered from the kernel only")
        for entry in value:
            if not isinstance(entry, dict) or entry.get("id") not in by_id:
                continue
            layer = by_id[entry["id"]]
            changes = {k: entry[k] for k in _SETTERS if k in entry and entry[k] != layer._state[k]}
            if changes:
                layer._set(**changes)
