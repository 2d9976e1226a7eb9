"""One viewer's presence in the render daemon: its layer data, requests, and the view hand-off."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from ._comm_relay import Relays
from ._control import DaemonError
from ._daemon_process import DaemonProcess, current_daemon, get_daemon
from ._layers import Image
from ._protocol import PROTOCOL_VERSION
from ._sources import Source

log = logging.getLogger("napari_cuda")


def load(daemon: DaemonProcess, viewer_id: str, layer_id: str, source: Source) -> Any:
    """Hand one layer's data to `daemon` (set_layer_data bytes, open_layer, open_kernel_layer); returns the result."""
    attach = getattr(source, "attach", None)
    if attach is not None:  # a kernel-served source: this daemon's chunk server must know it first
        attach(daemon)
    op, fields = source.request()
    result = daemon.request(op, viewer_id=viewer_id, layer_id=layer_id, **fields)
    source.opened(result)
    return result


class DaemonLink:
    """Keeps a viewer's layers in this process's daemon; a restarted daemon gets them again."""

    def __init__(self, viewer_id: str, layers: Callable[[], Iterable[Image]], send: Callable[..., None]) -> None:
        self.viewer_id = viewer_id
        self._layers = layers
        self._send = send  # custom message (and buffers) to every view of the viewer: Widget.send
        self.daemon: DaemonProcess | None = None
        self.closed = False
        # The comm transport: views without a route to the daemon stream through this kernel.
        self.relays = Relays(send, lambda: self.daemon.port if self.daemon is not None else None)

    def ensure(self) -> DaemonProcess:
        """The daemon, started if needed; layers are sent again when it is a new process."""
        if self.closed:
            raise RuntimeError("this napari_cuda.Viewer is closed")
        daemon = get_daemon()
        if daemon is not self.daemon:
            restarted = self.daemon is not None
            # Views may only watch viewers the kernel created: create it before any view connects.
            daemon.request("open_viewer", viewer_id=self.viewer_id)
            for layer in self._layers():
                load(daemon, self.viewer_id, layer._id, layer._source)
            self.daemon = daemon
            if restarted:  # views still try the dead daemon: hand them the new one
                self._send(self.connection(daemon))
        return daemon

    def request(self, op: str, **fields: Any) -> Any:
        """A control request; sent again to a fresh daemon if the old one died meanwhile."""
        return self._once_more_if_restarted(lambda daemon: daemon.request(op, **fields))

    def upload_source(self, layer_id: str, source: Source) -> Any:
        """Hand one layer's data to the daemon (restarting it once if it died); returns the result."""
        return self._once_more_if_restarted(lambda daemon: load(daemon, self.viewer_id, layer_id, source))

    def _once_more_if_restarted(self, call: Callable[[DaemonProcess], Any]) -> Any:
        """`call(daemon)`; if the daemon died meanwhile (it is shutting down or gone), once more on a new one."""
        daemon = self.ensure()
        try:
            return call(daemon)
        except (ConnectionError, DaemonError) as exc:
            if isinstance(exc, DaemonError) and exc.code != "shutting_down":
                raise
            if not daemon.wait_exited(5.0):
                raise
            log.warning("napari-cuda: the render daemon stopped; starting a new one")
            return call(self.ensure())

    def remove(self, layers: list[Image]) -> None:
        """Drop layers' data from the daemon, then free what they hold (scratch pyramids)."""
        try:
            self.remove_ids([layer._id for layer in layers])
        finally:
            for layer in layers:
                _warn_unsaved(layer)
                layer._source.close()

    def remove_ids(self, layer_ids: list[str]) -> None:
        """Drop layers from the daemon (nothing to do if it is not running)."""
        daemon = current_daemon()
        if daemon is None or daemon is not self.daemon:
            return
        for layer_id in layer_ids:
            try:
                daemon.request("remove_layer", viewer_id=self.viewer_id, layer_id=layer_id)
            except DaemonError as exc:
                if exc.code not in ("unknown_layer", "unknown_viewer"):
                    raise
            except ConnectionError:
                return  # the daemon died: a new one only ever gets the remaining layers

    def connection(self, daemon: DaemonProcess) -> dict[str, Any]:
        """The hand-off message for views (the only place the view token leaves the kernel)."""
        return {
            "type": "connection",
            "protocol": PROTOCOL_VERSION,
            "port": daemon.port,
            "token": daemon.view_token,
            "viewer_id": self.viewer_id,
            "transport": connect_mode(),
        }

    def answer_connect(self) -> None:
        """A view asked how to reach the daemon: start it if needed and tell the views."""
        try:
            message = self.connection(self.ensure())
        except Exception as exc:  # the view shows this instead of a blank canvas
            log.error("napari-cuda: cannot connect a view to the render daemon: %s", exc)
            self._send({"type": "error", "message": f"napari-cuda: {exc}"})
            return
        self._send(message)

    def close(self) -> None:
        """Free the viewer in the daemon, then its layers' scratch data. Never raises (also runs from __del__)."""
        if self.closed:
            return
        self.closed = True
        self.relays.close_all()
        try:
            daemon = current_daemon()
            if daemon is not None and daemon is self.daemon:
                daemon.request("close_viewer", viewer_id=self.viewer_id, timeout=5)
        except Exception as exc:
            log.debug("napari-cuda: close_viewer failed: %s", exc)
        self.daemon = None
        for layer in self._layers():
            _warn_unsaved(layer)
            layer._source.close()


def _warn_unsaved(layer: Image) -> None:
    """A labels layer leaving its viewer with edits not in its store: say so (they stay in the layer)."""
    if getattr(layer, "unsaved", False):
        log.warning(
            "napari-cuda: labels layer %r leaves the viewer with edits not saved to its store; "
            "layer.save() still writes them (layer.data holds them)",
            layer.name,
        )


CONNECT_MODES = ("auto", "proxy", "direct", "comm")
# NAPARI_CUDA_CONNECT is the older name; NAPARI_CUDA_TRANSPORT wins when both are set.
TRANSPORT_VARS = ("NAPARI_CUDA_TRANSPORT", "NAPARI_CUDA_CONNECT")


def connect_mode() -> str:
    """How views reach the daemon, from NAPARI_CUDA_TRANSPORT (alias NAPARI_CUDA_CONNECT; default auto).

    auto: through jupyter-server-proxy, then direct loopback when the page is served from localhost,
    then the kernel's comm relay; proxy: only through the Jupyter server (JupyterHub); direct: only
    ws://127.0.0.1 (a browser on the same machine); comm: only through this kernel (_comm_relay).
    In VS Code and Colab auto ends on the comm: their pages have no server proxy and are not local.
    """
    for var in TRANSPORT_VARS:
        mode = os.environ.get(var, "").strip().lower()
        if not mode:
            continue
        if mode not in CONNECT_MODES:
            raise ValueError(f"{var} must be one of {', '.join(CONNECT_MODES)}, got {mode!r}")
        return mode
    return "auto"
