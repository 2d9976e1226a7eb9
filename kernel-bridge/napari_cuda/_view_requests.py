"""Requests a view sends to its viewer in the kernel: a PNG screenshot, a reset of the view.

They come from the view's buttons and shortcuts through the widget's comm; nothing here may raise
into the comm handler: failures are logged and, for a screenshot, answered with an error reply.
"""

from __future__ import annotations

import logging
from typing import Any

from ._png import encode_png

log = logging.getLogger("napari_cuda")

MAX_REQUEST_ID_CHARS = 64


def answer(viewer: Any, content: dict[str, Any]) -> bool:
    """Handle one view request; False when `content` is not one of these requests."""
    kind = content.get("type")
    if kind == "screenshot":
        _screenshot(viewer, content.get("id"))
    elif kind == "reset_view":
        try:
            viewer.reset_view()
        except Exception:
            log.error("napari-cuda: reset_view from a view failed", exc_info=True)
    else:
        return False
    return True


def _screenshot(viewer: Any, req_id: Any) -> None:
    """Reply {"type": "screenshot", "id", "ok": true} plus the PNG of viewer.screenshot() at the
    view's canvas, or {"ok": false, "error"} without a buffer."""
    if not isinstance(req_id, str) or not 0 < len(req_id) <= MAX_REQUEST_ID_CHARS:
        _send(viewer, {"type": "screenshot", "id": None, "ok": False, "error": "screenshot request without a valid id"})
        return
    try:
        png = encode_png(viewer.screenshot())
    except Exception as exc:
        log.error("napari-cuda: screenshot for a view failed", exc_info=True)
        error = str(exc) or type(exc).__name__
        _send(viewer, {"type": "screenshot", "id": req_id, "ok": False, "error": error})
        return
    _send(viewer, {"type": "screenshot", "id": req_id, "ok": True}, [png])


def _send(viewer: Any, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
    try:
        viewer.send(content, buffers=buffers)
    except Exception:
        log.error("napari-cuda: cannot answer the view's %s request", content.get("type"), exc_info=True)
