"""The comm transport, kernel side: relays a view's /stream between the widget's comm and the daemon.

Where the browser has no route to the daemon (no jupyter-server-proxy, Voilà, VS Code, Colab), the view
asks for a relay (`relay_open`); the kernel opens a real WebSocket to the daemon's /stream on loopback
and forwards text both ways and each binary frame as one comm buffer (`relay_frame`). The stream
protocol is unchanged: the view still sends hello, state and acks, so the daemon's in-flight window
(acks) bounds what crosses the kernel and its message channels never flood.

Threads: the sockets live on one asyncio loop in a background thread; frames go out with comm.send from
that thread (ipykernel queues every IOPub send on its IOPub thread, so that is safe). The view's relay
messages arrive on the shell channel, which a running cell blocks. On ipykernel >= 7 they are taken
where its shell channel thread routes messages to subshells (JEP 91): an untracked relay's messages (the
page awaits no reply or status for them) are handed to the relay's loop right there and go no further;
a tracked relay's go to a kernel subshell of their own. Either way acks and state keep flowing while a
cell runs. Dispatching each one on a subshell cost the kernel a deserialize, a stdout and a stderr flush
(two waits on the IOPub thread) and its thread wake-ups, some hundred times a second (see `route`).

Messages view -> kernel: {type: relay_open | relay_close, relay}, {type: relay_send, relay, texts} (the
texts one task of the page sent, in order).
Kernel -> view: {type: relay_opened, relay}, {type: relay_text, relay, text}, {type: relay_frame, relay}
+ one buffer, {type: relay_closed, relay, code, reason}.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

log = logging.getLogger("napari_cuda")

RELAY_TYPES = frozenset({"relay_open", "relay_send", "relay_close"})
OPEN_TIMEOUT_S = 10.0
# The daemon bounds frames by NAPARI_CUDA_MAX_MESSAGE_BYTES; the relay passes on what it gets.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024

Send = Callable[[dict[str, Any], "list[bytes] | None"], None]

# Relays whose page sends their messages untracked (it dropped the kernel futures): no status for them.
_untracked: set[str] = set()

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def relay_loop() -> asyncio.AbstractEventLoop:
    """The process's relay event loop, started in a daemon thread on first use."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="napari-cuda-relay", daemon=True).start()
            _loop = loop
        return _loop


