"""The viewer's layer list (napari-like): index by position or name; remove / del / pop / clear."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._layers import _VIEW_KEYS, Image


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
            changes = {k: entry[k] for k in _VIEW_KEYS if k in entry and entry[k] != layer._state[k]}
            if changes:
                layer._set(**changes)
