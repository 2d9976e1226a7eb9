"""Annotation from the views (issue 14): the one custom message a view sends for an edit, checked here.

A view sends {"type": "annotate", "id", "layer_id", "op", ...} (src/widget/annotate/messages.ts):

    add_point        step, position                      Points: add a point (napari's add mode)
    select_point     step, position, shift               Points: select the point under the cursor
    move_selected    delta                               Points: move the selected points
    delete_selected                                      Points: delete the selected points
    set_point_style  size?, face_color?, border_color?, symbol?
                                                         Points: the layer panel's style controls: set
                                                         the layer's current_* and the selected points'
    paint            step, positions, label, brush_size  Labels: one stroke (erase paints 0)
    fill             step, position, label               Labels: fill the clicked label's region
    undo / redo                                          Labels: the layer's last edit

`step` is the view's dims.current_step (the slice it showed: napari slices the other axes of a
layer at data index = step), `position` a world (y, x) of the displayed plane, `positions` a list of
them, `delta` a world (dy, dx) (2D views only). Every
field is checked before anything changes: a bad message is logged with what is wrong and answered
{"type": "annotate_done", "id", "ok": false, "error"}; a good one is applied to the layer (its data
event fires once, its daemon copy is updated) and answered with "ok": true and the layer's new
`data_version` (the view's overlay of the edit stays until a frame at a seq after that version).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from . import _events
from . import _point_values as pv
from ._labels import Labels
from ._points import Points

log = logging.getLogger("napari_cuda")

TYPE = "annotate"
OPS = (
    "add_point",
    "select_point",
    "move_selected",
    "delete_selected",
    "set_point_style",
    "paint",
    "fill",
    "undo",
    "redo",
)
POINT_OPS = frozenset(OPS[:5])
# Ops at a place in the view's slice (they carry the view's `step`).
AT_STEP = frozenset(("add_point", "select_point", "paint", "fill"))
# set_point_style's fields: the Points property each sets (napari's current_*), in the order applied.
STYLE_FIELDS = {
    "size": "current_size",
    "face_color": "current_face_color",
    "border_color": "current_border_color",
    "symbol": "current_symbol",
}
MAX_ID_CHARS = 64
MAX_STROKE = 20_000  # positions in one stroke message


class AnnotateError(ValueError):
    """A message that names a missing layer or carries a bad field; nothing was changed."""


def handle(viewer: Any, content: dict[str, Any]) -> bool:
    """Apply one annotate message; False when `content` is not one. Never raises into the comm."""
    if content.get("type") != TYPE:
        return False
    edit_id = content.get("id")
    if not isinstance(edit_id, str) or not 0 < len(edit_id) <= MAX_ID_CHARS:
        edit_id = None
    try:
        if edit_id is None:
            raise AnnotateError(f"'id' must be a string of 1..{MAX_ID_CHARS} characters")
        layer = apply(viewer, content)
    except Exception as exc:
        # ValueError / AnnotateError / PaintError: the message's fault; anything else is logged with its traceback.
        expected = isinstance(exc, ValueError)
        log.error("napari-cuda: an annotation from a view was refused: %s", exc, exc_info=not expected)
        _reply(viewer, {"type": "annotate_done", "id": edit_id, "ok": False, "error": str(exc)})
        return True
    version = int(layer._state.get("data_version", 0))
    _reply(viewer, {"type": "annotate_done", "id": edit_id, "ok": True, "layer_id": layer._id, "version": version})
    return True


def apply(viewer: Any, msg: dict[str, Any]) -> Any:
    """Check `msg` and apply it to its layer; returns the layer. Raises AnnotateError (or PaintError)."""
    op = msg.get("op")
    if op not in OPS:
        raise AnnotateError(f"'op' must be one of {', '.join(OPS)}, got {op!r:.40}")
    layer = _layer(viewer, msg.get("layer_id"))
    kind = Points if op in POINT_OPS else Labels
    if not isinstance(layer, kind):
        raise AnnotateError(f"{op} needs a {kind.__name__} layer; {layer.name!r} is a {type(layer).__name__} layer")
    steps = _steps(msg.get("step"), viewer.dims.ndim) if op in AT_STEP else []
    style = _style(layer, msg) if op == "set_point_style" else {}
    with _events.reported():  # a listener's error is logged: the edit is applied either way
        if op == "add_point":
            layer.add(_to_data(layer, _position(msg, "position", steps)))
        elif op == "select_point":
            _select(layer, _to_data(layer, _position(msg, "position", steps)), _bool(msg, "shift"))
        elif op == "move_selected":
            layer._move_selected(_delta(layer, msg, viewer.dims.ndisplay))
        elif op == "delete_selected":
            layer.remove_selected()
        elif op == "set_point_style":
            for name, value in style.items():
                setattr(layer, name, value)
        elif op == "paint":
            _paint(layer, msg, steps)
        elif op == "fill":
            layer.fill(_to_data(layer, _position(msg, "position", steps)), _label(msg))
        else:
            getattr(layer, op)()
    return layer


def _layer(viewer: Any, layer_id: Any) -> Any:
    for layer in viewer.layers:
        if layer._id == layer_id:
            return layer
    raise AnnotateError(f"no layer with id {layer_id!r:.80} in this viewer (removed meanwhile?)")


def _finite_list(value: Any, name: str, n: int) -> list[float]:
    ok = isinstance(value, list) and len(value) == n
    if ok:
        ok = all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in value)
    if not ok:
        raise AnnotateError(f"'{name}' must be {n} finite numbers, got {value!r:.80}")
    return [float(x) for x in value]


def _steps(value: Any, ndim: int) -> list[int]:
    ok = isinstance(value, list) and len(value) == ndim
    ok = ok and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in value)
    if not ok:
        raise AnnotateError(f"'step' must be {ndim} integers >= 0 (the view's dims.current_step), got {value!r:.80}")
    return list(value)


def _position(msg: dict[str, Any], name: str, steps: list[int]) -> np.ndarray:
    """The viewer position: the sliced axes at their step, the displayed (y, x) in world units."""
    return np.array([*steps[:-2], *_finite_list(msg.get(name), name, 2)], dtype=np.float64)


def _bool(msg: dict[str, Any], name: str) -> bool:
    value = msg.get(name, False)
    if not isinstance(value, bool):
        raise AnnotateError(f"'{name}' must be true or false, got {value!r:.40}")
    return value


def _label(msg: dict[str, Any]) -> int:
    value = msg.get("label")
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnnotateError(f"'label' must be an integer, got {value!r:.40}")
    return value


def _to_data(layer: Any, position: np.ndarray, ndisplay: int = 2) -> np.ndarray:
    """Layer data coordinates of a viewer position: displayed axes (world - translate) / scale; the
    sliced axes keep their step (the daemon slices data coordinates by the step, napari's rule)."""
    data = position[len(position) - layer.ndim :].copy()
    if len(data) != layer.ndim:
        raise AnnotateError(f"the viewer has {len(position)} axes, fewer than the layer's {layer.ndim}")
    shown = slice(layer.ndim - ndisplay, layer.ndim)
    data[shown] = (data[shown] - np.array(layer.translate[shown])) / np.array(layer.scale[shown])
    return data


def _delta(layer: Any, msg: dict[str, Any], ndisplay: int) -> np.ndarray:
    if ndisplay != 2:
        raise AnnotateError("points are moved in 2D views only")
    shift = np.zeros(layer.ndim)
    shift[-2:] = np.array(_finite_list(msg.get("delta"), "delta", 2)) / np.array(layer.scale[-2:])
    return shift


def _style(layer: Points, msg: dict[str, Any]) -> dict[str, Any]:
    """set_point_style's fields as {property: value}, every one checked before any is set."""
    given = {key: msg[key] for key in STYLE_FIELDS if key in msg}
    if not given:
        raise AnnotateError(f"set_point_style needs at least one of {', '.join(STYLE_FIELDS)}")
    size = given.get("size")
    if "size" in given and (isinstance(size, bool) or not isinstance(size, int | float)):
        raise AnnotateError(f"'size' must be a number > 0, got {size!r:.40}")
    for key in ("face_color", "border_color", "symbol"):
        if key in given and not (isinstance(given[key], str) and 0 < len(given[key]) <= MAX_ID_CHARS):
            raise AnnotateError(f"'{key}' must be a name or '#rrggbb[aa]' string, got {given[key]!r:.40}")
    # The layer's own checks (positive size, known colour, napari's symbols) before anything is set:
    if "size" in given:
        pv.sizes(size, 1)
    for key in ("face_color", "border_color"):
        if key in given:
            pv.colors(key, given[key], 1)
    if "symbol" in given:
        pv.symbol_name(given["symbol"])
    return {STYLE_FIELDS[key]: value for key, value in given.items()}


def point_at(layer: Points, coord: np.ndarray) -> int | None:
    """The point under data coordinate `coord` (napari's rule: nearest centre within its radius, in
    this slice: the sliced axes within half a step), or None."""
    coords, sizes = layer._coords, layer._size
    near = np.all(np.abs(coords[:, :-2] - coord[:-2]) <= 0.5, axis=1) if layer.ndim > 2 else np.ones(len(coords), bool)
    dist = np.hypot(*(coords[:, -2:] - coord[-2:]).T) if len(coords) else np.zeros(0)
    hit = np.flatnonzero(near & (dist <= sizes / 2))
    return int(hit[np.argmin(dist[hit])]) if len(hit) else None


def _select(layer: Points, coord: np.ndarray, shift: bool) -> None:
    """napari's select click: the point under the cursor; shift adds it (or takes it out); a click
    on nothing clears the selection unless shift."""
    picked = point_at(layer, coord)
    if picked is None:
        layer.selected_data = layer.selected_data if shift else set()
    elif shift:
        layer.selected_data = layer.selected_data ^ {picked}
    elif picked not in layer.selected_data:
        layer.selected_data = {picked}  # a click on a selected point keeps the selection (to drag it)


def _paint(layer: Labels, msg: dict[str, Any], steps: list[int]) -> None:
    positions = msg.get("positions")
    if not isinstance(positions, list) or not 0 < len(positions) <= MAX_STROKE:
        raise AnnotateError(f"'positions' must be a list of 1..{MAX_STROKE} positions")
    coords = np.array([_to_data(layer, _position({"p": p}, "p", steps)) for p in positions])
    label = _label(msg)
    brush = msg.get("brush_size")
    if brush is not None:
        layer.brush_size = brush  # the size the view drew with (its write of brush_size may still be on the way)
    layer.paint_stroke(coords, label)


def _reply(viewer: Any, content: dict[str, Any]) -> None:
    try:
        viewer.send(content)
    except Exception:
        log.error("napari-cuda: cannot answer a view's annotation", exc_info=True)
