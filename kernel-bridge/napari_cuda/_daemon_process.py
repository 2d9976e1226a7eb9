"""Launch and discovery of the render daemon: one Node process per kernel process."""

from __future__ import annotations

import atexit
import json
import os
import queue
import secrets
import subprocess
import threading
from typing import Any

from ._chunk_server import ChunkServer
from ._control import ControlClient
from ._daemon_log import DaemonLog
from ._launch import NODE_HINT, checked_daemon_script, child_env, find_node
from ._protocol import PROTOCOL_VERSION
from ._scratch import sweep_once

START_TIMEOUT_S = 15.0


class DaemonProcess:
    """A running render daemon: its process, port, tokens (memory only) and control client."""

    def __init__(self) -> None:
        sweep_once()  # a kernel's first daemon reclaims the scratch pyramids of this user's dead kernels
        script = checked_daemon_script()
        node = find_node()
        self._control_token = secrets.token_urlsafe(32)
        self._view_token = secrets.token_urlsafe(32)
        self._owner_pid = os.getpid()
        self._control: ControlClient | None = None
        self._control_lock = threading.Lock()
        self._chunk_server: ChunkServer | None = None
        self._stopped = False
        self._log = DaemonLog()
        self.log_path = self._log.path
        try:
            # Own session: a kernel interrupt (SIGINT to the kernel's process group) must not reach it.
            self._proc = subprocess.Popen(
                [node, str(script), "--parent-pid", str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=child_env(),
                start_new_session=True,
            )
        except OSError as exc:
            self._log.close(keep=False)
            raise RuntimeError(f"{NODE_HINT} (cannot run {node}: {exc})") from exc
        self._stderr_thread = threading.Thread(
            target=self._log.drain, args=(self._proc.stderr,), name="napari-cuda-daemon-stderr", daemon=True
        )
        self._stderr_thread.start()
        first_line: queue.Queue[bytes | None] = queue.Queue(maxsize=1)
        self._stdout_thread = threading.Thread(
            target=self._drain_stdout, args=(first_line,), name="napari-cuda-daemon-stdout", daemon=True
        )
        self._stdout_thread.start()
        try:
            self._send_tokens()
            info = self._await_listening(first_line)
        except BaseException:
            self._kill()
            raise
        self.host: str = info["host"]
        self.port: int = int(info["port"])
        self.pid: int = int(info.get("pid", self._proc.pid))
        self.version: str = str(info.get("version", ""))

    def __repr__(self) -> str:
        state = "running" if self.alive else "stopped"
        return f"<DaemonProcess pid={self._proc.pid} port={getattr(self, 'port', None)} {state}>"

    # -- start-up ---------------------------------------------------------------------------
    def _send_tokens(self) -> None:
        line = json.dumps({"control_token": self._control_token, "view_token": self._view_token})
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(line.encode() + b"\n")
            self._proc.stdin.flush()  # stdin then stays open: its EOF tells the daemon we are gone
        except OSError as exc:
            raise RuntimeError(self._failure("the daemon exited before reading its tokens", exited=True)) from exc

    def _drain_stdout(self, first_line: queue.Queue[bytes | None]) -> None:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        first_line.put(line.strip() if line else None)
        # Nothing else should come on stdout; keep draining so a stray write never blocks.
        self._log.drain(self._proc.stdout, prefix="[stdout] ")

    def _await_listening(self, first_line: queue.Queue[bytes | None]) -> dict[str, Any]:
        try:
            raw = first_line.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            what = f"the daemon did not report its port within {START_TIMEOUT_S:.0f} s"
            raise RuntimeError(self._failure(what)) from None
        if raw is None:
            self._stderr_thread.join(timeout=2)
            raise RuntimeError(self._failure("the daemon exited during start-up", exited=True))
        try:
            info = json.loads(raw)
            ok = info.get("event") == "listening" and isinstance(info.get("port"), int)
        except (ValueError, AttributeError):
            ok = False
        if not ok:
            raise RuntimeError(self._failure(f"unexpected first line from the daemon: {raw[:200]!r}"))
        if info.get("protocol") != PROTOCOL_VERSION:
            what = f"daemon protocol {info.get('protocol')}, this package's {PROTOCOL_VERSION}"
            raise RuntimeError(self._failure(what))
        return info

    def _failure(self, what: str, exited: bool = False) -> str:
        rc = self._proc.poll()
        if rc is None and exited:  # stdout closes a moment before the exit itself: let the status arrive
            try:
                rc = self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        status = f"exit status {rc}" if rc is not None else "still running"
        tail = "\n".join(self._log.tail(30)) or "(no output on stderr)"
        return f"{what} ({status}; log: {self.log_path}). Last stderr lines:\n{tail}"

    # -- use --------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """True while the daemon process runs and was not stopped by us."""
        return not self._stopped and self._proc.poll() is None

    @property
    def view_token(self) -> str:
        """The token browser views present on the stream channel."""
        return self._view_token

    @property
    def control(self) -> ControlClient:
        """The control client (connected lazily)."""
        with self._control_lock:
            if self._control is None:
                self._control = ControlClient(self.port, self._control_token, host=self.host)
            return self._control

    @property
    def chunk_server(self) -> ChunkServer:
        """This daemon's chunk server, which computes lazy layers' chunks (started on first use)."""
        with self._control_lock:
            if self._chunk_server is None:
                if self._stopped:
                    raise RuntimeError("the render daemon was stopped")
                self._chunk_server = ChunkServer(
                    self.port, self._control_token, host=self.host, alive=lambda: self.alive
                )
            return self._chunk_server

    def request(self, op: str, **kwargs: Any) -> Any:
        """Send one control request; see ControlClient.request."""
        return self.control.request(op, **kwargs)

    def wait_exited(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the process to end; True if it has."""
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stderr_tail(self, lines: int = 200) -> list[str]:
        """The last `lines` lines the daemon wrote to stderr."""
        return self._log.tail(lines)

    # -- stop -------------------------------------------------------------------------------
    def shutdown(self, timeout: float = 5.0) -> int | None:
        """Ask the daemon to stop, then close its stdin, then terminate/kill it. Never raises."""
        if os.getpid() != self._owner_pid:
            return None  # a forked child must not stop its parent's daemon
        self._stopped = True
        if self._proc.poll() is None:
            try:
                self.control.request("shutdown", timeout=min(timeout, 2.0))
            except Exception:
                pass  # it may already be going away; the steps below make sure
        with self._control_lock:
            if self._control is not None:
                self._control.close()
        self._close_stdin()
        if not self.wait_exited(timeout):
            self._kill()
        self._finish()
        return self._proc.returncode

    def _close_stdin(self) -> None:
        try:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        except OSError:
            pass

    def _kill(self) -> None:
        self._stopped = True
        self._close_stdin()
        for signal_it, wait_s in ((self._proc.terminate, 2.0), (self._proc.kill, 5.0)):
            if self._proc.poll() is not None:
                break
            try:
                signal_it()
                self._proc.wait(timeout=wait_s)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._finish()

    def _finish(self) -> None:
        with self._control_lock:
            server, self._chunk_server = self._chunk_server, None
        if server is not None:
            server.stop()
        for thread in (self._stdout_thread, self._stderr_thread):
            if thread is not threading.current_thread():
                thread.join(timeout=2)
        self._log.close(keep=self._proc.returncode != 0)  # keep logs only of failed runs


_lock = threading.Lock()
_daemon: DaemonProcess | None = None


def get_daemon() -> DaemonProcess:
    """The daemon of this process, started on first use (or again if it died)."""
    global _daemon
    with _lock:
        if _daemon is not None and _daemon._owner_pid != os.getpid():
            _daemon = None  # inherited through fork: the parent owns that one
        if _daemon is None or not _daemon.alive:
            if _daemon is not None:
                _daemon.shutdown(timeout=1.0)
            _daemon = DaemonProcess()
        return _daemon


def current_daemon() -> DaemonProcess | None:
    """The running daemon of this process, if any (never starts one)."""
    with _lock:
        if _daemon is not None and _daemon._owner_pid == os.getpid() and _daemon.alive:
            return _daemon
        return None


def shutdown_daemon() -> None:
    """Stop this process's daemon if one runs (also registered with atexit)."""
    global _daemon
    with _lock:
        daemon, _daemon = _daemon, None
    if daemon is not None:
        daemon.shutdown()


atexit.register(shutdown_daemon)
