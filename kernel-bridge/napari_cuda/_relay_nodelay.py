"""Jupyter server extension, part two: no Nagle delay on a kernel WebSocket that carries a comm relay.

With the comm transport (``_comm_relay.py``) every frame is a comm message: kernel -> Jupyter server
(zmq) -> the kernel's WebSocket -> page. tornado leaves Nagle's algorithm on for that WebSocket, so a
frame could wait until the browser's TCP acknowledged the previous one, and the browser delays that
acknowledgement until it next sends something. Measured with ``make bench`` at 1280x720 through the
comm on loopback (three runs of each, back to back): a frame reached the view p50 4-6 -> 3-4 ms and
p95 15-20 -> 12-15 ms after the daemon sent it; true m2p p50 28-31 -> 27-28 ms.

Only a WebSocket whose page opened a relay is tuned: the wrapped ``on_message`` looks for the view's
``relay_open`` message in what the page sends, and stops looking once it has seen one. Other kernels'
sockets keep tornado's settings.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

log = logging.getLogger(__name__)

#: The view's first relay message type (``_comm_relay.RELAY_TYPES``; a test checks they agree), quoted
#: as it appears in the message's JSON, whichever WebSocket subprotocol the page speaks.
RELAY_OPEN_MARK = '"relay_open"'
_MARK_BYTES = RELAY_OPEN_MARK.encode()


def opens_relay(message: Any) -> bool:
    """Whether a page's kernel WebSocket message (text, or bytes for the v1 subprotocol) opens a relay."""
    if isinstance(message, str):
        return RELAY_OPEN_MARK in message
    if isinstance(message, (bytes, bytearray)):
        return _MARK_BYTES in message
    if isinstance(message, memoryview):
        return _MARK_BYTES in message.tobytes()
    return False


def _tune(handler: Any) -> None:
    handler._napari_cuda_relay_seen = True
    logger = getattr(handler, "log", log)  # a JupyterHandler logs to the server's log
    try:
        handler.set_nodelay(True)
    except Exception as err:  # never break the kernel's socket over a latency tweak
        logger.warning("napari-cuda: could not set TCP_NODELAY on a kernel WebSocket: %s", err)
    else:
        logger.info("napari-cuda: TCP_NODELAY on a kernel WebSocket that carries a comm relay")


def install(handler_cls: Any) -> bool:
    """Wrap ``handler_cls.on_message`` once; False, changing nothing, when it has none."""
    original = getattr(handler_cls, "on_message", None)
    if not callable(original):
        return False
    if getattr(original, "_napari_cuda_nodelay", False):
        return True

    @functools.wraps(original)
    def on_message(self: Any, message: Any) -> Any:
        if not getattr(self, "_napari_cuda_relay_seen", False) and opens_relay(message):
            _tune(self)
        return original(self, message)

    on_message._napari_cuda_nodelay = True  # type: ignore[attr-defined]
    handler_cls.on_message = on_message
    return True


def load(serverapp: Any) -> None:
    """Wrap jupyter_server's kernel WebSocket handler; where it cannot, warn once and do nothing."""
    try:
        from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
    except Exception as exc:  # an unknown jupyter_server layout: the server must start anyway
        why = f"its KernelWebsocketHandler cannot be imported ({exc})"
    else:
        if install(KernelWebsocketHandler):
            return
        why = "its KernelWebsocketHandler has no on_message"
    serverapp.log.warning(
        "napari-cuda: unknown jupyter_server (%s): comm-relayed view streams keep Nagle's algorithm "
        "(higher latency); nothing was changed",
        why,
    )
