"""An emulated network link for the benchmark: a delaying, rate-limiting TCP relay on 127.0.0.1.

Chromium opens JupyterLab at the relay's URL, so everything the page exchanges with the Jupyter
server (the page's HTTP, the kernel channels, jupyter-server-proxy's view stream WebSocket) crosses
the link. Each direction of the link is shared by all connections, like one access link:

- a byte segment (about 2 ms of transmission, 1460 B .. 64 KiB) leaves the link at
  max(now, link_free_at) + len / rate (serialization at the bottleneck, FIFO over all connections),
  then reaches the other side `rtt / 2` later (propagation);
- the queue in front of the bottleneck is bounded (`queue_bytes`, default the bandwidth-delay product,
  at least 64 KiB): while it is fuller than that, the relay stops reading from the sender, so TCP
  backpressure reaches the sender as at a real bottleneck (small SO_RCVBUF on the relay's sockets
  keep the kernel from hiding an extra queue); without a rate cap each connection buffers at most
  `UNCAPPED_BUFFER` bytes in the relay;
- a new connection's first bytes to the server arrive no earlier than 1.5 RTT after it was
  accepted (the TCP handshake the relay answers locally would cost the client one RTT);
- TCP_NODELAY on both sides, so the relay adds no Nagle delays of its own.

The sender's own socket buffer stays in front of the link: Linux grows it up to tcp_wmem's maximum
(4 MiB) on loopback, where a real path would keep it near the congestion window; a sender that
watches its application-level acknowledgements (the daemon) sees that queue as a growing round trip.

Why a relay and not `tc netem`: netem needs root (or a user and network namespace with the browser,
the server and the kernels moved into it), and on the `lo` device it would delay every loopback
packet of the machine, the daemon's own sockets included. The relay needs no privileges, touches only
the connections made to its own port, is bounded in memory, and stop() closes every connection and
its listener, leaving nothing behind. What it does not model: packet loss, TCP congestion control
over the emulated path (the relay terminates TCP on both sides; the sender sees the bottleneck as
backpressure, not as lost packets and a shrinking congestion window), and jitter.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import deque
from dataclasses import dataclass

UNCAPPED_BUFFER = 4 << 20
RCVBUF = 64 << 10


@dataclass(frozen=True)
class LinkProfile:
    """A link between the browser and the Jupyter server: round-trip time and per-direction rate."""

    name: str
    rtt_ms: float
    rate_bps: float | None  # bits per second in each direction; None: uncapped

    @property
    def relayed(self) -> bool:
        """False for `loopback`: the page talks to the server directly, no relay in between."""
        return self.rtt_ms > 0 or self.rate_bps is not None


PROFILES = {
    "loopback": LinkProfile("loopback", 0.0, None),
    "campus": LinkProfile("campus", 30.0, 50e6),
    "remote": LinkProfile("remote", 80.0, 10e6),
}


class _Direction:
    """One direction of the link: a FIFO bottleneck of `rate` bytes/s, then a fixed one-way delay."""

    def __init__(self, delay_s: float, rate: float | None, queue_bytes: int) -> None:
        self.delay_s = delay_s
        self.rate = rate
        self.queue_bytes = queue_bytes
        self.free_at = 0.0  # loop time at which the bottleneck has sent everything queued so far
        self.max_backlog = 0.0  # largest queue seen, bytes (for tests)

    def segment(self) -> int:
        if self.rate is None:
            return 1 << 16
        return int(min(1 << 16, max(1460, self.rate * 0.002)))

    def send(self, n: int, now: float) -> float:
        """Queue `n` bytes at `now`; returns when they reach the far side."""
        if self.rate is None:
            return now + self.delay_s
        self.free_at = max(now, self.free_at) + n / self.rate
        self.max_backlog = max(self.max_backlog, (self.free_at - now) * self.rate)
        return self.free_at + self.delay_s

    def hold(self, now: float) -> float:
        """Seconds the sender must wait before the queue has room again (0: read now)."""
        if self.rate is None:
            return 0.0
        return max(0.0, (self.free_at - now) - self.queue_bytes / self.rate)

    def idle_at(self, now: float) -> float:
        """When everything queued so far has reached the far side."""
        return max(now, self.free_at) + self.delay_s


class LinkRelay:
    """Relays 127.0.0.1:<port> to target_host:target_port through an emulated link.

    Runs its own asyncio loop in a background thread; start() returns once it listens (`port`, `url`).
    Usable as a context manager.
    """

    def __init__(
        self,
        target_host: str,
        target_port: int,
        rtt_ms: float = 0.0,
        rate_bps: float | None = None,
        queue_bytes: int | None = None,
    ) -> None:
        self.target = (target_host, target_port)
        self.rtt_s = rtt_ms / 1000
        rate = None if rate_bps is None else rate_bps / 8
        if queue_bytes is None:
            queue_bytes = max(64 << 10, int((rate or 0) * self.rtt_s))
        self.up = _Direction(self.rtt_s / 2, rate, queue_bytes)  # client -> server
        self.down = _Direction(self.rtt_s / 2, rate, queue_bytes)  # server -> client
        self.port = 0
        self.connections = 0  # accepted so far
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._error: BaseException | None = None

    @classmethod
    def for_profile(cls, profile: LinkProfile, target_host: str, target_port: int) -> LinkRelay:
        return cls(target_host, target_port, profile.rtt_ms, profile.rate_bps)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LinkRelay:
        if self._thread is not None:
            raise RuntimeError("LinkRelay.start: already started")
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="link-relay", daemon=True)
        self._thread.start()
        ready.wait(10)
        if self._error is not None or not self.port:
            self.stop()
            raise RuntimeError(f"LinkRelay.start: could not listen: {self._error!r}")
        return self

    def stop(self) -> None:
        """Close every relayed connection and the listener, and end the thread. Safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(15)
        self._loop = self._thread = None

    def __enter__(self) -> LinkRelay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._listen())
        except BaseException as e:  # reported by start()
            self._error = e
        ready.set()
        try:
            if self._error is None:
                loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)  # inherited by accepted sockets
        sock.bind(("127.0.0.1", 0))
        self._server = await asyncio.start_server(self._accept, sock=sock, backlog=128)
        self.port = sock.getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for w in list(self._writers):
            w.transport.abort()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(c_writer)
        self.connections += 1
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        s_writer: asyncio.StreamWriter | None = None
        try:
            _nodelay(c_writer)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, self.target)
            except OSError:
                sock.close()
                raise
            s_reader, s_writer = await asyncio.open_connection(sock=sock)
            self._writers.add(s_writer)
            _nodelay(s_writer)
            handshake = accepted + self.rtt_s * 1.5
            pumps = [
                asyncio.ensure_future(_pump(c_reader, s_writer, self.up, handshake)),
                asyncio.ensure_future(_pump(s_reader, c_writer, self.down, 0.0)),
            ]
            try:
                await asyncio.gather(*pumps)
            finally:
                for p in pumps:
                    p.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
        except (OSError, asyncio.CancelledError):
            pass  # a reset or refused connection ends the pair; stop() cancels (asyncio's callback wants no error)
        finally:
            for w in (c_writer, s_writer):
                if w is not None:
                    self._writers.discard(w)
                    w.transport.abort()
            self._tasks.discard(task)


