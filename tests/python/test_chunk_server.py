"""The kernel's chunk server (_chunk_server.ChunkServer) and KernelSource.

Protocol behaviour (FIFO, cancel, errors, hostile messages, reconnect, stop) is checked against a
scripted peer that speaks the daemon's side of /chunks; drawing against the real daemon.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import dask.array as da
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response
from websockets.sync.server import ServerConnection, serve

from napari_cuda._chunk_server import CHUNK_THREADS_VAR, ChunkServer, chunk_threads, process_server_id
from napari_cuda._lazy import LazyImage
from napari_cuda._protocol import PROTOCOL_VERSION
from napari_cuda._sources import KernelSource

TOKEN = "t" * 43
TIMEOUT = 10.0


class Blocks:
    """A dask array whose blocks are cut from `array` by a function that counts, can hold and can fail,
    served by the real LazyImage (`lazy`)."""

    def __init__(self, array: np.ndarray, chunks: Sequence[int], label: str = "cells") -> None:
        self.array = array
        self.calls: list[tuple[int, ...]] = []  # the start of each block computed
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Semaphore(0)
        self.fail: Exception | None = None
        zeros = da.zeros(array.shape, chunks=tuple(chunks), dtype=array.dtype)
        self.lazy = LazyImage([zeros.map_blocks(self._block, dtype=array.dtype)], name=label)

    def _block(self, _zeros: np.ndarray, block_info: Any = None) -> np.ndarray:
        where = block_info[None]["array-location"]
        self.calls.append(tuple(a for a, _ in where))
        self.entered.release()
        assert self.gate.wait(TIMEOUT)
        if self.fail is not None:
            raise self.fail
        return self.array[tuple(slice(a, b) for a, b in where)]


class Peer:
    """The daemon's side of /chunks: accepts the kernel's hello, then sends what a test asks for."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.hellos: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.answers: queue.Queue[tuple[dict[str, Any], bytes | None]] = queue.Queue()
        self.conns: queue.Queue[ServerConnection] = queue.Queue()
        self.ws: ServerConnection | None = None
        self.server = serve(
            self._handler,
            "127.0.0.1",
            0,
            process_request=self._check,
            compression=None,
            max_size=None,
            ping_interval=None,
        )
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _check(self, conn: ServerConnection, request: Any) -> Response | None:
        self.headers.append(dict(request.headers))
        if request.path != "/chunks" or request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return conn.respond(401, "no\n")
        return None

    def _handler(self, ws: ServerConnection) -> None:
        hello = json.loads(ws.recv())
        self.hellos.append(hello)
        if self.refuse is not None:
            ws.send(json.dumps({"id": hello["id"], "ok": False, "error": {"code": self.refuse, "message": "x"}}))
            ws.close(1008)
            return
        ws.send(json.dumps({"id": hello["id"], "ok": True, "result": {"protocol": PROTOCOL_VERSION}}))
        self.ws = ws
        self.conns.put(ws)
        try:
            while True:
                header = json.loads(ws.recv())
                payload = ws.recv() if header.get("op") == "chunk_data" else None
                self.answers.put((header, payload))
        except ConnectionClosed:
            pass

    def send(self, message: Any) -> None:
        assert self.ws is not None
        self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    def chunk(self, req: int, start: list[int], stop: list[int], source_id: str = "s1", level: int = 0) -> None:
        self.send({"op": "chunk", "req": req, "source_id": source_id, "level": level, "start": start, "stop": stop})

    def answer(self) -> tuple[dict[str, Any], bytes | None]:
        return self.answers.get(timeout=TIMEOUT)

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=TIMEOUT)


@pytest.fixture
def peer() -> Iterator[Peer]:
    p = Peer()
    try:
        yield p
    finally:
        p.close()


def started(peer: Peer, threads: int = 2, **kwargs: Any) -> ChunkServer:
    server = ChunkServer(peer.port, TOKEN, threads=threads, **kwargs)
    assert server.wait_connected(TIMEOUT)
    peer.conns.get(timeout=TIMEOUT)
    return server


