"""Helpers shared by the Python tests: repo paths, /proc process inspection, node scripts."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BRIDGE = REPO / "kernel-bridge"
HERE = Path(__file__).resolve().parent
NODE_ENV = {**os.environ, "NODE_NO_WARNINGS": "1"}


def child_env() -> dict[str, str]:
    """Environment for Python children (scripts, kernels): this source tree first, our tmp dir."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BRIDGE), str(HERE), env.get("PYTHONPATH")) if p)
    env["TMPDIR"] = tempfile.gettempdir()
    return env


def run_node(script: str, timeout: float = 60) -> Any:
    """Run an ES module snippet with tsx from the repo root; returns the JSON it prints last."""
    out = subprocess.run(
        ["node", "--import", "tsx", "--input-type=module", "-e", script],
        cwd=REPO,
        env=NODE_ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, f"node failed ({out.returncode}):\n{out.stderr[-3000:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


def pid_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children(pid: int) -> list[int]:
    """Direct children of `pid` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def descendants(pid: int) -> list[int]:
    """All processes below `pid`."""
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found.extend(kids)
        todo.extend(kids)
    return found


def cmdline(pid: int) -> str:
    """The command line of `pid` ('' if gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Poll until every pid is gone; returns those still alive after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    alive = [p for p in pids if pid_alive(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if pid_alive(p)]
    return alive


def open_view(
    port: int,
    token: str,
    viewer_id: str,
    state: dict[str, Any],
    canvas: dict[str, Any],
    codecs: tuple[str, ...] = ("avc1.42E028",),
) -> Any:
    """A /stream connection that sent its hello (what a browser view does); caller closes it."""
    from websockets.sync.client import connect

    from napari_cuda._control import _DIRECT
    from napari_cuda._protocol import PROTOCOL_VERSION

    ws = connect(f"ws://127.0.0.1:{port}/stream", max_size=None, compression=None, **_DIRECT)
    hello = {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "token": token,
        "viewer_id": viewer_id,
        "canvas": canvas,
        "codecs": list(codecs),
        "seq": 0,
        "state": state,
    }
    ws.send(json.dumps(hello))
    return ws


def first_frame(ws: Any, timeout: float = 20) -> tuple[list[dict[str, Any]], bytes]:
    """Read until the first binary frame; returns the text messages seen before it and the frame."""
    texts = []
    deadline = time.monotonic() + timeout
    while True:
        msg = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        if isinstance(msg, bytes):
            return texts, msg
        texts.append(json.loads(msg))
        if texts[-1].get("type") == "error":
            raise AssertionError(f"stream error: {texts[-1]}")