class _Relay:
    """One relayed socket: its outgoing queue (None closes it) and whether the view closed it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.closed_by_view = False

    def put_all(self, texts: list[str]) -> None:
        """Queue texts for the daemon, in order (on the relay loop)."""
        for text in texts:
            self.queue.put_nowait(text)


class Relays:
    """A viewer's relayed /stream sockets (one per view that chose the comm transport)."""

    def __init__(self, send: Send, port: Callable[[], int | None], host: str = "127.0.0.1") -> None:
        """`send(content, buffers)`: a custom message to the views; `port()`: the daemon's, None if none."""
        self._send = send
        self._port = port
        self._host = host
        self._relays: dict[str, _Relay] = {}
        self._lock = threading.Lock()
        self._routed: set[int] = set()
        self.frames = 0  # frames forwarded to the views, for tests and the bench
        self.inline = 0  # view messages handled where the kernel routes them (route()), for tests

    def handle(self, content: dict[str, Any]) -> bool:
        """A view's relay message: act on it and return True; False for any other message."""
        kind = content.get("type")
        if kind not in RELAY_TYPES:
            return False
        relay_id = content.get("relay")
        if not isinstance(relay_id, str) or not relay_id:
            return True
        loop = relay_loop()
        if kind == "relay_open":
            if content.get("untracked") is True:
                _untracked.add(relay_id)
            relay = _Relay()
            with self._lock:
                old = self._relays.get(relay_id)
                self._relays[relay_id] = relay
            if old is not None:
                loop.call_soon_threadsafe(old.queue.put_nowait, None)
            asyncio.run_coroutine_threadsafe(self._run(relay_id, relay), loop)
            return True
        with self._lock:
            relay = self._relays.get(relay_id)
        if relay is None:
            return True
        texts = content.get("texts")
        if kind == "relay_send" and isinstance(texts, list):
            texts = [text for text in texts if isinstance(text, str)]
            if texts:  # one wake-up of the relay loop per message, not per text
                loop.call_soon_threadsafe(relay.put_all, texts)
        elif kind == "relay_close":
            relay.closed_by_view = True
            loop.call_soon_threadsafe(relay.queue.put_nowait, None)
        return True

    @property
    def open_count(self) -> int:
        """Relays not yet closed."""
        with self._lock:
            return len(self._relays)

    def close_all(self) -> None:
        """Close every relay (the viewer closed). Never raises."""
        with self._lock:
            relays = list(self._relays.values())
            _untracked.difference_update(self._relays)
            self._relays.clear()
        if not relays:
            return
        loop = relay_loop()
        for relay in relays:
            relay.closed_by_view = True
            loop.call_soon_threadsafe(relay.queue.put_nowait, None)

    def route(self, comm: Any) -> bool:
        """Have the kernel take this comm's relay messages off the shell, so they keep flowing while a
        cell runs. False where the kernel cannot (ipykernel < 7, no kernel): they then wait for the
        shell like any widget message.

        ipykernel 7's shell channel thread reads every shell message, parses its content and asks the
        comm's `_reply_subshell_for` which subshell gets it. An untracked relay's messages are handled
        in that call (`handle` only queues their texts on the relay loop) and sent to a sink instead
        of a subshell: no dispatch, no status, no flushes. Measured with a kernel between a fake daemon
        and a zmq-level view (60 states/s, 3 frames in flight, ~37 fps): kernel CPU 18-20% -> 10%.
        A tracked relay's messages (the page waits for their idle status) go to the relay's subshell.
        """
        if comm is None or id(comm) in self._routed:
            return id(comm) in self._routed
        original = getattr(comm, "_reply_subshell_for", None)
        kernel = getattr(comm, "kernel", None)
        subshell = relay_subshell(kernel)
        if original is None or subshell is None:
            return False
        inline = _handled_sink(kernel)

        def reply_subshell_for(data: Any, default: Any) -> Any:
            content = data.get("content") if isinstance(data, dict) and data.get("method") == "custom" else None
            if isinstance(content, dict) and content.get("type") in RELAY_TYPES:
                if inline and _untracked_message(content):
                    self.inline += 1
                    try:
                        self.handle(content)
                    except Exception as exc:  # never stall the kernel's message router
                        log.warning("napari-cuda: relay message dropped: %s", exc)
                    return HANDLED
                return subshell
            chosen = original(data, default)
            # Other widget messages (trait syncs) stay on the thread that runs cells.
            return default if chosen == subshell else chosen

        comm._reply_subshell_for = reply_subshell_for
        self._routed.add(id(comm))
        return True

    def _emit(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        try:
            self._send(content, buffers)
        except Exception as exc:  # the comm closed under us: the view is gone
            log.debug("napari-cuda: relay message not sent: %s", exc)

    async def _run(self, relay_id: str, relay: _Relay) -> None:
        """Open the daemon socket, then forward until either side closes."""
        port = self._port()
        if port is None:
            self._finish(relay_id, relay, 1011, "the render daemon is not running")
            return
        try:
            ws = await connect(
                f"ws://{self._host}:{port}/stream",
                compression=None,
                max_size=MAX_MESSAGE_BYTES,
                open_timeout=OPEN_TIMEOUT_S,
                ping_interval=None,
            )
        except Exception as exc:
            self._finish(relay_id, relay, 1006, f"relay could not reach the daemon: {exc}")
            return
        self._emit({"type": "relay_opened", "relay": relay_id})
        writer = asyncio.ensure_future(self._write(ws, relay))
        code, reason = 1006, ""
        try:
            async for message in ws:
                if isinstance(message, str):
                    self._emit({"type": "relay_text", "relay": relay_id, "text": message})
                else:
                    self.frames += 1
                    self._emit({"type": "relay_frame", "relay": relay_id}, [message])
        except ConnectionClosed:
            pass
        finally:
            writer.cancel()
            await ws.close()
            if ws.close_code is not None:
                code, reason = ws.close_code, ws.close_reason or ""
        self._finish(relay_id, relay, code, reason)

    async def _write(self, ws: Any, relay: _Relay) -> None:
        while True:
            text = await relay.queue.get()
            if text is None:
                await ws.close(1000, "view closed")
                return
            await ws.send(text)

    def _finish(self, relay_id: str, relay: _Relay, code: int, reason: str) -> None:
        with self._lock:
            if self._relays.get(relay_id) is relay:
                del self._relays[relay_id]
                _untracked.discard(relay_id)
        if not relay.closed_by_view:
            self._emit({"type": "relay_closed", "relay": relay_id, "code": code, "reason": reason})


_subshell: str | None = None
_subshell_lock = threading.Lock()


def relay_subshell(kernel: Any) -> str | None:
    """The id of the kernel subshell that handles relay messages, created once; None where there is none."""
    global _subshell
    with _subshell_lock:
        if _subshell is not None:
            return _subshell
        thread = getattr(kernel, "shell_channel_thread", None)
        manager = getattr(thread, "manager", None)
        if manager is None or not hasattr(manager, "_create_subshell"):
            return None
        done = threading.Event()
        box: dict[str, Any] = {}

        def create() -> None:
            # The subshell manager is only ever touched on the shell channel thread.
            try:
                box["id"] = manager._create_subshell()
            except Exception as exc:
                box["error"] = exc
            finally:
                done.set()

        thread.io_loop.add_callback(create)
        if not done.wait(5.0) or "id" not in box:
            log.warning("napari-cuda: no kernel subshell for the comm relay: %s", box.get("error", "timed out"))
            return None
        _subshell = box["id"]
        _quiet_busy_status(kernel, f"subshell-{_subshell}")
        return _subshell


# The "subshell" of relay messages handled where the shell channel thread routes them: they go nowhere.
HANDLED = "napari-cuda-relay-handled"
_sink_ready = False


class _Sink:
    """Where the shell channel thread sends a relay message that was handled already: nowhere."""

    def send_multipart(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def send(self, *_args: Any, **_kwargs: Any) -> None:
        pass


def _handled_sink(kernel: Any) -> bool:
    """Teach the kernel's subshell manager that HANDLED names a sink (once); False where it cannot."""
    global _sink_ready
    with _subshell_lock:
        if _sink_ready:
            return True
        manager = getattr(getattr(kernel, "shell_channel_thread", None), "manager", None)
        lookup = getattr(manager, "get_shell_channel_to_subshell_socket", None)
        if lookup is None:
            return False
        sink = _Sink()

        def socket_for(subshell_id: str | None) -> Any:
            return sink if subshell_id == HANDLED else lookup(subshell_id)

        manager.get_shell_channel_to_subshell_socket = socket_for
        _sink_ready = True
        return True


def _untracked_message(content: dict[str, Any]) -> bool:
    """A relay message whose page awaits no reply or status for it (it dropped the kernel future)."""
    if content.get("type") == "relay_open":
        return content.get("untracked") is True
    return content.get("relay") in _untracked


def _relay_of(message: Any) -> str | None:
    """The relay id a shell message (a comm_msg from a view) is for, if any."""
    content = message.get("content") if isinstance(message, dict) else None
    data = content.get("data") if isinstance(content, dict) else None
    inner = data.get("content") if isinstance(data, dict) else None
    relay = inner.get("relay") if isinstance(inner, dict) else None
    return relay if isinstance(relay, str) else None


def _quiet_busy_status(kernel: Any, thread_name: str) -> None:
    """Fewer status messages for relay messages (those handled on the subshell thread `thread_name`).

    ipykernel publishes busy, then idle, around every shell message, and views send acks and states
    some hundred times a second. Each busy/idle pair flipped JupyterLab's kernel status, whose updates
    took the page's main thread (measured at 1280x720: 2 fps, true m2p p50 540 ms). No `busy` is sent
    for relay messages; no `idle` either for relays whose page sends untracked (it dropped the futures
    that wait for the idle), which halved m2p again on a loaded machine.
    """
    original = getattr(kernel, "_publish_status", None)
    if original is None:
        return

    def publish_status(status: str, channel: str, parent: Any = None) -> None:
        if threading.current_thread().name == thread_name:
            if status == "busy":
                return
            if _relay_of(parent or kernel.get_parent(channel)) in _untracked:
                return
        original(status, channel, parent)

    kernel._publish_status = publish_status
