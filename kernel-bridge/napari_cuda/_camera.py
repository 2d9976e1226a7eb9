"""The viewer's camera (napari semantics) and the fit rules of src/protocol/camera.ts (2D) and 3D."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

from . import _events
from . import _validate as v
from ._errors import public

DEFAULT_CAMERA: dict[str, Any] = {"center": [0.0, 0.0], "zoom": 1.0, "angles": [0.0, 0.0, 90.0]}


class Camera:
    """Camera of a Viewer: `center` (y, x), or (z, y, x) in 3D, in world units; `zoom` (CSS px per
    world unit); `angles` (degrees) orienting the 3D orbit camera.

    Reads always return the latest state (also after the browser panned or zoomed); assignments
    are validated and sent to every displayed view at once. `events.center/zoom/angles` fire once
    per change, from code or a view, with the new value as `event.value` (see napari_cuda._events).
    """

    def __init__(self, notify: Callable[[Any], None]) -> None:
        self._notify = notify
        self._state: dict[str, Any] = copy.deepcopy(DEFAULT_CAMERA)
        self.events = _events.CameraEvents(self)

    def __repr__(self) -> str:
        return f"Camera(center={self.center}, zoom={self.zoom:g}, angles={self.angles})"

    @property
    def center(self) -> tuple[float, ...]:
        """World point (y, x) at the centre of the canvas; (z, y, x) in 3D (the point orbited)."""
        return tuple(self._state["center"])

    @center.setter
    @public
    def center(self, value: Any) -> None:
        self.update(center=value)

    @property
    def zoom(self) -> float:
        """CSS pixels per world unit (> 0)."""
        return float(self._state["zoom"])

    @zoom.setter
    @public
    def zoom(self, value: Any) -> None:
        self.update(zoom=value)

    @property
    def angles(self) -> tuple[float, float, float]:
        """3D orbit camera angles in degrees (napari's; (0, 0, 90) looks down z with y down)."""
        a = self._state["angles"]
        return (a[0], a[1], a[2])

    @angles.setter
    @public
    def angles(self, value: Any) -> None:
        self.update(angles=value)

    @public
    def update(self, **fields: Any) -> None:
        """Set several of center/zoom/angles at once (one update for every view)."""
        new = dict(self._state)
        for key, value in fields.items():
            if key == "center":
                new["center"] = v.center(value)
            elif key == "zoom":
                new["zoom"] = v.zoom(value)
            elif key == "angles":
                new["angles"] = v.angles(value)
            else:
                raise AttributeError(f"Camera has no property {key!r}")
        self._replace(new)

    def _replace(self, new: dict[str, Any]) -> None:
        changed = [k for k in ("center", "zoom", "angles") if new[k] != self._state[k]]
        if not changed:
            return
        old, self._state = self._state, new
        self._notify(old)
        _events.fire(self.events, changed, self)

    def _wire(self) -> dict[str, Any]:
        return copy.deepcopy(self._state)

    def _apply_wire(self, value: Any) -> None:
        """Take a camera written by a view (validated like user input)."""
        if not isinstance(value, dict):
            raise ValueError(f"camera must be an object, got {value!r}")
        with _events.reported():
            self.update(**{k: value[k] for k in ("center", "zoom", "angles") if k in value})


def fit_camera(
    center: list[float],
    canvas_css: tuple[float, float],
    box_min: tuple[float, float],
    box_max: tuple[float, float],
    margin: float = 0.05,
) -> tuple[list[float], float]:
    """Centre and zoom fitting the world box [min, max] (y, x) into a (width, height) CSS px canvas.

    Same formula as fitCamera in src/protocol/camera.ts; `center` keeps its leading (z) entry.
    """
    width, height = canvas_css
    h = max(box_max[0] - box_min[0], 1e-9)
    w = max(box_max[1] - box_min[1], 1e-9)
    zoom = min(width / w, height / h) * (1 - margin)
    out = list(center)
    out[-2] = (box_min[0] + box_max[0]) / 2
    out[-1] = (box_min[1] + box_max[1]) / 2
    return out, zoom


def fit_camera_3d(
    canvas_css: tuple[float, float],
    box_min: tuple[float, ...],
    box_max: tuple[float, ...],
    margin: float = 0.05,
) -> tuple[list[float], float]:
    """Centre (z, y, x) and zoom for a 3D world box seen at the default angles (0, 0, 90).

    The zoom fits hypot(y, z) extents vertically and hypot(x, z) horizontally: the box as seen
    (y/x) plus room for its depth, so the volume stays whole when orbited about either screen
    axis (a drag) and mostly in view after any orbit; napari fits only the y/x extent, which
    clips a rotated volume. Same formula as fitCamera3d in src/protocol/camera3d.ts.
    """
    center = [(lo + hi) / 2 for lo, hi in zip(box_min, box_max, strict=True)]
    dz, dy, dx = (hi - lo for lo, hi in zip(box_min[-3:], box_max[-3:], strict=True))
    width, height = canvas_css
    h = max(math.hypot(dy, dz), 1e-9)
    w = max(math.hypot(dx, dz), 1e-9)
    return center, min(width / w, height / h) * (1 - margin)


def layer_box(layer: Any, ndisplay: int) -> tuple[list[float | None], list[float | None]]:
    """World box (min, max) of a layer's last `ndisplay` axes, pixel edges included; None for an
    axis the layer lacks (a 2D image in 3D has no depth). Points layers give their own box."""
    own = getattr(layer, "_world_box", None)
    if own is not None:
        return own(ndisplay)
    lo: list[float | None] = []
    hi: list[float | None] = []
    for axis in range(-ndisplay, 0):
        if -axis > layer.ndim:
            lo.append(None)
            hi.append(None)
            continue
        s, t, n = layer.scale[axis], layer.translate[axis], layer.shape[axis]
        lo.append(t - 0.5 * s)
        hi.append(t + (n - 0.5) * s)
    return lo, hi


def fit_view(layers: list[Any], ndisplay: int, canvas_css: tuple[float, float], margin: float) -> dict[str, Any]:
    """Camera fields of napari's reset_view for `layers` (objects with shape, scale, translate).

    2D: centre (y, x) and zoom of fit_camera. 3D: centre (z, y, x) of the world box, the zoom of
    fit_camera_3d, angles back to (0, 0, 90); the depth spans the layers that have one (as napari),
    else -0.5 .. 0.5, as resetCamera in src/widget/interaction/interaction.ts. No layers: the
    origin at zoom 1.
    """
    reset_angles = {"angles": (0.0, 0.0, 90.0)} if ndisplay == 3 else {}
    boxes = [layer_box(layer, ndisplay) for layer in layers]
    if not boxes:
        return {"center": [0.0] * ndisplay, "zoom": 1.0, **reset_angles}
    lo: list[float] = []
    hi: list[float] = []
    for i in range(ndisplay):
        los = [b[0][i] for b in boxes if b[0][i] is not None]
        his = [b[1][i] for b in boxes if b[1][i] is not None]
        lo.append(min(los) if los else -0.5)
        hi.append(max(his) if his else 0.5)
    if ndisplay == 3:
        center, zoom = fit_camera_3d(canvas_css, tuple(lo), tuple(hi), margin)
    else:
        center, zoom = fit_camera([0.0, 0.0], canvas_css, (lo[0], lo[1]), (hi[0], hi[1]), margin)
    return {"center": center, "zoom": zoom, **reset_angles}
