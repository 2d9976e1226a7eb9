"""The viewer's dims (napari semantics): which axes are displayed, where the others are sliced."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from . import _events
from ._errors import public
from ._protocol import MAX_NDIM


def _default_labels(ndim: int) -> list[str]:
    return [str(i) for i in range(ndim)]


def _ndisplay(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) not in (2, 3):
        raise ValueError(f"ndisplay must be 2 or 3, got {value!r}")
    return int(value)


def _step(axis: int, value: Any, nsteps: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"current_step[{axis}] must be an integer, got {value!r}")
    if not 0 <= int(value) < nsteps:
        raise ValueError(f"current_step[{axis}] must be in [0, {nsteps - 1}], got {value}")
    return int(value)


class Dims:
    """Dims of a Viewer: the last `ndisplay` axes are shown, the others sliced at `current_step`.

    `ndim` and `nsteps` follow the layers (shapes right-aligned, like napari); on the first layer
    `current_step` moves to the middle of every axis, as napari does. `events.<property>` (ndim,
    ndisplay, current_step, axis_labels, nsteps) fire once per change, from code or a view, with
    the new value as `event.value` (see napari_cuda._events).
    """

    def __init__(self, notify: Callable[[Any], None]) -> None:
        self._notify = notify
        self._state: dict[str, Any] = {
            "ndisplay": 2,
            "current_step": [0, 0],
            "axis_labels": _default_labels(2),
            "nsteps": [1, 1],
        }
        self.events = _events.DimsEvents(self)

    def __repr__(self) -> str:
        return (
            f"Dims(ndim={self.ndim}, ndisplay={self.ndisplay}, nsteps={self.nsteps}, "
            f"current_step={self.current_step}, axis_labels={self.axis_labels})"
        )

    @property
    def ndim(self) -> int:
        """Number of axes (at least 2)."""
        return len(self._state["nsteps"])

    @property
    def nsteps(self) -> tuple[int, ...]:
        """Number of slider positions per axis (the largest layer extent, right-aligned)."""
        return tuple(self._state["nsteps"])

    @property
    def ndisplay(self) -> int:
        """Number of displayed axes: 2 (a plane) or 3 (a volume, rendered with layer.rendering).

        Changing it refits the camera (center gets 3 entries (z, y, x) in 3D, 2 in 2D), as napari.
        """
        return int(self._state["ndisplay"])

    @ndisplay.setter
    @public
    def ndisplay(self, value: Any) -> None:
        self._replace(ndisplay=_ndisplay(value))

    @property
    def displayed(self) -> tuple[int, ...]:
        """Indices of the displayed axes."""
        return tuple(range(self.ndim - self.ndisplay, self.ndim))

    @property
    def not_displayed(self) -> tuple[int, ...]:
        """Indices of the sliced axes."""
        return tuple(range(self.ndim - self.ndisplay))

    @property
    def current_step(self) -> tuple[int, ...]:
        """Slice index per axis (entries of displayed axes are kept but do not slice)."""
        return tuple(self._state["current_step"])

    @current_step.setter
    @public
    def current_step(self, value: Any) -> None:
        self._replace(current_step=self._checked_steps(value))

    def _checked_steps(self, value: Any) -> list[int]:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise ValueError(f"current_step must be a sequence of integers, got {value!r}")
        steps = list(value)
        if len(steps) != self.ndim:
            raise ValueError(f"current_step must have {self.ndim} entries (ndim), got {len(steps)}")
        nsteps = self._state["nsteps"]
        return [_step(i, s, n) for i, (s, n) in enumerate(zip(steps, nsteps, strict=True))]

    @public
    def set_current_step(self, axis: int, value: int) -> None:
        """Move one axis to slice index `value`."""
        if not -self.ndim <= axis < self.ndim:
            raise ValueError(f"axis must be in [{-self.ndim}, {self.ndim - 1}], got {axis}")
        steps = list(self._state["current_step"])
        steps[axis] = value
        self.current_step = steps

    @property
    def axis_labels(self) -> tuple[str, ...]:
        """One label per axis."""
        return tuple(self._state["axis_labels"])

    @axis_labels.setter
    @public
    def axis_labels(self, value: Any) -> None:
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValueError(f"axis_labels must be a sequence of strings, got {value!r}")
        labels = list(value)
        if len(labels) != self.ndim or not all(isinstance(s, str) and len(s) <= 64 for s in labels):
            raise ValueError(f"axis_labels must be {self.ndim} strings of at most 64 characters, got {labels!r}")
        self._replace(axis_labels=labels)

    def _replace(self, **fields: Any) -> None:
        new = {**self._state, **fields}
        changed = [k for k in ("nsteps", "ndisplay", "current_step", "axis_labels") if new[k] != self._state[k]]
        if not changed:
            return
        old, self._state = self._state, new
        self._notify(old)
        if len(new["nsteps"]) != len(old["nsteps"]):
            changed.insert(0, "ndim")
        _events.fire(self.events, changed, self)

    def _wire(self) -> dict[str, Any]:
        return {k: list(val) if isinstance(val, list) else val for k, val in self._state.items()}

    def _apply_wire(self, value: Any) -> None:
        """Take dims written by a view: current_step and ndisplay may change there."""
        if not isinstance(value, dict):
            raise ValueError(f"dims must be an object, got {value!r}")
        fields = {}
        if "ndisplay" in value:
            fields["ndisplay"] = _ndisplay(value["ndisplay"])
        if "current_step" in value:
            fields["current_step"] = self._checked_steps(value["current_step"])
        with _events.reported():
            self._replace(**fields)

    def _set_shapes(self, shapes: Sequence[Sequence[int]], first_layer: bool) -> None:
        """Recompute ndim/nsteps from the layers' shapes; keep steps of surviving axes (clamped)."""
        ndim = max([2, *(len(s) for s in shapes)])
        if ndim > MAX_NDIM:
            raise ValueError(f"the viewer supports at most {MAX_NDIM} axes, got {ndim}")
        nsteps = [1] * ndim
        for shape in shapes:
            for i, n in enumerate(shape, start=ndim - len(shape)):
                nsteps[i] = max(nsteps[i], int(n))
        if first_layer:
            steps = [(n - 1) // 2 for n in nsteps]  # napari's _go_to_center_step
        else:
            old = self._state["current_step"]
            keep = min(len(old), ndim)
            tail = old[len(old) - keep :] if keep else []
            steps = [(n - 1) // 2 for n in nsteps[: ndim - keep]] + list(tail)
            steps = [min(s, n - 1) for s, n in zip(steps, nsteps, strict=True)]
        labels = self._state["axis_labels"]
        if len(labels) != ndim:
            labels = _default_labels(ndim)
        self._replace(nsteps=nsteps, current_step=steps, axis_labels=list(labels))
