"""Browser end-to-end: the comm transport, in a JupyterLab whose server has no jupyter-server-proxy.

The proxy route answers 404 there and the page is on 127.0.0.1, so `auto` tries the proxy, then direct
loopback, then the kernel's comm relay; NAPARI_CUDA_TRANSPORT=comm makes the relay the only candidate
here (direct would otherwise win on a local page). The quickstart's assertions hold over the relay, and
frames keep coming while a cell runs in the kernel (relay messages go to a kernel subshell).
"""

from __future__ import annotations

import urllib.error
from collections.abc import Iterator

import pytest

# The quickstart's assertions, collected here: they run on this module's `lab`.
from test_quickstart import (  # noqa: F401
    test_canvas_shows_the_daemon_rendering,
    test_drag_and_wheel_reach_the_kernel,
    test_kernel_camera_drives_the_canvas,
)

from support.browser import settle, wait_until
from support.lab import LabServer, lab_without_proxy, run_code


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab without jupyter-server-proxy, comm forced."""
    with lab_without_proxy(tmp_path_factory, {"NAPARI_CUDA_TRANSPORT": "comm"}) as server:
        yield server


def test_no_proxy_route_and_the_view_uses_comm(quickstart, lab) -> None:  # type: ignore[no-untyped-def]
    page, _, _ = quickstart
    with pytest.raises(urllib.error.HTTPError) as err:
        lab.api("proxy/127.0.0.1:1/stream")
    assert err.value.code == 404
    assert page.evaluate("() => globalThis.__napariCuda.views[0].transport") == "comm"
    # The server extension turned Nagle off on the kernel WebSocket that carries the relay.
    assert "TCP_NODELAY on a kernel WebSocket that carries a comm relay" in lab.log_path.read_text()


def test_frames_keep_coming_while_a_cell_runs(quickstart) -> None:
    """The quickstart's animation loop, run while the test watches the page: the relay is not blocked."""
    page, kc, _ = quickstart
    settle(page)
    frames = lambda: page.evaluate("() => globalThis.__napariCuda.views[0].stats().frames")  # noqa: E731
    run_code(kc, "import time, numpy as np; _done = False")
    msg_id = kc.execute(
        "for t in np.linspace(0, 2 * np.pi, 150):\n"
        "    viewer.camera.center = (h / 2 + 200 * np.sin(t), w / 2 + 300 * np.cos(t))\n"
        "    time.sleep(1 / 30)\n"
        "_done = True\n"
    )
    start = frames()
    wait_until(lambda: frames() >= start + 20, timeout=20)
    during = frames() - start
    # Still running: the frames above came while the kernel's shell was busy with the loop.
    assert not kc.shell_channel.msg_ready(), "the cell ended before 20 frames were shown"
    reply = kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=30)
    assert reply["content"]["status"] == "ok"
    print(f"frames shown during the busy cell: {during}+")
    assert run_code(kc, "print(_done)").strip() == "True"


def test_one_relay_per_view(quickstart) -> None:  # type: ignore[no-untyped-def]
    _, kc, _ = quickstart
    assert run_code(kc, "print(viewer._link.relays.open_count)").strip() == "1"
    # JupyterLab's comm lets the view drop each relay message's kernel future: the kernel sends no status.
    assert run_code(kc, "from napari_cuda import _comm_relay; print(len(_comm_relay._untracked))").strip() == "1"
    # ...so its messages (hello, states, acks) are handled where ipykernel routes them, never dispatched.
    assert int(run_code(kc, "print(viewer._link.relays.inline)")) > 10
