"""The viewer's camera (napari semantics) and the fit rules of src/protocol/camera.ts (2D) and 3D."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import _validate as v

DEFAULT_CAMERA: dict[str, Any] = {"center": [0.0, 0.0], "zoom": 1.0, "angles": [0.0, 0.0, 90.0]}


class Camera:
    """Camera of a Viewer: `center` (y, x), or (z, y, x) in 3D, in world units; `zoom` (CSS px per
    world unit); `angles` (degrees) orienting the 3D orbit camera.

    Reads always return the latest state (also after the browser panned or zoomed); assignments
    are validated and sent to every displayed view at once.
    """

    def __init__(self, notify: Callable[[Any], None]) -> None:
        self._notify = notify
        self._state: dict[str, Any] = copy.deepcopy(DEFAULT_CAMERA)

    def __repr__(self) -> str:
        return f"Camera(center={self.center}, zoom={self.zoom:g}, angles={self.angles})"

    @property
    def center(self) -> tuple[float, ...]:
        """World point (y, x) at the centre of the canvas; (z, y, x) in 3D (the point orbited)."""
        return tuple(self._state["center"])

    @center.setter
    def center(self, value: Any) -> None:
        self.update(center=value)

    @property
    def zoom(self) -> float:
        """CSS pixels per world unit (> 0)."""
        return float(self._state["zoom"])

    @zoom.setter
    def zoom(self, value: Any) -> None:
        self.update(zoom=value)

    @property
    def angles(self) -> tuple[float, float, float]:
        """3D orbit camera angles in degrees (napari's; (0, 0, 90) looks down z with y down)."""
        a = self._state["angles"]
        return (a[0], a[1], a[2])

    @angles.setter
    def angles(self, value: Any) -> None:
        self.update(angles=value)

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
        if new == self._state:
            return
        old, self._state = self._state, new
        self._notify(old)

    def _wire(self) -> dict[str, Any]:
        return copy.deepcopy(self._state)

    def _apply_wire(self, value: Any) -> None:
        """Take a camera written by a view (validated like user input)."""
        if not isinstance(value, dict):
            raise ValueError(f"camera must be an object, got {value!r}")
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
    """Centre (z, y, x) and zoom for a 3D world box: its centre, and the zoom that fits its y/x
    extent into the canvas as in 2D (napari's reset_view in 3D)."""
    center = [(lo + hi) / 2 for lo, hi in zip(box_min, box_max, strict=True)]
    _, zoom = fit_camera([0.0, 0.0], canvas_css, box_min[-2:], box_max[-2:], margin)
    return center, zoom


def layer_box(layer: Any, ndisplay: int) -> tuple[list[float], list[float]]:
    """World box (min, max) of a layer's last `ndisplay` axes, pixel edges included.

    A layer with fewer axes (a 2D image in 3D) is flat at z = its translate (0) there.
    """
    lo, hi = [], []
    for axis in range(-ndisplay, 0):
        if -axis > layer.ndim:
            lo.append(0.0)
            hi.append(0.0)
            continue
        s, t, n = layer.scale[axis], layer.translate[axis], layer.shape[axis]
        lo.append(t - 0.5 * s)
        hi.append(t + (n - 0.5) * s)
    return lo, hi


def fit_view(layers: list[Any], ndisplay: int, canvas_css: tuple[float, float], margin: float) -> dict[str, Any]:
    """Camera fields of napari's reset_view for `layers` (objects with shape, scale, translate).

    2D: centre (y, x) and zoom of fit_camera. 3D: centre (z, y, x) of the world box, the same y/x
    zoom, angles back to (0, 0, 90). No layers: the origin at zoom 1.
    """
    reset_angles = {"angles": (0.0, 0.0, 90.0)} if ndisplay == 3 else {}
    boxes = [layer_box(layer, ndisplay) for layer in layers]
    if not boxes:
        return {"center": [0.0] * ndisplay, "zoom": 1.0, **reset_angles}
    lo = tuple(min(b[0][i] for b in boxes) for i in range(ndisplay))
    hi = tuple(max(b[1][i] for b in boxes) for i in range(ndisplay))
    if ndisplay == 3:
        center, zoom = fit_camera_3d(canvas_css, lo, hi, margin)
    else:
        center, zoom = fit_camera([0.0, 0.0], canvas_css, lo, hi, margin)
    return {"center": center, "zoom": zoom, **reset_angles}
