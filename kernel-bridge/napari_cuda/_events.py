"""Events with napari's names, on psygnal: the signal groups and how changes are announced.

Every signal emits one `Event` (napari's listener contract: `event.value`, `event.type`,
`event.source`), so napari code such as `@layer.events.contrast_limits.connect` followed by
`def f(event): event.value` works unchanged; psygnal trims the argument for a callback that takes
none. Components fire after their state is updated and synced to the views, once per change.

A listener that raises: psygnal stops that signal's remaining listeners and raises EmitLoopError.
The other signals of the same change still fire. For a change made in code the first error then
reaches the caller (the state is already updated and synced); for a change a view wrote (or a
level a render reported) the error is logged, so the rest of the view's update still applies.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from psygnal import Signal, SignalGroup, SignalInstance

log = logging.getLogger("napari_cuda")


class Event:
    """What a listener receives (napari's Event): `type`, `source`, `value`; list events also
    carry `index` and (moved) `new_index`."""

    __slots__ = ("index", "new_index", "source", "type", "value")

    def __init__(
        self, type: str, source: Any, value: Any, index: int | None = None, new_index: int | None = None
    ) -> None:
        self.type = type  # the property (or list event) name, as in napari
        self.source = source  # the camera, dims, layer list or layer that changed
        self.value = value  # the new value, as the property reads after the change
        self.index = index
        self.new_index = new_index

    def __repr__(self) -> str:
        extra = "".join(f", {k}={getattr(self, k)!r}" for k in ("index", "new_index") if getattr(self, k) is not None)
        return f"<Event type={self.type!r} value={self.value!r}{extra}>"


def _signal() -> Signal:
    return Signal(Event)


class CameraEvents(SignalGroup):
    """viewer.camera.events: center, zoom, angles."""

    center = _signal()
    zoom = _signal()
    angles = _signal()


class DimsEvents(SignalGroup):
    """viewer.dims.events: one per dims property."""

    ndim = _signal()
    ndisplay = _signal()
    current_step = _signal()
    axis_labels = _signal()
    nsteps = _signal()


class LayerListEvents(SignalGroup):
    """viewer.layers.events (napari's EventedList): inserted (index, value = the layer),
    removed (index it had, value), moved (index, new_index, value), reordered (value = the list)."""

    inserted = _signal()
    removed = _signal()
    moved = _signal()
    reordered = _signal()


class LayerEvents(SignalGroup):
    """layer.events: one per layer property."""

    name = _signal()
    visible = _signal()
    opacity = _signal()
    colormap = _signal()
    contrast_limits = _signal()
    contrast_limits_range = _signal()
    gamma = _signal()
    interpolation = _signal()
    blending = _signal()
    rendering = _signal()
    attenuation = _signal()
    iso_threshold = _signal()
    scale = _signal()
    translate = _signal()
    units = _signal()
    locked_data_level = _signal()
    data_level = _signal()
    bounding_box = _signal()


class LabelsEvents(LayerEvents):
    """labels.events: the image layer's plus napari's Labels ones."""

    selected_label = _signal()
    show_selected_label = _signal()
    contour = _signal()
    num_colors = _signal()
    seed = _signal()


class BoundingBoxEvents(SignalGroup):
    """layer.bounding_box.events: visible."""

    visible = _signal()


# True while a view's write (or a render's report) is applied: listener errors are logged then.
_REPORTED: contextvars.ContextVar[bool] = contextvars.ContextVar("napari_cuda_reported", default=False)
# Emissions held back by deferred() (None: emit at once).
_QUEUE: contextvars.ContextVar[list[tuple[SignalInstance, Event]] | None] = contextvars.ContextVar(
    "napari_cuda_event_queue", default=None
)


@contextmanager
def reported() -> Iterator[None]:
    """Changes inside come from a view or the daemon: a raising listener is logged, not raised."""
    token = _REPORTED.set(True)
    try:
        yield
    finally:
        _REPORTED.reset(token)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold every emission until the outermost block ends (e.g. a layer added, then the dims and
    camera that follow it), so listeners see the finished state; nested blocks join the outer one."""
    if _QUEUE.get() is not None:
        yield
        return
    queue: list[tuple[SignalInstance, Event]] = []
    token = _QUEUE.set(queue)
    try:
        yield
    except BaseException:
        _QUEUE.reset(token)
        with reported():  # what changed before the failure is announced; the block's error is raised
            emit(queue)
        raise
    _QUEUE.reset(token)
    emit(queue)


def fire(group: SignalGroup, names: Iterable[str], source: Any) -> None:
    """Emit `group[name]` for each name with the property's current value read from `source`."""
    emit([(group[name], Event(name, source, getattr(source, name))) for name in names])


def emit(emissions: list[tuple[SignalInstance, Event]]) -> None:
    """Emit each (signal, event); every one runs even if an earlier listener raised (see module doc)."""
    queue = _QUEUE.get()
    if queue is not None:
        queue.extend(emissions)
        return
    first: BaseException | None = None
    for signal, event in emissions:
        try:
            signal.emit(event)
        except Exception as exc:
            if _REPORTED.get():
                log.error(
                    "napari-cuda: a listener of %s.events.%s raised", _kind(event.source), event.type, exc_info=exc
                )
            elif first is None:
                first = exc
    if first is not None:
        raise first


def _kind(source: Any) -> str:
    return type(source).__name__.lower()
