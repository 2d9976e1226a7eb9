"""A real JupyterLab server (non-root base_url, as on a Hub) and a client for its kernels."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client import BlockingKernelClient

BASE_URL = "/user/tester/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """Starts `jupyter lab` on 127.0.0.1 with a random token in a scratch root dir."""

    def __init__(self, root: Path, base_url: str = BASE_URL) -> None:
        self.root = root
        self.base_url = base_url
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.runtime_dir = root / ".runtime"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = root / ".jupyter.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    def start(self, timeout: float = 90) -> LabServer:
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
            JUPYTERLAB_SETTINGS_DIR=str(self.root / ".settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.root / ".workspaces"),
        )
        jupyter = Path(sys.executable).parent / "jupyter"
        cmd = [
            str(jupyter),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.base_url={self.base_url}",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=None",
            "--LabApp.extension_manager=readonly",
        ]
        if os.geteuid() == 0:
            cmd.append("--allow-root")  # CI and containers run as root
        log = open(self.log_path, "wb")
        self._log = log
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{self.log_tail()}")
            try:
                self.api("api/status")
                return self
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"jupyter lab did not start in {timeout}s:\n{self.log_tail()}")

    def api(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(self.url + path, method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
            return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every kernel (and so every daemon the kernels started)."""
        for k in self.api("api/kernels"):  # type: ignore[union-attr]
            self.api(f"api/kernels/{k['id']}", method="DELETE")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def kernel_client(self, notebook: str, timeout: float = 60) -> BlockingKernelClient:
        """A client on the kernel of the notebook session `notebook` (a path relative to root)."""
        return session_kernel_client(lambda: self.api("api/sessions"), self.runtime_dir, notebook, timeout)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            time.sleep(0.2)
            self.proc.send_signal(signal.SIGINT)  # jupyter asks to confirm on the first ^C
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()
        self.proc = None


def session_kernel_client(
    sessions: Callable[[], Any], runtime_dir: Path, notebook: str, timeout: float = 60
) -> BlockingKernelClient:
    """A client on the kernel of the session whose path is `notebook`, from a server's sessions API
    (`sessions()`) and the runtime dir that holds its kernels' connection files."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for s in sessions():
            if s.get("path") == notebook and s.get("kernel"):
                cf = runtime_dir / f"kernel-{s['kernel']['id']}.json"
                if cf.exists():
                    kc = BlockingKernelClient(connection_file=str(cf))
                    kc.load_connection_file()
                    kc.start_channels()
                    kc.wait_for_ready(timeout=30)
                    return kc
        time.sleep(0.3)
    raise TimeoutError(f"no kernel session for {notebook}")


def run_code(kc: BlockingKernelClient, code: str, timeout: float = 60) -> str:
    """Execute `code` in the kernel; return its stdout. Raises on an error in the cell."""
    out: list[str] = []
    errors: list[str] = []

    def hook(msg: dict) -> None:
        t = msg["msg_type"]
        c = msg["content"]
        if t == "stream" and c.get("name") == "stdout":
            out.append(c["text"])
        elif t == "error":
            errors.append("\n".join(c.get("traceback", [])) or f"{c.get('ename')}: {c.get('evalue')}")

    reply = kc.execute_interactive(code, output_hook=hook, timeout=timeout, store_history=False)
    if errors or reply["content"]["status"] != "ok":
        raise RuntimeError(f"kernel error running {code!r}:\n" + "\n".join(errors))
    return "".join(out)


def copy_examples(dest: Path) -> None:
    """The example notebooks and the scripts they run (make_demo_data.py), as `make demo` lays them out."""
    src = Path(__file__).resolve().parents[2] / "examples"
    for p in [*src.glob("*.ipynb"), *src.glob("*.py")]:
        shutil.copy(p, dest / p.name)


@contextlib.contextmanager
def lab_without_proxy(
    tmp_path_factory: Any, env: dict[str, str], disabled_labextensions: tuple[str, ...] = ()
) -> Iterator[LabServer]:
    """A JupyterLab over the examples whose server has no jupyter-server-proxy (a user config dir turns
    it off), with `env` for the server and its kernels, and these JupyterLab extensions disabled."""
    root = tmp_path_factory.mktemp("lab-noproxy")
    copy_examples(root)
    config = tmp_path_factory.mktemp("jupyter-config")
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"jupyter_server_proxy": False}}})
    )
    if disabled_labextensions:
        (config / "labconfig").mkdir()
        disabled = {"disabledExtensions": {name: True for name in disabled_labextensions}}
        (config / "labconfig" / "page_config.json").write_text(json.dumps(disabled))
    with pytest.MonkeyPatch.context() as mp:  # the server (and its kernels) keep what it started with
        for key, value in {"JUPYTER_CONFIG_DIR": str(config), **env}.items():
            mp.setenv(key, value)
        server = LabServer(root).start()
    try:
        yield server
    finally:
        server.stop()
