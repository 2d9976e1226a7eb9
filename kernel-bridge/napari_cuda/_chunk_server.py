"""The kernel's chunk server: computes lazy layers' chunks for the render daemon over /chunks.

One per DaemonProcess. A thread holds a WebSocket to the daemon's /chunks path (the control token in
the upgrade's Authorization header, like /control); the daemon asks for one chunk of a registered
source at a time (`chunk`) and withdraws the ones the view left (`cancel`). A pool of worker threads
computes them in arrival order (the daemon sends the chunks nearest the view centre first; a cancel
takes a request out of the queue, so it holds only requests the view still wants) and answers
`chunk_data` plus one binary message, or `chunk_error` naming the layer and the chunk. Such errors also
With a dask.distributed Client the pool grows to the cluster's thread count (waiting threads sleep
on their futures), so a large cluster is kept busy. Errors also
go to the "napari_cuda" log with their traceback (no cell waits on a background computation), once per
layer and distinct error. Nothing the daemon sends stops the thread; a dropped connection is made again
while the daemon lives.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect

from . import _chunk_requests as rq
from . import _lazy_read as rd
from ._chunk_requests import CHUNK_THREADS_VAR, MAX_CHUNK_THREADS, Conn, Job, chunk_threads, process_server_id
from ._control import _DIRECT
from ._protocol import MAX_ID_CHARS, PROTOCOL_VERSION

__all__ = ["CHUNK_THREADS_VAR", "ChunkServer", "chunk_threads", "process_server_id"]

log = logging.getLogger("napari_cuda")

MAX_ERROR_CHARS = 2000  # a chunk_error message: the layer, the chunk and the start of the error
MAX_LOGGED_ERRORS = 20  # distinct errors logged per layer before it goes quiet
_serial = itertools.count(1)  # numbers the servers' thread names
BACKOFF_S = (0.05, 2.0)  # reconnect delay: first, longest
HELLO_TIMEOUT_S = 10.0
# The daemon only sends small JSON requests; anything larger is a broken peer.
MAX_INCOMING_BYTES = 1 << 20
# The daemon refuses these for good (a wrong token, another protocol): no point retrying.
_FINAL_CODES = frozenset({"unauthorized", "protocol_mismatch"})


class _Refused(Exception):
    """The daemon refused the connection for good."""


MAX_IN_FLIGHT = 1024  # most requests computed at once with a dask.distributed cluster (one waiting thread each)


def in_flight_limit(threads: int) -> int:
    """How many requests run at once: `threads`, or with a dask.distributed Client the cluster's total
    thread count when larger (re-read every 10 s), up to MAX_IN_FLIGHT."""
    total = rd.cluster_threads()
    return threads if total is None else min(max(threads, total), MAX_IN_FLIGHT)


class ChunkServer:
    """Serves the chunks of registered lazy sources to the daemon at ws://host:port/chunks.

    `alive()`: whether the daemon still runs (reconnects stop when it turns False). `threads`: worker
    threads (default NAPARI_CUDA_CHUNK_THREADS). Starts its threads at once; `stop()` ends them.
    """

    def __init__(
        self,
        port: int,
        token: str,
        *,
        host: str = "127.0.0.1",
        alive: Callable[[], bool] | None = None,
        threads: int | None = None,
    ) -> None:
        n = chunk_threads() if threads is None else threads
        if not rq.is_int(n) or not 1 <= n <= MAX_CHUNK_THREADS:
            raise ValueError(f"threads must be an integer from 1 to {MAX_CHUNK_THREADS}, got {n!r}")
        self.url = f"ws://{host}:{port}/chunks"
        self.server_id = process_server_id()
        self._token = token
        self._alive = alive or (lambda: True)
        self._cond = threading.Condition()
        self._queue: OrderedDict[Job, None] = OrderedDict()  # live queued requests, in arrival order
        self._sources: dict[str, Any] = {}
        self._logged: dict[str, set[str]] = {}
        self._conn: Conn | None = None
        self._stopping = threading.Event()
        self._connected = threading.Event()
        # requests: chunk requests accepted; computed: compute() calls; cancelled: requests dropped by a
        # cancel (queued ones never compute); failed: chunk_error answers; connections: hellos accepted.
        self.stats = {"requests": 0, "computed": 0, "cancelled": 0, "failed": 0, "connections": 0}
        # Thread names: `name` (the connection) and `name`-worker-i.
        self.name = f"napari-cuda-chunks-{next(_serial)}"
        self._threads = n
        self._cap = n  # worker threads wanted now (in_flight_limit)
        self._idle = 0  # workers waiting for a request
        self._worker_ids = itertools.count()
        self._reader = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._workers: list[threading.Thread] = []
        self._reader.start()
        with self._cond:
            for _ in range(n):
                self._spawn()

    def __repr__(self) -> str:
        state = "stopped" if self._stopping.is_set() else "connected" if self._connected.is_set() else "connecting"
        return f"<ChunkServer {self.url} {state} sources={len(self._sources)}>"

    # -- sources ----------------------------------------------------------------------------
    def register(self, source_id: str, lazy: Any) -> None:
        """Serve `lazy` (a LazyImage) as `source_id` (replaces an earlier registration)."""
        if not isinstance(source_id, str) or not 1 <= len(source_id) <= MAX_ID_CHARS:
            raise ValueError(f"source_id must be a string of 1 to {MAX_ID_CHARS} characters, got {source_id!r:.80}")
        with self._cond:
            self._sources[source_id] = lazy
            self._logged.pop(source_id, None)

    def unregister(self, source_id: str) -> None:
        """Stop serving `source_id` and cancel its requests. Idempotent."""
        with self._cond:
            self._sources.pop(source_id, None)
            self._logged.pop(source_id, None)
            conn = self._conn
            for job in [j for j in conn.jobs.values() if j.source_id == source_id] if conn is not None else []:
                self._cancel(job)

    def serves(self, source_id: str) -> bool:
        """True while `source_id` is registered."""
        with self._cond:
            return source_id in self._sources

    def wait_connected(self, timeout: float) -> bool:
        """Wait until the daemon accepted this server's hello; True if it has."""
        return self._connected.wait(timeout)

    # -- connection -------------------------------------------------------------------------
    def _run(self) -> None:
        delay, warned = BACKOFF_S[0], False
        while not self._stopping.is_set() and self._alive():
            try:
                conn = self._connect()
            except _Refused as exc:
                log.error("napari-cuda: the render daemon refused the chunk server: %s", exc)
                return
            except Exception as exc:
                if not self._stopping.is_set() and self._alive() and not warned:
                    log.warning("napari-cuda: cannot connect the chunk server to the daemon (%s); retrying", exc)
                    warned = True
                self._stopping.wait(delay)
                delay = min(delay * 2, BACKOFF_S[1])
                continue
            delay, warned = BACKOFF_S[0], False
            try:
                self._serve(conn)
            finally:
                self._drop(conn)
            self._stopping.wait(delay)  # a peer that closes at once must not make this spin

    def _connect(self) -> Conn:
        try:
            ws = connect(
                self.url,
                additional_headers={"Authorization": f"Bearer {self._token}"},
                max_size=MAX_INCOMING_BYTES,
                compression=None,
                open_timeout=HELLO_TIMEOUT_S,
                ping_interval=None,
                close_timeout=2,
                **_DIRECT,
            )
        except InvalidStatus as exc:
            if exc.response.status_code in (401, 403):
                raise _Refused(f"HTTP {exc.response.status_code} on {self.url}") from exc
            raise
        conn = Conn(ws)
        with self._cond:
            if self._stopping.is_set():
                conn.close()
                raise ConnectionError("the chunk server is stopping")
            self._conn = conn  # from here stop() can close it, also while the hello waits
        hello = {"op": "hello", "id": 1, "protocol": PROTOCOL_VERSION, "token": self._token}
        hello["server_id"] = self.server_id
        try:
            conn.send(hello)
            raw = ws.recv(timeout=HELLO_TIMEOUT_S)
            reply = json.loads(raw) if isinstance(raw, str) else None
        except BaseException:
            self._drop(conn)
            raise
        if not isinstance(reply, dict) or reply.get("ok") is not True:
            self._drop(conn)
            err = reply.get("error") if isinstance(reply, dict) else None
            code = err.get("code") if isinstance(err, dict) else None
            what = f"hello refused: {err!r:.300}" if err is not None else f"unexpected hello reply {raw!r:.200}"
            raise (_Refused if code in _FINAL_CODES else ConnectionError)(what)
        with self._cond:
            self.stats["connections"] += 1
        self._connected.set()
        return conn

    def _serve(self, conn: Conn) -> None:
        while not self._stopping.is_set():
            try:
                raw = conn.ws.recv()
            except (WebSocketException, OSError, RuntimeError):
                return  # closed (or a recv racing stop): _run decides whether to reconnect
            try:
                self._handle(conn, raw)
            except Exception:  # a bug here must not end the server
                log.exception("napari-cuda: chunk server failed on a message from the daemon")

    def _drop(self, conn: Conn) -> None:
        """Forget a connection: the daemon fails its pending requests itself, so they are cancelled here."""
        with self._cond:
            if self._conn is conn:
                self._conn = None
                self._connected.clear()
            for job in list(conn.jobs.values()):
                self._cancel(job)
        conn.close()

    # -- messages ---------------------------------------------------------------------------
    def _handle(self, conn: Conn, raw: str | bytes) -> None:
        if not isinstance(raw, str):
            log.warning("napari-cuda: chunk server ignored a binary message of %d bytes from the daemon", len(raw))
            return
        try:
            msg = json.loads(raw)
        except ValueError:
            log.warning("napari-cuda: chunk server ignored a message that is not JSON: %.200r", raw)
            return
        op = msg.get("op") if isinstance(msg, dict) else None
        if op == "chunk":
            self._on_chunk(conn, msg)
        elif op == "cancel":
            self._on_cancel(conn, msg)
        elif isinstance(msg, dict) and msg.get("ok") is False:
            err = msg.get("error")
            stopping = isinstance(err, dict) and err.get("code") == "shutting_down"  # closes next: not news
            (log.debug if stopping else log.warning)("napari-cuda: the daemon refused a chunk answer: %.300r", err)
        else:
            log.warning("napari-cuda: chunk server ignored an unknown message: %.200r", raw)

    def _on_chunk(self, conn: Conn, msg: dict[str, Any]) -> None:
        req = msg.get("req")
        if not rq.is_int(req) or req <= 0:
            log.warning("napari-cuda: chunk server ignored a chunk request without a valid req: %.200r", msg)
            return
        source_id = msg.get("source_id")
        with self._cond:
            lazy = self._sources.get(source_id) if isinstance(source_id, str) else None
        if lazy is None:
            self._answer_error(conn, req, f"unknown source {source_id!r:.80} (its layer was removed or never added)")
            return
        try:
            level, start, stop = rq.region(lazy, msg)
        except ValueError as exc:
            self._answer_error(conn, req, f"layer {rq.label(lazy)!r}: {exc}")
            return
        job = Job(conn, req, source_id, lazy, level, start, stop)
        with self._cond:
            if req in conn.jobs:
                log.warning("napari-cuda: chunk server ignored a second request %d", req)
                return
            conn.jobs[req] = job
            self._queue[job] = None
            self.stats["requests"] += 1
            self._cond.notify()
        self._grow()

    def _on_cancel(self, conn: Conn, msg: dict[str, Any]) -> None:
        req = msg.get("req")
        with self._cond:
            job = conn.jobs.get(req) if rq.is_int(req) else None
            if job is not None:
                self._cancel(job)

    def _cancel(self, job: Job) -> None:
        """Withdraw a request (lock held): a queued one leaves the queue at once (a fast pan cancels
        thousands while the workers are busy), a running one gives up if it can (LazyImage.compute)."""
        job.conn.jobs.pop(job.req, None)
        job.cancelled.set()
        if self._queue.pop(job, 0) is None:
            self.stats["cancelled"] += 1

    def _answer_error(self, conn: Conn, req: int, message: str) -> None:
        with self._cond:
            self.stats["failed"] += 1
        conn.send({"op": "chunk_error", "req": req, "code": "compute_failed", "message": message[:MAX_ERROR_CHARS]})

    # -- workers ----------------------------------------------------------------------------
    def _spawn(self) -> None:
        """Start one more worker (lock held)."""
        thread = threading.Thread(target=self._work, name=f"{self.name}-worker-{next(self._worker_ids)}", daemon=True)
        self._workers.append(thread)
        thread.start()

    def _grow(self) -> None:
        """More workers while requests wait and the limit allows (a dask.distributed cluster's size)."""
        cap = in_flight_limit(self._threads)
        with self._cond:
            self._cap = cap
            want = min(len(self._queue) - self._idle, cap - len(self._workers))
            for _ in range(want if not self._stopping.is_set() else 0):
                self._spawn()

    def _work(self) -> None:
        me = threading.current_thread()
        while True:
            with self._cond:
                while not self._queue and not self._stopping.is_set():
                    if len(self._workers) > self._cap:  # the cluster shrank (or went): fewer waiters
                        self._workers.remove(me)
                        return
                    self._idle += 1
                    self._cond.wait()
                    self._idle -= 1
                if self._stopping.is_set():
                    return
                job, _ = self._queue.popitem(last=False)
                self.stats["computed"] += 1
            self._compute(job)

    def _finish(self, job: Job) -> bool:
        """Retire a job; False when it was cancelled (nothing is sent for it)."""
        with self._cond:
            job.conn.jobs.pop(job.req, None)
            if job.cancelled.is_set():
                self.stats["cancelled"] += 1
                return False
            return True

    def _compute(self, job: Job) -> None:
        try:
            data = rq.checked(job.lazy.compute(job.level, job.start, job.stop, job.cancelled), job)
        except Exception as exc:
            if self._finish(job):
                self._fail(job, exc)
            return
        if not self._finish(job):
            return
        header = {"op": "chunk_data", "req": job.req, "dtype": data.dtype.name}
        header.update(shape=list(data.shape), nbytes=int(data.nbytes))
        job.conn.send(header, memoryview(data.reshape(-1)).cast("B"))

    def _fail(self, job: Job, exc: Exception) -> None:
        where = rq.where(job.lazy, job.level, job.start, job.stop)
        text = f"{type(exc).__name__}: {exc}"
        with self._cond:
            seen = self._logged.setdefault(job.source_id, set())
            first = text not in seen and len(seen) < MAX_LOGGED_ERRORS
            if first:
                seen.add(text)
            last = first and len(seen) == MAX_LOGGED_ERRORS
        if first:
            log.error("napari-cuda: computing %s failed: %s", where, text[:MAX_ERROR_CHARS], exc_info=exc)
        if last:
            log.error("napari-cuda: layer %r: further chunk errors are not logged", rq.label(job.lazy))
        # Answered after the log: a cell that sees the error may look for it in the log at once.
        self._answer_error(job.conn, job.req, f"{where}: {text}")

    # -- stop -------------------------------------------------------------------------------
    def stop(self, timeout: float = 5.0) -> None:
        """Cancel all requests, close the connection and join the threads. Never raises.

        A computation that ignores its cancel flag (a local dask scheduler cannot be interrupted) is
        waited for up to `timeout` s, then left to finish on its own (its thread is a daemon thread).
        """
        try:
            self._stopping.set()
            with self._cond:
                conn = self._conn
                for job in list(self._queue) + (list(conn.jobs.values()) if conn is not None else []):
                    self._cancel(job)
                self._cond.notify_all()
                workers = list(self._workers)
            if conn is not None:
                self._drop(conn)
            threads = [t for t in (self._reader, *workers) if t is not threading.current_thread()]
            deadline = time.monotonic() + timeout
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            left = [t.name for t in threads if t.is_alive()]
            if left:
                log.warning("napari-cuda: chunk server threads still running after %.0f s: %s", timeout, left)
        except Exception as exc:
            log.debug("napari-cuda: chunk server stop: %s", exc)