def until(condition: Any) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def threads_of(server: ChunkServer) -> list[str]:
    """The live threads of `server` (its connection thread and its workers)."""
    return [t.name for t in threading.enumerate() if t.name == server.name or t.name.startswith(server.name + "-")]


def reader_alive(server: ChunkServer) -> bool:
    return server.name in threads_of(server)


def test_serves_chunk_bytes_and_says_hello_with_its_token(peer: Peer) -> None:
    data = np.arange(300 * 200, dtype=">u2").reshape(300, 200)  # big-endian in, little-endian out
    server = started(peer)
    try:
        server.register("s1", Blocks(data, (128, 128)).lazy)
        peer.chunk(7, [128, 0], [256, 128])
        header, payload = peer.answer()
        assert header == {"op": "chunk_data", "req": 7, "dtype": "uint16", "shape": [128, 128], "nbytes": 128 * 128 * 2}
        got = np.frombuffer(payload, "<u2").reshape(128, 128)
        np.testing.assert_array_equal(got, data[128:256, 0:128])
        hello = peer.hellos[0]
        assert hello["op"] == "hello" and hello["protocol"] == PROTOCOL_VERSION and hello["token"] == TOKEN
        assert hello["server_id"] == server.server_id and 16 <= len(server.server_id) <= 64
        assert "Origin" not in peer.headers[0]
    finally:
        server.stop()


def test_requests_run_in_order_and_cancelled_queued_ones_never_compute(peer: Peer) -> None:
    blocks = Blocks(np.arange(96 * 64, dtype=np.uint8).reshape(96, 64), (16, 16))
    server = started(peer, threads=1)
    try:
        server.register("s1", blocks.lazy)
        blocks.gate.clear()
        peer.chunk(1, [0, 0], [16, 16])
        assert blocks.entered.acquire(timeout=TIMEOUT)  # request 1 runs; 2..5 queue behind it
        for req in (2, 3, 4, 5):
            peer.chunk(req, [16 * (req - 1), 0], [16 * req, 16])
        peer.send({"op": "cancel", "req": 3})
        peer.send({"op": "cancel", "req": 4})
        peer.send({"op": "cancel", "req": 99})  # unknown: ignored
        peer.chunk(6, [0, 16], [16, 32])
        until(lambda: server.stats["requests"] == 6)  # the cancels came before request 6
        blocks.gate.set()
        assert [peer.answer()[0]["req"] for _ in range(4)] == [1, 2, 5, 6]
        assert blocks.calls == [(0, 0), (16, 0), (64, 0), (0, 16)]  # arrival order; 3 and 4 never computed
        assert server.stats["cancelled"] == 2 and server.stats["computed"] == 4
    finally:
        server.stop()


def test_cancelled_requests_leave_the_queue_while_every_worker_is_busy(peer: Peer) -> None:
    # A fast pan: the daemon asks for chunks and withdraws them while the only worker is stuck on a
    # slow block; the withdrawn ones must not pile up until the worker frees (kernel memory stays flat).
    blocks = Blocks(np.zeros((16, 16 * 2000), np.uint8), (16, 16))
    server = started(peer, threads=1)
    try:
        server.register("s1", blocks.lazy)
        blocks.gate.clear()
        peer.chunk(1, [0, 0], [16, 16])
        assert blocks.entered.acquire(timeout=TIMEOUT)
        for req in range(2, 2001):
            peer.chunk(req, [0, 16 * (req - 1)], [16, 16 * req])
            peer.send({"op": "cancel", "req": req})
        peer.chunk(2001, [0, 16], [16, 32])  # still wanted
        until(lambda: server.stats["requests"] == 2001)
        assert server.stats["cancelled"] == 1999  # dropped on arrival of the cancel, not when a worker frees
        assert len(server._queue) == 1  # only the live request waits
        blocks.gate.set()
        assert [peer.answer()[0]["req"] for _ in range(2)] == [1, 2001]
        assert blocks.calls == [(0, 0), (0, 16)]
    finally:
        server.stop()


