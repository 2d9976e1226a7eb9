"""A real JupyterHub on loopback: configurable-http-proxy from node_modules, DummyAuthenticator,
SimpleLocalProcessSpawner running `jupyterhub-singleuser` (JupyterLab) from this venv as this user."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
from jupyter_client import BlockingKernelClient
from playwright.sync_api import Page

from support.lab import free_port, session_kernel_client

REPO = Path(__file__).resolve().parents[2]
CHP = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
CONFIG = Path(__file__).with_name("hub_config.py")


class Hub:
    """Starts `jupyterhub -f hub_config.py` in a scratch root; users' homes are root/home/<name>."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.password = secrets.token_hex(8)
        self.api_token = secrets.token_hex(16)  # the "e2e" service's: admin of users and servers
        self.runtime_dir = root / "runtime"
        self.log_path = root / "hub.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.seen: dict[int, str] = {}  # pid -> name of every process the hub started (for stop())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def home(self, user: str) -> Path:
        return self.root / "home" / user

    def start(self, timeout: float = 60) -> Hub:
        venv_bin = Path(sys.executable).parent
        settings = {
            "root": str(self.root),
            "port": self.port,
            "hub_port": free_port(),
            "api_port": free_port(),
            "chp": str(CHP),
            "password": self.password,
            "api_token": self.api_token,
            "singleuser": str(venv_bin / "jupyterhub-singleuser"),
            "path": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "runtime_dir": str(self.runtime_dir),
            "allow_root": os.geteuid() == 0,
        }
        (self.root / "home").mkdir(parents=True, exist_ok=True)
        # This venv first, as for the spawned servers (configurable-http-proxy runs with the `node` on PATH).
        env = dict(os.environ, PATH=settings["path"], NAPARI_CUDA_HUB_TEST=json.dumps(settings))
        self._log = open(self.log_path, "wb")
        cmd = [str(venv_bin / "jupyterhub"), "-f", str(CONFIG)]
        self.proc = subprocess.Popen(cmd, env=env, cwd=self.root, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited early:\n{self.log_tail()}")
            try:
                self.api("hub/api/")
                return self
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.3)
        raise TimeoutError(f"jupyterhub did not start in {timeout}s:\n{self.log_tail()}")

    def api(self, path: str, method: str = "GET") -> object:
        """A request to the Hub (or, through its proxy, a user's server) with the e2e service's token."""
        headers = {"Authorization": f"token {self.api_token}"}
        req = urllib.request.Request(f"{self.url}/{path}", method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
            return json.loads(body) if body else None

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def login(self, page: Page, user: str) -> None:
        """Log in through the Hub's login page and wait until the user's JupyterLab is up."""
        page.goto(f"{self.url}/hub/login", wait_until="domcontentloaded")
        page.fill("#username_input", user)
        page.fill("#password_input", self.password)
        page.click("#login_submit")
        page.wait_for_url(f"{self.url}/user/{user}/lab**", timeout=120_000)
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)

    def kernel_client(self, user: str, notebook: str, timeout: float = 60) -> BlockingKernelClient:
        """A client on the kernel of `user`'s notebook session `notebook` (the spawner shares our runtime dir)."""
        return session_kernel_client(
            lambda: self.api(f"user/{user}/api/sessions"),
            self.runtime_dir,
            notebook,
            timeout,
        )

    def note_processes(self) -> None:
        """Remember every live descendant of the hub (proxy, single-user servers, kernels, daemons)."""
        if self.proc is None:
            return
        for p in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                self.seen[p.pid] = " ".join(p.cmdline())[:160]
            except psutil.Error:
                pass

    def stop(self) -> list[str]:
        """Stop the hub (it stops the proxy and the servers it spawned, which stop their kernels);
        return the processes it had started that were still alive afterwards (then killed)."""
        if self.proc is None:
            return []
        self.note_processes()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()
        self.proc = None
        leftovers = []
        deadline = time.monotonic() + 15  # kernels and daemons exit after their parents, shortly
        for pid, cmd in self.seen.items():
            try:
                p = psutil.Process(pid)
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except psutil.NoSuchProcess:
                continue
            except psutil.TimeoutExpired:
                leftovers.append(f"{pid}: {cmd}")
                p.kill()
        return leftovers


class HeaderListener:
    """A loopback TCP listener that records the request head of each connection and answers 404:
    proxied to like the daemon, it shows which headers jupyter-server-proxy passes to a backend."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests: list[dict[str, str]] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
                req = {"request-line": lines[0]}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    req[name.strip().lower()] = value.strip()
                self.requests.append(req)
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self) -> None:
        self.sock.close()