def _nodelay(w: asyncio.StreamWriter) -> None:
    sock = w.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, d: _Direction, not_before: float) -> None:
    """Carry one direction of one connection over `d`; returns after forwarding EOF, raises on an error."""
    loop = asyncio.get_running_loop()
    queue: deque[tuple[float, bytes]] = deque()  # (delivery time, bytes); b"" is EOF
    queued = asyncio.Event()
    room = asyncio.Event()
    room.set()
    buffered = 0

    async def deliver() -> None:
        nonlocal buffered
        while True:
            while not queue:
                queued.clear()
                await queued.wait()
            at, data = queue.popleft()
            wait = at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            out = [data]
            while queue and queue[0][1] and queue[0][0] <= loop.time():
                out.append(queue.popleft()[1])
            n = sum(len(b) for b in out)
            writer.write(b"".join(out))
            await writer.drain()
            buffered -= n
            if buffered <= UNCAPPED_BUFFER:
                room.set()

    async def feed() -> None:
        nonlocal buffered
        seg = d.segment()
        chunk = max(4 * seg, 16 << 10)
        while True:
            hold = d.hold(loop.time())
            if hold > 0:
                await asyncio.sleep(hold)
            await room.wait()
            data = await reader.read(chunk)
            now = loop.time()
            if not data:
                queue.append((max(d.idle_at(now), not_before), b""))
                queued.set()
                return
            for i in range(0, len(data), seg):
                piece = data[i : i + seg]
                queue.append((max(d.send(len(piece), now), not_before), piece))
            queued.set()
            buffered += len(data)
            if buffered > UNCAPPED_BUFFER:
                room.clear()

    tasks = [asyncio.ensure_future(feed()), asyncio.ensure_future(deliver())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for t in done:
            t.result()  # raise the first error
        await tasks[1]  # EOF forwarded
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