CLUSTER_BARRIER = threading.Barrier(4, timeout=20)


def cluster_block(x: np.ndarray) -> np.ndarray:
    CLUSTER_BARRIER.wait()  # passes only when 4 blocks run on the cluster at the same time
    return x + 1


def test_a_distributed_cluster_runs_as_many_chunks_as_it_has_threads(peer: Peer) -> None:
    distributed = pytest.importorskip("distributed")
    meta = np.empty((0, 0), np.uint8)  # else map_blocks calls cluster_block once to find it
    arr = da.zeros((64, 64), chunks=16, dtype=np.uint8).map_blocks(cluster_block, dtype=np.uint8, meta=meta)
    CLUSTER_BARRIER.reset()
    lazy = LazyImage([arr], name="cells")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=False, dashboard_address=None) as lc:
        with distributed.Client(lc):
            server = started(peer, threads=1)  # one kernel thread; the cluster has 4
            try:
                server.register("s1", lazy)
                for req in range(1, 5):
                    peer.chunk(req, [16 * (req - 1), 0], [16 * req, 16])
                answers = [peer.answer() for _ in range(4)]
                assert sorted(h["req"] for h, _ in answers) == [1, 2, 3, 4]
                assert all(h["op"] == "chunk_data" and p == bytes([1]) * 256 for h, p in answers)
            finally:
                server.stop()
    lazy.close()


def test_a_running_request_that_is_cancelled_sends_nothing(peer: Peer) -> None:
    blocks = Blocks(np.zeros((32, 32), np.float32), (16, 16))
    server = started(peer, threads=1)
    try:
        server.register("s1", blocks.lazy)
        blocks.gate.clear()
        peer.chunk(1, [0, 0], [16, 16])
        assert blocks.entered.acquire(timeout=TIMEOUT)
        peer.send({"op": "cancel", "req": 1})
        peer.chunk(2, [16, 16], [32, 32])
        until(lambda: server.stats["requests"] == 2)  # the cancel arrived while 1 was computing
        blocks.gate.set()
        header, payload = peer.answer()
        assert header["req"] == 2 and header["dtype"] == "float32" and len(payload) == 16 * 16 * 4
        assert server.stats["cancelled"] == 1 and blocks.lazy.stats["cancelled"] == 1
        assert peer.answers.empty()
    finally:
        server.stop()


def test_compute_errors_name_layer_and_chunk_and_are_logged_once(peer: Peer, caplog: pytest.LogCaptureFixture) -> None:
    bad = Blocks(np.zeros((64, 64), np.uint8), (16, 16), label="broken")
    bad.fail = ZeroDivisionError("boom")
    good = Blocks(np.full((64, 64), 7, np.uint8), (16, 16), label="fine")
    server = started(peer)
    try:
        server.register("bad", bad.lazy)
        server.register("good", good.lazy)
        with caplog.at_level(logging.ERROR, logger="napari_cuda"):
            peer.chunk(1, [0, 16], [16, 32], source_id="bad")
            first = peer.answer()[0]
            peer.chunk(2, [16, 0], [32, 16], source_id="bad")
            second = peer.answer()[0]
            peer.chunk(3, [0, 0], [16, 16], source_id="good")
            header, payload = peer.answer()
        assert first == {
            "op": "chunk_error",
            "req": 1,
            "code": "compute_failed",
            "message": "layer 'broken' level 0 chunk [0:16, 16:32]: ZeroDivisionError: boom",
        }
        assert second["message"] == "layer 'broken' level 0 chunk [16:32, 0:16]: ZeroDivisionError: boom"
        assert header["req"] == 3 and payload == bytes([7]) * 256  # the other layer is still served
        records = [r for r in caplog.records if r.name == "napari_cuda"]
        assert len(records) == 1  # the same error again is not logged again
        assert "layer 'broken' level 0 chunk [0:16, 16:32]" in records[0].getMessage()
        assert records[0].exc_info is not None and records[0].exc_info[0] is ZeroDivisionError
        assert "ZeroDivisionError: boom" in caplog.text and "Traceback" in caplog.text
    finally:
        server.stop()


