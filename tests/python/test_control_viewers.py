"""Views may only watch viewers the kernel created over /control (issue 11): open_viewer, close_viewer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from nc_support import open_view
from websockets.exceptions import ConnectionClosed

from napari_cuda._daemon_process import DaemonProcess

CANVAS = {"width": 64, "height": 48, "pixel_ratio": 1}
STATE = {
    "camera": {"center": [0, 0], "zoom": 1, "angles": [0, 0, 90]},
    "dims": {"ndisplay": 2, "current_step": [], "axis_labels": []},
    "layers": [],
}


@pytest.fixture
def own_daemon(daemon_bundle: Path) -> Iterator[DaemonProcess]:
    """A daemon of its own (not this process's shared one), stopped afterwards."""
    d = DaemonProcess()
    try:
        yield d
    finally:
        d.shutdown()


def _error_then_close(ws) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The code of the next message (an error) and the close code that follows it."""
    msg = json.loads(ws.recv(timeout=10))
    assert msg["type"] == "error", msg
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    return msg["code"], closed.value.rcvd.code


def test_a_view_of_a_viewer_the_kernel_never_created_is_refused(own_daemon: DaemonProcess) -> None:
    ws = open_view(own_daemon.port, own_daemon.view_token, "never-created", STATE, CANVAS)
    try:
        assert _error_then_close(ws) == ("unknown_viewer", 1008)
    finally:
        ws.close()
    assert own_daemon.request("info")["viewers"] == 0, "the hello created no viewer"


def test_open_viewer_admits_views_and_close_viewer_closes_them(own_daemon: DaemonProcess) -> None:
    assert own_daemon.request("open_viewer", viewer_id="empty") == {"created": True}
    assert own_daemon.request("open_viewer", viewer_id="empty") == {"created": False}
    ws = open_view(own_daemon.port, own_daemon.view_token, "empty", STATE, CANVAS)
    try:
        assert json.loads(ws.recv(timeout=10))["type"] == "meta"
        assert own_daemon.request("info")["views"] == 1
        assert own_daemon.request("close_viewer", viewer_id="empty") == {"closed": True}
        assert _error_then_close(ws) == ("unknown_viewer", 1008)
    finally:
        ws.close()
