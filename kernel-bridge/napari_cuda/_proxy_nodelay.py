"""Jupyter server extension: no Nagle delay on jupyter-server-proxy's sockets of napari-cuda streams.

jupyter-server-proxy relays a view's WebSocket through tornado, and tornado leaves Nagle's
algorithm on. A frame for the browser then waits until the browser's TCP has acknowledged the
previous frame. That acknowledgement is delayed until the browser next sends something.
Measured with ``make bench`` at 1280x720 through the proxy, m2p p50 was 39-62 ms with Nagle
and 24-37 ms without (direct loopback: 16-22 ms).

This extension wraps ``ProxyHandler.proxy_open``. When the backend's handshake answer carries
the daemon's ``X-Napari-Cuda-Stream`` header, it sets TCP_NODELAY on both sockets: browser to
server, and server to daemon. Other proxied apps are left untouched. A jupyter-server-proxy whose
ProxyHandler.proxy_open is missing or has another signature is left alone, with one warning.
Tested against the oldest supported (kernel-bridge/pyproject.toml) and the newest release
(tests/python/test_proxy_versions.py). The same extension turns Nagle off on a kernel WebSocket that
carries a comm relay (``_relay_nodelay``).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Awaitable
from typing import Any

from . import _relay_nodelay

log = logging.getLogger(__name__)

#: Response header the daemon adds to /stream upgrades (src/daemon/server/server.ts).
STREAM_HEADER = "X-Napari-Cuda-Stream"


def _set_nodelay(handler: Any) -> bool:
    """TCP_NODELAY on both sockets of a proxied napari-cuda stream; False if this is not one."""
    ws = getattr(handler, "ws", None)
    headers = getattr(ws, "headers", None)
    if ws is None or headers is None or headers.get(STREAM_HEADER) is None:
        return False
    handler.set_nodelay(True)  # tornado WebSocketHandler: the browser-facing socket
    protocol = getattr(ws, "protocol", None)
    if protocol is not None:
        protocol.set_nodelay(True)  # tornado WebSocketClientConnection's stream: the daemon-facing socket
    return True


#: The leading parameters of proxy_open in every jupyter-server-proxy we know (1.x to 4.x).
EXPECTED_PARAMETERS = ("self", "host", "port", "proxied_path")


def _tune(handler: Any) -> None:
    try:
        if _set_nodelay(handler):
            handler.log.info("napari-cuda: TCP_NODELAY on the proxied stream %s", handler.request.path)
    except Exception as err:  # never break the proxied connection over a latency tweak
        handler.log.warning("napari-cuda: could not set TCP_NODELAY on a proxied stream: %s", err)


async def _tune_when_done(handler: Any, pending: Awaitable[Any]) -> Any:
    result = await pending
    _tune(handler)
    return result


def incompatibility(handler_cls: Any) -> str | None:
    """Why `handler_cls` is not a ProxyHandler this extension knows how to wrap, or None."""
    original = getattr(handler_cls, "proxy_open", None)
    if original is None:
        return "it has no ProxyHandler.proxy_open"
    if not callable(original):
        return "its ProxyHandler.proxy_open is not callable"
    try:
        params = list(inspect.signature(original).parameters.values())
    except (TypeError, ValueError):
        return "the signature of its ProxyHandler.proxy_open cannot be read"
    names = tuple(p.name for p in params)
    # The wrapper passes every argument through, so optional parameters added later do no harm.
    extra_required = [
        p.name
        for p in params[len(EXPECTED_PARAMETERS) :]
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if names[: len(EXPECTED_PARAMETERS)] != EXPECTED_PARAMETERS or extra_required:
        return f"its ProxyHandler.proxy_open takes {names}, not {EXPECTED_PARAMETERS}"
    return None


def install(handler_cls: Any) -> bool:
    """Wrap ``handler_cls.proxy_open`` once; False, changing nothing, when it is not the one we know.

    The wrapper has the original's kind: a coroutine function stays one (and is awaited); a plain
    function stays plain, and its result is awaited (in a task) only when it is awaitable.
    """
    if incompatibility(handler_cls) is not None:
        return False
    original = handler_cls.proxy_open
    if getattr(original, "_napari_cuda_nodelay", False):
        return True

    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def proxy_open(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = await original(self, *args, **kwargs)
            _tune(self)
            return result

    else:

        @functools.wraps(original)
        def proxy_open(self: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            result = original(self, *args, **kwargs)
            if inspect.isawaitable(result):  # e.g. a tornado Future: tune once it has connected
                return asyncio.ensure_future(_tune_when_done(self, result))
            _tune(self)
            return result

    proxy_open._napari_cuda_nodelay = True  # type: ignore[attr-defined]
    handler_cls.proxy_open = proxy_open
    return True


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Wrap jupyter-server-proxy's ProxyHandler (and, in ``_relay_nodelay``, the kernel WebSocket handler);
    with one it does not know, warn once and do nothing."""
    _relay_nodelay.load(serverapp)
    try:
        from jupyter_server_proxy.handlers import ProxyHandler
    except Exception as exc:  # not installed, or an unknown layout: the server must start anyway
        why: str | None = f"jupyter_server_proxy.handlers.ProxyHandler cannot be imported ({exc})"
    else:
        why = incompatibility(ProxyHandler)
        if why is None and install(ProxyHandler):
            serverapp.log.info("napari-cuda: proxied view streams will be sent without Nagle delay")
            return
    serverapp.log.warning(
        "napari-cuda: unknown jupyter-server-proxy (%s): proxied view streams keep Nagle's algorithm "
        "(higher latency); nothing was changed",
        why,
    )