def test_hostile_messages_do_not_stop_the_server(peer: Peer, caplog: pytest.LogCaptureFixture) -> None:
    blocks = Blocks(np.ones((40, 30), np.int16), (16, 16), label="cells")
    server = started(peer)
    try:
        server.register("s1", blocks.lazy)
        with caplog.at_level(logging.WARNING, logger="napari_cuda"):
            for junk in (b"\x00binary", "not json", "[1, 2]", "null", '{"op": "explode"}', '{"op": "chunk"}'):
                peer.send(junk)
            peer.send({"op": "chunk", "req": True, "source_id": "s1", "level": 0, "start": [0, 0], "stop": [1, 1]})
            peer.send({"op": "cancel", "req": "x"})
            peer.chunk(1, [0, 0], [16, 16], source_id="nope")
            peer.chunk(2, [0, 0], [16, 16], level=3)
            peer.chunk(3, [32, 0], [48, 16])  # past the 40 rows
            peer.chunk(4, [16, 16], [16, 30])  # empty
            peer.chunk(5, [0, 0], [16])  # too few axes
            peer.send({"op": "chunk", "req": 6, "source_id": "s1", "level": 0, "start": [0.5, 0], "stop": [16, 16]})
            peer.chunk(7, [32, 16], [40, 30])  # a good one, clipped at the edge
            answers = [peer.answer() for _ in range(7)]
        errors = {h["req"]: h["message"] for h, _ in answers if h["op"] == "chunk_error"}
        assert sorted(errors) == [1, 2, 3, 4, 5, 6]
        assert "unknown source 'nope'" in errors[1]
        assert errors[2] == "layer 'cells': level 3 is not one of the layer's 1 levels"
        assert "layer 'cells'" in errors[3] and "not inside level 0 (shape [40, 30])" in errors[3]
        data = [(h, p) for h, p in answers if h["op"] == "chunk_data"]
        assert len(data) == 1 and data[0][0]["shape"] == [8, 14] and data[0][1] == np.ones((8, 14), "<i2").tobytes()
        assert blocks.calls == [(32, 16)]
        assert reader_alive(server)
        assert "not JSON" in caplog.text and "unknown message" in caplog.text
    finally:
        server.stop()


def test_reconnects_after_a_drop_and_stops_when_the_daemon_is_gone(peer: Peer) -> None:
    alive = threading.Event()
    alive.set()
    server = started(peer, alive=alive.is_set)
    try:
        server.register("s1", Blocks(np.arange(256, dtype=np.uint8).reshape(16, 16), (16, 16)).lazy)
        assert peer.ws is not None
        peer.ws.close()  # the daemon dropped the connection but still runs
        peer.conns.get(timeout=TIMEOUT)
        assert [h["server_id"] for h in peer.hellos] == [server.server_id] * 2
        peer.chunk(1, [0, 0], [16, 16])
        assert peer.answer()[1] == bytes(range(256))
        alive.clear()  # now it is gone: no third connection
        peer.ws.close()
        until(lambda: not reader_alive(server))
        assert len(peer.hellos) == 2 and server.stats["connections"] == 2
    finally:
        server.stop()


@pytest.mark.parametrize("refuse", ["unauthorized", "protocol_mismatch", "token"])
def test_a_refused_hello_ends_the_server_with_an_error(refuse: str, caplog: pytest.LogCaptureFixture) -> None:
    peer = Peer(refuse=None if refuse == "token" else refuse)
    try:
        with caplog.at_level(logging.ERROR, logger="napari_cuda"):
            server = ChunkServer(peer.port, "wrong" if refuse == "token" else TOKEN, threads=1)
            until(lambda: not reader_alive(server))
        server.stop()
        assert "refused the chunk server" in caplog.text
        assert ("HTTP 401" if refuse == "token" else refuse) in caplog.text
        assert threads_of(server) == []
    finally:
        peer.close()


