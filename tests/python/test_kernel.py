"""The bridge in a real IPython kernel: comm state both ways, the connect hand-off, kernel death."""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import re
import signal
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from jupyter_client import KernelManager
from jupyter_client.blocking import BlockingKernelClient
from nc_support import child_env, cmdline, descendants, open_view, pid_alive, wait_gone
from PIL import Image as PILImage

from napari_cuda._protocol import PROTOCOL_VERSION


class Kernel:
    """A python3 kernel plus a client that records iopub messages."""

    def __init__(self) -> None:
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(env=child_env())
        self.kc: BlockingKernelClient = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        self.iopub: list[dict[str, Any]] = []
        self._scanned = 0

    def run(self, code: str, timeout: float = 60) -> str:
        """Execute code; return its stdout; raise on an error."""
        out, error = self.result(self.kc.execute(code), timeout)
        if error is not None:
            raise AssertionError("\n".join(error["traceback"]))
        return out

    def result(self, msg_id: str, timeout: float = 60) -> tuple[str, dict[str, Any] | None]:
        """Stdout and error content (None: it succeeded) of an executed cell, once it is done."""
        out: list[str] = []
        error, deadline, i = None, time.monotonic() + timeout, 0
        while True:
            if i == len(self.iopub):
                self.iopub.append(self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic())))
            msg, i = self.iopub[i], i + 1
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content["name"] == "stdout":
                out.append(content["text"])
            elif kind == "error":
                error = content
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out), error

    def index_of(self, msg_id: str, kind: str, state: str | None = None) -> int:
        """Position in the recorded iopub of the first `kind` message of cell `msg_id`."""
        for i, msg in enumerate(self.iopub):
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == kind:
                if state is None or msg["content"].get("execution_state") == state:
                    return i
        raise AssertionError(f"no {kind} message of {msg_id}")

    def comm_send(self, comm_id: str, data: dict[str, Any]) -> str:
        """What a widget view sends to its model in the kernel; returns the message id."""
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def wait_idle(self, msg_id: str, timeout: float = 30) -> None:
        """Until the kernel published idle for message `msg_id` (a frontend waits for it)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.index_of(msg_id, "status", "idle")
                return
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
            try:
                self.iopub.append(self.kc.get_iopub_msg(timeout=0.2))
            except queue.Empty:
                pass

    def wait_comm_msg(self, comm_id: str, method: str, timeout: float = 30) -> dict[str, Any]:
        """The first comm message from the model with this method not returned before."""
        return self.wait_comm(comm_id, method, timeout)["content"]["data"]

    def wait_comm(self, comm_id: str, method: str, timeout: float = 30) -> dict[str, Any]:
        """The whole first comm message (buffers included) with this method not returned before."""
        deadline = time.monotonic() + timeout
        while True:
            while self._scanned < len(self.iopub):
                msg = self.iopub[self._scanned]
                self._scanned += 1
                content = msg["content"]
                if msg["msg_type"] == "comm_msg" and content.get("comm_id") == comm_id:
                    if content["data"].get("method") == method:
                        return msg
            if time.monotonic() > deadline:
                raise AssertionError(f"no comm_msg {method!r} within {timeout} s")
            try:
                self.iopub.append(self.kc.get_iopub_msg(timeout=0.2))
            except queue.Empty:
                pass

    def stop(self) -> None:
        self.kc.stop_channels()
        if self.km.is_alive():
            self.km.shutdown_kernel(now=True)


@pytest.fixture
def kernel(daemon_bundle: object) -> Iterator[Kernel]:
    k = Kernel()
    try:
        yield k
    finally:
        k.stop()


SETUP = """
import json
import numpy as np
import napari_cuda
viewer = napari_cuda.Viewer()
viewer.add_image(np.arange(48 * 64, dtype=np.uint16).reshape(48, 64), colormap="magma")
print(json.dumps({"model_id": viewer.model_id, "pid": viewer.info()["pid"]}))
"""


def test_kernel_bridge_in_a_real_kernel(kernel: Kernel) -> None:
    facts = json.loads(kernel.run(SETUP))
    comm_id, daemon_pid = facts["model_id"], facts["pid"]
    opened = [m for m in kernel.iopub if m["msg_type"] == "comm_open" and m["content"]["comm_id"] == comm_id]
    assert len(opened) == 1
    state = opened[0]["content"]["data"]["state"]
    assert state["_model_name"] == "ViewerModel" and state["_model_module"] == "napari-cuda"

    # The view asks for the connection; the kernel answers on the comm, never in a trait.
    kernel.comm_send(comm_id, {"method": "custom", "content": {"type": "connect"}})
    reply = kernel.wait_comm_msg(comm_id, "custom")["content"]
    assert reply["type"] == "connection" and reply["protocol"] == PROTOCOL_VERSION
    assert reply["viewer_id"] == comm_id and isinstance(reply["port"], int)
    token = reply["token"]
    assert len(token) >= 43
    # Nothing else the kernel published (comm_open state, updates, output) holds the token.
    others = [m for m in kernel.iopub if m["content"].get("data", {}).get("method") != "custom"]
    assert not any(token in json.dumps(m["content"]) for m in others)

    # The token opens a stream for this viewer (meta lists its layer).
    layers_state = json.loads(kernel.run("print(json.dumps(viewer._viewer_state()))"))
    canvas = {"width": 64, "height": 48, "pixel_ratio": 1}
    ws = open_view(reply["port"], token, comm_id, layers_state, canvas)
    try:
        meta = json.loads(ws.recv(timeout=10))
    finally:
        ws.close()
    assert meta["type"] == "meta" and meta["layers"][0]["shape"] == [48, 64]

    # Kernel -> view: a Python assignment becomes a comm update.
    kernel.run("viewer.camera.zoom = 4")
    update = kernel.wait_comm_msg(comm_id, "update")
    assert update["state"]["camera"]["zoom"] == 4.0

    # View -> kernel: an update from the view is what viewer.camera reads.
    camera = {"center": [10.5, 20.25], "zoom": 2.5, "angles": [0, 0, 90]}
    kernel.comm_send(comm_id, {"method": "update", "state": {"camera": camera}, "buffer_paths": []})
    got = json.loads(kernel.run("print(json.dumps([viewer.camera.center, viewer.camera.zoom]))"))
    assert got == [[10.5, 20.25], 2.5]

    # The kernel dies: its daemon (and the view's ffmpeg) follow within 5 s.
    tree = [daemon_pid, *descendants(daemon_pid)]
    kernel.km.shutdown_kernel(now=True)
    try:
        left = wait_gone(tree, 5)
        assert left == [], f"still running 5 s after the kernel died: {[cmdline(p) for p in left]}"
    finally:
        for pid in tree:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_connect_reports_a_daemon_that_cannot_start(kernel: Kernel) -> None:
    code = (
        "import os, napari_cuda\n"
        "os.environ['NAPARI_CUDA_NODE'] = '/nonexistent/node'\n"
        "viewer = napari_cuda.Viewer()\n"
        "print(viewer.model_id)\n"
    )
    comm_id = kernel.run(code).strip()
    kernel.comm_send(comm_id, {"method": "custom", "content": {"type": "connect"}})
    reply = kernel.wait_comm_msg(comm_id, "custom")["content"]
    assert reply["type"] == "error" and "needs Node.js >= 20" in reply["message"]


def _update(kernel: Kernel, comm_id: str, **state: Any) -> str:
    """A view writing synced traits."""
    return kernel.comm_send(comm_id, {"method": "update", "state": state, "buffer_paths": []})


def test_wait_for_view_handles_the_views_messages_while_the_cell_blocks(kernel: Kernel) -> None:
    comm_id = json.loads(kernel.run(SETUP))["model_id"]
    # Run All: both cells are queued before the view (displayed by an earlier cell) says anything.
    a = kernel.kc.execute(
        "viewer.wait_for_view(timeout=30)\nprint('A', viewer.stream_info['frames'], viewer.canvas['width'])"
    )
    b = kernel.kc.execute("print('B', viewer.stream_info['frames'])")
    kernel.comm_send(comm_id, {"method": "custom", "content": {"type": "connect"}})
    # Answered while cell A still blocks: the kernel handled the view's message inside the wait.
    assert kernel.wait_comm_msg(comm_id, "custom")["content"]["type"] == "connection"
    with pytest.raises(AssertionError):
        kernel.index_of(a, "status", "idle")
    # A widget model sends its next update only once the kernel said idle for the previous one.
    for state in (
        {"canvas": {"width": 640, "height": 480, "pixel_ratio": 1}},
        {"stream_info": {"status": "connecting", "frames": 0}},
        {"stream_info": {"status": "streaming", "frames": 2}},
    ):
        kernel.wait_idle(_update(kernel, comm_id, **state))
    assert kernel.result(a) == ("A 2 640\n", None)  # its output still goes to cell A
    assert kernel.result(b) == ("B 2\n", None)
    # B (kept during the wait) ran after A, and only then.
    assert kernel.index_of(a, "status", "idle") < kernel.index_of(b, "execute_input")
    # The kernel keeps serving: a later view message and cell work as before.
    _update(kernel, comm_id, canvas={"width": 320, "height": 240, "pixel_ratio": 1})
    assert kernel.run("print(viewer.canvas['width'])") == "320\n"


def test_wait_for_view_says_what_it_saw(kernel: Kernel) -> None:
    comm_id = json.loads(kernel.run(SETUP))["model_id"]
    _, error = kernel.result(kernel.kc.execute("viewer.wait_for_view(timeout=0.5)"))
    assert error is not None and error["ename"] == "TimeoutError"
    assert "no view of this viewer was displayed within 0.5 s" in error["evalue"]
    _update(kernel, comm_id, stream_info={"status": "connecting", "frames": 0, "error": None})
    _, error = kernel.result(kernel.kc.execute("viewer.wait_for_view(timeout=0.5)"))
    assert error is not None
    assert "is displayed but showed no frame within 0.5 s (status 'connecting', 0 frames)" in error["evalue"]


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_daemon_error_in_a_cell_shows_only_the_users_frames(kernel: Kernel) -> None:
    kernel.run(SETUP)
    _, error = kernel.result(kernel.kc.execute("x = 1\nviewer.add_image('missing.ome.zarr')"))
    assert error is not None and error["ename"] == "DataSourceError"
    assert error["evalue"].startswith("no such file or directory: ") and "(at " not in error["evalue"]
    shown = ANSI.sub("", "\n".join(error["traceback"]))
    assert "napari_cuda/" not in shown, shown  # no internal frame
    assert shown.count("Cell In[") == 1 and "----> 2 viewer.add_image('missing.ome.zarr')" in shown, shown
    assert len(shown.splitlines()) <= 12, shown


def test_view_requests_screenshot_and_reset_view(kernel: Kernel) -> None:
    comm_id = json.loads(kernel.run(SETUP))["model_id"]
    _update(kernel, comm_id, canvas={"width": 96, "height": 64, "pixel_ratio": 1})
    kernel.comm_send(comm_id, {"method": "custom", "content": {"type": "screenshot", "id": "shot-1"}})
    msg = kernel.wait_comm(comm_id, "custom")
    assert msg["content"]["data"]["content"] == {"type": "screenshot", "id": "shot-1", "ok": True}
    assert len(msg["buffers"]) == 1
    png = np.asarray(PILImage.open(io.BytesIO(bytes(msg["buffers"][0]))))
    assert png.shape == (64, 96, 4)
    expected = kernel.run("import hashlib\nprint(hashlib.sha256(viewer.screenshot().tobytes()).hexdigest())")
    assert hashlib.sha256(png.tobytes()).hexdigest() == expected.strip()

    # A failure is an error reply (the kernel keeps serving); so is a request without an id.
    _update(kernel, comm_id, canvas={"width": 100000, "height": 64, "pixel_ratio": 1})
    kernel.comm_send(comm_id, {"method": "custom", "content": {"type": "screenshot", "id": "shot-2"}})
    msg = kernel.wait_comm(comm_id, "custom")
    reply = msg["content"]["data"]["content"]
    assert reply["id"] == "shot-2" and reply["ok"] is False and "width" in reply["error"] and not msg["buffers"]
    kernel.comm_send(comm_id, {"method": "custom", "content": {"type": "screenshot"}})
    assert kernel.wait_comm_msg(comm_id, "custom")["content"]["ok"] is False

    _update(kernel, comm_id, canvas={"width": 128, "height": 96, "pixel_ratio": 1})
    kernel.run("viewer.camera.update(center=(1, 2), zoom=9)")
    kernel.comm_send(comm_id, {"method": "custom", "content": {"type": "reset_view"}})
    got = json.loads(kernel.run("print(json.dumps([viewer.camera.center, viewer.camera.zoom]))"))
    assert got == [[23.5, 31.5], pytest.approx(128 / 64 * 0.95)]  # the 48 x 64 image fits 96 x 128
