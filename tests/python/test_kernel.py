"""The bridge in a real IPython kernel: comm state both ways, the connect hand-off, kernel death."""

from __future__ import annotations

import json
import os
import queue
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client import KernelManager
from jupyter_client.blocking import BlockingKernelClient
from nc_support import child_env, cmdline, descendants, open_view, pid_alive, wait_gone


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
        msg_id = self.kc.execute(code)
        out, deadline = [], time.monotonic() + timeout
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            self.iopub.append(msg)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content["name"] == "stdout":
                out.append(content["text"])
            elif kind == "error":
                raise AssertionError("\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out)

    def comm_send(self, comm_id: str, data: dict[str, Any]) -> None:
        """What a widget view sends to its model in the kernel."""
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.kc.shell_channel.send(msg)

    def wait_comm_msg(self, comm_id: str, method: str, timeout: float = 30) -> dict[str, Any]:
        """The first comm message from the model with this method not returned before."""
        deadline = time.monotonic() + timeout
        while True:
            while self._scanned < len(self.iopub):
                msg = self.iopub[self._scanned]
                self._scanned += 1
                content = msg["content"]
                if msg["msg_type"] == "comm_msg" and content.get("comm_id") == comm_id:
                    if content["data"].get("method") == method:
                        return content["data"]
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
    assert reply["type"] == "connection" and reply["protocol"] == 1
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
