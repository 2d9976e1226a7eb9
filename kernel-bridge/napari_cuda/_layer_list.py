"""The viewer's layer list (napari-like): index by position or name; remove / del / pop / clear /
move; events inserted / removed / moved / reordered."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import _events
from ._errors import public
from ._layers import Image
from ._reorder import moves_to, plan_move_multiple


def next_name(name: str) -> str:
    """napari's rule: 'Image' -> 'Image [1]' -> 'Image [2]' ..."""
    match = re.search(r" \[(\d+)\]$", name)
    if match is None:
        return f"{name} [1]"
    return f"{name[: match.start()]} [{int(match.group(1)) + 1}]"


class LayerList:
    """The viewer's layers, bottom first (the draw order); index by position or name; remove / del /
    pop / clear / move / move_multiple.

    `events` has napari's EventedList names; a listener gets one Event: `inserted` (event.index,
    event.value = the layer), `removed` (the index it had, the layer), `moved` (event.index before,
    event.new_index after, the layer), `reordered` (event.value = this list, once per reorder). A
    view's drag reorders too: one `moved` per layer that changed place (the fewest moves), then
    `reordered`.
    """

    def __init__(
        self, notify: Callable[[Any], None], on_removed: Callable[[list[Image]], None], viewer: Any = None
    ) -> None:
        self._notify = notify
        self._on_removed = on_removed
        # Weak: the viewer owns this list; layers reach their viewer through it (reset_contrast_limits).
        self._viewer_ref = weakref.ref(viewer) if viewer is not None else None
        self._layers: list[Image] = []
        self._last_wire: list[dict[str, Any]] = []
        self.events = _events.LayerListEvents(self)

    def __repr__(self) -> str:
        return f"[{', '.join(repr(layer) for layer in self._layers)}]"

    @property
    def viewer(self) -> Any:
        """The viewer this list belongs to, or None (a list made on its own, or a closed viewer)."""
        return self._viewer_ref() if self._viewer_ref is not None else None

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Image]:
        return iter(list(self._layers))

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return any(layer.name == item for layer in self._layers)
        return any(layer is item for layer in self._layers)

    @public
    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, slice):
            return self._layers[key]
        return self._layers[self.index(key)]

    @public
    def __delitem__(self, key: int | str | slice) -> None:
        if isinstance(key, slice):
            self._remove(self._layers[key])
        else:
            self._remove([self._layers[self.index(key)]])

    @public
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

    @public
    def remove(self, layer: str | Image) -> None:
        """Remove a layer given by name or object."""
        self._remove([self._layers[self.index(layer)]])

    @public
    def pop(self, index: int = -1) -> Image:
        """Remove and return the layer at `index`."""
        layer = self._layers[self.index(index)]
        self._remove([layer])
        return layer

    def clear(self) -> None:
        """Remove every layer."""
        self._remove(list(self._layers))

    @public
    def move(self, src_index: int, dest_index: int = 0) -> bool:
        """napari's move: put the layer at `src_index` before the one at `dest_index` (both counted
        before the move; len(self) = on top). Returns False when nothing moves."""
        return self.move_multiple([src_index], dest_index) > 0

    @public
    def move_multiple(self, sources: list[int], dest_index: int = 0) -> int:
        """napari's move_multiple: move the layers at `sources` (in that order) to `dest_index`
        (counted before the move). Returns the number of `moved` events."""
        target = plan_move_multiple(self._layers, [self.index(s) for s in sources], dest_index)
        return self._reorder(target)

    # -- internal ---------------------------------------------------------------------------
    def _append(self, layer: Image) -> None:
        layer._owner = self
        self._layers.append(layer)
        self._layer_changed()
        index = len(self._layers) - 1
        _events.emit([(self.events.inserted, _events.Event("inserted", self, layer, index=index))])

    def _remove(self, layers: list[Image]) -> None:
        if not layers:
            return
        # Announced top first (napari's clear pops from the end), each with the index it had.
        gone = sorted(((self.index(layer), layer) for layer in layers), key=lambda p: p[0], reverse=True)
        for layer in layers:
            layer._owner = None
        self._layers = [layer for layer in self._layers if all(layer is not r for r in layers)]
        self._layer_changed()
        self._on_removed(layers)
        _events.emit([(self.events.removed, _events.Event("removed", self, layer, index=i)) for i, layer in gone])

    def _reorder(self, target: list[Image]) -> int:
        """Put the layers in `target`'s order (a permutation): sync once, then the events."""
        moves = moves_to(self._layers, target)
        if not moves:
            return 0
        self._layers = list(target)
        self._layer_changed()
        emissions = [
            (self.events.moved, _events.Event("moved", self, layer, index=src, new_index=dst))
            for src, dst, layer in moves
        ]
        _events.emit([*emissions, (self.events.reordered, _events.Event("reordered", self, self))])
        return len(moves)

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
        """Take what a view wrote: display properties of layers (by id) and a reorder (a permutation
        of the ids); layers are added and removed from the kernel only."""
        if not isinstance(value, list):
            raise ValueError(f"layers must be a list, got {type(value).__name__}")
        by_id = {layer._id: layer for layer in self._layers}
        ids = [
            entry.get("id") if isinstance(entry, dict) and isinstance(entry.get("id"), str) else None for entry in value
        ]
        if len(ids) != len(by_id) or set(ids) != set(by_id):
            raise ValueError("layers are added and removed from the kernel only (a view may reorder them)")
        with _events.reported():
            for entry in value:
                by_id[entry["id"]]._apply_view(entry)
            self._reorder([by_id[i] for i in ids])
