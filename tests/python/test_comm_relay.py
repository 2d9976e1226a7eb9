"""The comm transport's kernel relay against a real daemon: forwarding, flow control, close codes."""

from __future__ import annotations

import json
import queue
import socket
import time
from typing import Any

import numpy as np
import pytest

import napari_cuda
from napari_cuda._comm_relay import Relays
from napari_cuda._link import connect_mode
from napari_cuda._protocol import PROTOCOL_VERSION, parse_frame_header

CANVAS = {"width": 128, "height": 96, "dpr": 1}
# The daemon's most frames in flight per view (src/daemon/config.ts DEFAULT_MAX_IN_FLIGHT).
MAX_IN_FLIGHT = 6


class View:
    """What the widget's comm socket sees: the relay's messages to the views, in order."""

    def __init__(self) -> None:
        self.messages: queue.Queue[tuple[dict[str, Any], list[bytes] | None]] = queue.Queue()

    def send(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.messages.put((content, buffers))

    def next(self, timeout: float = 20) -> tuple[dict[str, Any], list[bytes] | None]:
        return self.messages.get(timeout=timeout)

    def until(self, kind: str, timeout: float = 20) -> tuple[dict[str, Any], list[bytes] | None]:
        deadline = time.monotonic() + timeout
        while True:
            content, buffers = self.next(max(0.01, deadline - time.monotonic()))
            if content["type"] == kind:
                return content, buffers
            if content["type"] == "relay_closed":
                raise AssertionError(f"relay closed while waiting for {kind}: {content}")

    def drain(self, quiet: float) -> list[tuple[dict[str, Any], list[bytes] | None]]:
        """Everything that arrives until nothing has for `quiet` seconds."""
        out = []
        while True:
            try:
                out.append(self.messages.get(timeout=quiet))
            except queue.Empty:
                return out


def hello(viewer: napari_cuda.Viewer, token: str) -> str:
    return json.dumps(
        {
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "token": token,
            "viewer_id": viewer.model_id,
            "canvas": CANVAS,
            "codecs": ["avc1.42E028"],
            "seq": 0,
            "state": viewer._viewer_state(),
        }
    )


@pytest.fixture
def relayed(viewer: napari_cuda.Viewer):
    """A viewer with an image, its daemon, and a relay opened to it (id "r1")."""
    viewer.add_image(np.random.default_rng(1).integers(0, 255, (96, 128), dtype=np.uint8))
    daemon = viewer._link.ensure()
    view = View()
    relays = Relays(view.send, lambda: daemon.port)
    relays.handle({"type": "relay_open", "relay": "r1"})
    view.until("relay_opened")
    try:
        yield viewer, daemon, view, relays
    finally:
        relays.close_all()


def test_frames_are_forwarded_only_as_acks_come_back(relayed) -> None:
    viewer, daemon, view, relays = relayed
    relays.handle({"type": "relay_send", "relay": "r1", "texts": [hello(viewer, daemon.view_token)]})
    content, buffers = view.until("relay_frame")
    assert buffers is not None and len(buffers) == 1
    assert parse_frame_header(buffers[0])["keyframe"]
    # Many camera moves, no acks: the daemon holds frames back once its window is full.
    state = viewer._viewer_state()
    for seq in range(1, 41):
        state["camera"]["zoom"] = 10.0 + seq
        relays.handle(
            {"type": "relay_send", "relay": "r1", "texts": [json.dumps({"type": "state", "seq": seq, "state": state})]}
        )
    later = [buffers for content, buffers in view.drain(quiet=1.5) if content["type"] == "relay_frame"]
    in_flight = 1 + len(later)
    assert 1 <= in_flight <= MAX_IN_FLIGHT, f"{in_flight} frames in flight without an ack"
    assert relays.frames == in_flight
    # An ack for the last frame opens the window: the newest state is rendered and forwarded.
    last_id = parse_frame_header((later or [buffers])[-1][0])["frame_id"]
    relays.handle({"type": "relay_send", "relay": "r1", "texts": [json.dumps({"type": "ack", "frame_id": last_id})]})
    _, more = view.until("relay_frame")
    assert parse_frame_header(more[0])["frame_id"] > last_id


def test_view_close_ends_the_relay_quietly(relayed) -> None:
    viewer, daemon, view, relays = relayed
    relays.handle({"type": "relay_send", "relay": "r1", "texts": [hello(viewer, daemon.view_token)]})
    view.until("relay_frame")
    relays.handle({"type": "relay_close", "relay": "r1"})
    deadline = time.monotonic() + 10
    while relays.open_count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert relays.open_count == 0
    assert not [c for c, _ in view.drain(quiet=0.5) if c["type"] == "relay_closed"]


def test_the_daemons_close_code_reaches_the_view(relayed) -> None:
    viewer, _daemon, view, relays = relayed
    relays.handle({"type": "relay_send", "relay": "r1", "texts": [hello(viewer, "not-the-token")]})
    while True:
        content, _ = view.next()
        if content["type"] == "relay_closed":
            break
    assert content["code"] == 1008  # unauthorized: the widget does not retry


def test_no_daemon_closes_the_relay_with_a_reason() -> None:
    view = View()
    relays = Relays(view.send, lambda: None)
    relays.handle({"type": "relay_open", "relay": "r2"})
    content, _ = view.next()
    assert content == {
        "type": "relay_closed",
        "relay": "r2",
        "code": 1011,
        "reason": "the render daemon is not running",
    }
    assert not relays.handle({"type": "connect"})


def test_transport_mode_from_env(monkeypatch) -> None:
    monkeypatch.delenv("NAPARI_CUDA_CONNECT", raising=False)
    monkeypatch.delenv("NAPARI_CUDA_TRANSPORT", raising=False)
    assert connect_mode() == "auto"
    monkeypatch.setenv("NAPARI_CUDA_CONNECT", "direct")
    assert connect_mode() == "direct"
    monkeypatch.setenv("NAPARI_CUDA_TRANSPORT", "Comm")
    assert connect_mode() == "comm"  # the new name wins
    monkeypatch.setenv("NAPARI_CUDA_TRANSPORT", "pigeon")
    with pytest.raises(ValueError, match="NAPARI_CUDA_TRANSPORT"):
        connect_mode()


def test_relay_messages_publish_fewer_statuses() -> None:
    """On the relay's subshell thread: no busy; no idle either for an untracked relay's messages."""
    import threading

    from napari_cuda import _comm_relay

    published: list[tuple[str, str | None]] = []

    class Kernel:  # ipykernel's two methods the wrapper uses
        parent: dict[str, Any] = {}

        def _publish_status(self, status: str, channel: str, parent: Any = None) -> None:
            published.append((status, _comm_relay._relay_of(parent or self.parent)))

        def get_parent(self, channel: str) -> dict[str, Any]:
            return self.parent

    kernel = Kernel()
    _comm_relay._quiet_busy_status(kernel, "subshell-test")
    view = View()
    # A listener that never answers the WebSocket handshake keeps both relays opening meanwhile.
    silent = socket.create_server(("127.0.0.1", 0))
    relays = Relays(view.send, lambda: silent.getsockname()[1])
    relays.handle({"type": "relay_open", "relay": "quiet", "untracked": True})
    relays.handle({"type": "relay_open", "relay": "loud"})

    def message(relay: str) -> dict[str, Any]:
        return {"content": {"data": {"method": "custom", "content": {"type": "relay_send", "relay": relay}}}}

    def on_subshell() -> None:
        for relay in ("quiet", "loud"):
            kernel.parent = message(relay)
            kernel._publish_status("busy", "shell")
            kernel._publish_status("idle", "shell")

    thread = threading.Thread(target=on_subshell, name="subshell-test")
    thread.start()
    thread.join()
    kernel.parent = message("quiet")
    kernel._publish_status("busy", "shell")  # any other thread: unchanged
    relays.close_all()
    silent.close()
    assert published == [("idle", "loud"), ("busy", "quiet")]


# -- in a real ipykernel (>= 7): where relay messages are handled ------------------------------------------


@pytest.fixture
def kernel_view(daemon_bundle: object):  # type: ignore[no-untyped-def]
    """A real kernel with a viewer whose view connected (so its relay messages are routed)."""
    from test_kernel import SETUP, Kernel

    kernel = Kernel()
    try:
        comm_id = json.loads(kernel.run(SETUP))["model_id"]
        kernel.comm_send(comm_id, {"method": "custom", "content": {"type": "connect"}})
        token = kernel.wait_comm_msg(comm_id, "custom")["content"]["token"]
        yield kernel, comm_id, token
    finally:
        kernel.stop()


def relay_msg(kernel: Any, comm_id: str, content: dict[str, Any]) -> str:
    return kernel.comm_send(comm_id, {"method": "custom", "content": content})


def next_relay(kernel: Any, comm_id: str, kind: str) -> dict[str, Any]:
    """The next relay message of `kind` from the kernel (comm message, buffers included)."""
    while True:
        msg = kernel.wait_comm(comm_id, "custom")
        content = msg["content"]["data"]["content"]
        if content["type"] == kind:
            return msg
        assert content["type"] != "relay_closed", content


def relay_hello(kernel: Any, comm_id: str, token: str) -> str:
    state = json.loads(kernel.run("print(json.dumps(viewer._viewer_state()))"))
    return json.dumps(
        {
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "token": token,
            "viewer_id": comm_id,
            "canvas": CANVAS,
            "codecs": ["avc1.42E028"],
            "seq": 0,
            "state": state,
        }
    )


def statuses_of(kernel: Any, msg_ids: list[str]) -> list[str]:
    return [
        m["content"]["execution_state"]
        for m in kernel.iopub
        if m["msg_type"] == "status" and m["parent_header"].get("msg_id") in msg_ids
    ]


def test_untracked_relay_messages_skip_the_shell_while_a_cell_runs(kernel_view) -> None:  # type: ignore[no-untyped-def]
    """An untracked relay's messages are handled where the kernel routes them: frames and acks keep
    flowing while a cell blocks the shell, with no status message for any of them."""
    kernel, comm_id, token = kernel_view
    hello_text = relay_hello(kernel, comm_id, token)
    busy = kernel.kc.execute("import time; time.sleep(6)")
    sent = [relay_msg(kernel, comm_id, {"type": "relay_open", "relay": "q1", "untracked": True})]
    next_relay(kernel, comm_id, "relay_opened")
    sent.append(relay_msg(kernel, comm_id, {"type": "relay_send", "relay": "q1", "texts": [hello_text]}))
    frame = next_relay(kernel, comm_id, "relay_frame")
    last = parse_frame_header(frame["buffers"][0])["frame_id"]
    for _ in range(3):  # ack each frame, move the camera: the next frame comes over the relay
        state = json.loads(hello_text)["state"]
        state["camera"]["zoom"] = 2.0 + last
        texts = [
            json.dumps({"type": "ack", "frame_id": last}),
            json.dumps({"type": "state", "seq": last, "state": state}),
        ]
        sent.append(relay_msg(kernel, comm_id, {"type": "relay_send", "relay": "q1", "texts": texts}))
        frame = next_relay(kernel, comm_id, "relay_frame")
        last = parse_frame_header(frame["buffers"][0])["frame_id"]
    assert last >= 4
    # IOPub is ordered: the cell's idle would be recorded before the last frame had it ended first.
    assert statuses_of(kernel, [busy]) == ["busy"], "the cell ended before the relay's frames came"
    kernel.wait_idle(busy)
    assert statuses_of(kernel, sent) == []
    assert int(kernel.run("print(viewer._link.relays.inline)")) == len(sent)
    relay_msg(kernel, comm_id, {"type": "relay_close", "relay": "q1"})


def test_tracked_relay_messages_go_to_the_subshell_and_get_their_idle(kernel_view) -> None:  # type: ignore[no-untyped-def]
    """A page that tracks its messages waits for each one's idle: those go to the relay's subshell."""
    kernel, comm_id, token = kernel_view
    opened = relay_msg(kernel, comm_id, {"type": "relay_open", "relay": "t1"})
    next_relay(kernel, comm_id, "relay_opened")
    hello_id = relay_msg(
        kernel, comm_id, {"type": "relay_send", "relay": "t1", "texts": [relay_hello(kernel, comm_id, token)]}
    )
    next_relay(kernel, comm_id, "relay_frame")
    kernel.wait_idle(opened)
    kernel.wait_idle(hello_id)
    assert "busy" not in statuses_of(kernel, [opened, hello_id])
    assert kernel.run("print(viewer._link.relays.inline)").strip() == "0"
    relay_msg(kernel, comm_id, {"type": "relay_close", "relay": "t1"})
