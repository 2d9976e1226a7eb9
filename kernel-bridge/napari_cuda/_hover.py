"""The status bar's question over a Points layer: which point is under the cursor (napari shows
`Points [y x]: 3`). The view does not hold the points' coordinates (the table can be millions of
rows; only the daemon and the kernel have it), so it asks the kernel, throttled to a few per second
(src/widget/statusbar/point-hover.ts):

    {"type": "hover", "id", "layer_id", "step", "position"}  ->  {"type": "hover_done", "id", "index"}

`step` and `position` as in an annotate message (_annotate.py); `index` is the point's index, or
null for none (or a refused question: a bad field is logged at debug level, nothing is raised).
"""

from __future__ import annotations

import logging
from typing import Any

from . import _annotate as a
from ._points import Points

log = logging.getLogger("napari_cuda")

TYPE = "hover"


def handle(viewer: Any, content: dict[str, Any]) -> bool:
    """Answer one hover question; False when `content` is not one. Never raises into the comm."""
    if content.get("type") != TYPE:
        return False
    req_id = content.get("id")
    if not isinstance(req_id, str) or not 0 < len(req_id) <= a.MAX_ID_CHARS:
        log.debug("napari-cuda: a hover question without a valid id")
        return True
    try:
        index = point_under(viewer, content)
    except ValueError as exc:  # the view's question is stale or malformed: no point
        log.debug("napari-cuda: hover question refused: %s", exc)
        index = None
    try:
        viewer.send({"type": "hover_done", "id": req_id, "index": index})
    except Exception:
        log.error("napari-cuda: cannot answer a view's hover question", exc_info=True)
    return True


def point_under(viewer: Any, msg: dict[str, Any]) -> int | None:
    """The index of the point of layer `layer_id` under the view's (step, position), or None."""
    layer = a._layer(viewer, msg.get("layer_id"))
    if not isinstance(layer, Points):
        raise a.AnnotateError(f"hover needs a Points layer; {layer.name!r} is a {type(layer).__name__} layer")
    steps = a._steps(msg.get("step"), viewer.dims.ndim)
    return a.point_at(layer, a._to_data(layer, a._position(msg, "position", steps)))