def test_stop_cancels_work_and_leaves_no_thread(peer: Peer) -> None:
    blocks = Blocks(np.zeros((64, 64), np.uint8), (16, 16))
    server = started(peer, threads=3)
    server.register("s1", blocks.lazy)
    blocks.gate.clear()
    for req in range(1, 6):
        peer.chunk(req, [16 * (req - 1) % 64, 0], [16 * (req - 1) % 64 + 16, 16])
    until(lambda: len(blocks.calls) == 3 and server.stats["requests"] == 5)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    until(lambda: server.stats["cancelled"] == 2)  # the queued two, dropped at once
    blocks.gate.set()  # a local dask scheduler cannot be interrupted: stop waits for the running three
    stopper.join(TIMEOUT)
    assert threads_of(server) == []
    assert len(blocks.calls) == 3 and server.stats["cancelled"] == 5
    assert peer.answers.empty()  # nothing sent for cancelled requests
    server.stop()  # again: nothing to do, no error


def test_unregister_cancels_and_then_answers_unknown_source(peer: Peer) -> None:
    blocks = Blocks(np.zeros((32, 32), np.uint8), (16, 16))
    server = started(peer, threads=1)
    try:
        server.register("s1", blocks.lazy)
        blocks.gate.clear()
        peer.chunk(1, [0, 0], [16, 16])
        assert blocks.entered.acquire(timeout=TIMEOUT)
        server.unregister("s1")
        server.unregister("s1")
        blocks.gate.set()
        until(lambda: server.stats["cancelled"] == 1)
        peer.chunk(2, [0, 0], [16, 16])
        header, _ = peer.answer()
        assert header["req"] == 2 and "unknown source 's1'" in header["message"]
    finally:
        server.stop()


def test_chunk_threads_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CHUNK_THREADS_VAR, raising=False)
    assert 1 <= chunk_threads() <= 8
    monkeypatch.setenv(CHUNK_THREADS_VAR, "3")
    assert chunk_threads() == 3
    for bad in ("0", "-1", "two", "1.5", "100000"):
        monkeypatch.setenv(CHUNK_THREADS_VAR, bad)
        with pytest.raises(ValueError, match=CHUNK_THREADS_VAR):
            chunk_threads()
    with pytest.raises(ValueError, match="threads"):
        ChunkServer(1, TOKEN, threads=0)


def test_kernel_source_describes_the_lazy_image() -> None:
    darr = da.zeros((3, 600, 900), chunks=(1, 256, 256), dtype=">f4")
    lazy = LazyImage([darr], name="cells", scale=[2.0, 0.5, 0.5], translate=[0.0, 10.0, 20.0])
    source = KernelSource(lazy)
    op, fields = source.request()
    assert op == "open_kernel_layer"
    assert fields == {
        "server_id": process_server_id(),
        "source_id": source.source_id,
        "dtype": "float32",
        "levels": [{"shape": [3, 600, 900], "chunks": [1, 256, 256], "factors": [1.0] * 3, "offset": [0.0] * 3}],
        "axes": lazy.axes,
        "scale": [2.0, 0.5, 0.5],
        "translate": [0.0, 10.0, 20.0],
        "name": "cells",
        "contrast_range": [0.0, 0.0],
    }
    assert source.levels[0].shape == (3, 600, 900) and source.levels[0].chunks == (1, 256, 256)
    assert source.dtype == np.float32 and source.data is darr and not source.kernel_written
    assert set(source.info) >= {"dtype", "axes", "levels", "scale", "translate", "contrast_range", "name"}
    source.close()
    source.close()
