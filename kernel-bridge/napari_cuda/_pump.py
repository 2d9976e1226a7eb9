"""Handle the views' comm messages while a cell blocks (what `viewer.wait_for_view` waits on).

ipykernel runs one shell message at a time: while a cell runs, the messages a view sends (its
`connect` request, its `stream_info` and `canvas` traits) wait in the shell queue, and after Run All
they wait behind every queued cell, so a plain `while ...: time.sleep()` never sees them. The pump
takes the main shell's pending messages itself, on the main thread: comm messages (comm_open,
comm_msg, comm_close) are handled at once, as the kernel would, busy / idle status included (a
widget model sends its next update only after the idle of the previous one); any other message
(the next cells' execute_request, ...) is kept, and handed back in its order when the pump is
released, so the following cells still run after this one, in order. This is jupyter-ui-poll's approach, done for
both kernel generations:

- ipykernel >= 7: the shell channel thread forwards the main shell's messages over an inproc
  socket (or they arrive on the shell socket when subshells are off); kept messages go to that
  stream's own callback, as if read after the pump, so they queue on the main shell's lock in
  order: behind the running cell and any message the stream had read before them.
- ipykernel 6: the shell stream feeds `kernel.msg_queue`; the pump flushes the stream into it,
  takes the comm messages out and puts the others back, in order, at its front.

Outside an ipykernel main thread `KernelPump.current()` is None (nothing to pump there: another
thread or kernel keeps handling messages) and callers simply sleep.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import sys
import threading
import time
from typing import Any

log = logging.getLogger("napari_cuda")

COMM_TYPES = frozenset({"comm_open", "comm_msg", "comm_close"})
_pumping = False  # one pump at a time: a wait inside a handled message must not read the socket again


def _kernel() -> Any:
    """The running ipykernel, when called on its main thread; else None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is None or getattr(kernel, "session", None) is None or not hasattr(kernel, "shell_handlers"):
        return None
    return kernel


def in_kernel() -> bool:
    """True inside a running ipykernel (views can be displayed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None


class KernelPump:
    """Pending shell messages of the main shell: comm messages handled, the rest kept in order."""

    def __init__(self, kernel: Any) -> None:
        self._kernel = kernel
        self._kept: list[Any] = []
        self._queue = getattr(kernel, "msg_queue", None) if not hasattr(kernel, "shell_main") else None
        if self._queue is not None:  # ipykernel 6
            self._stream = kernel.shell_stream
        else:
            manager = getattr(getattr(kernel, "shell_channel_thread", None), "manager", None)
            if manager is not None:
                self._stream = manager.get_shell_channel_to_subshell_pair(None).to_stream
            else:
                self._stream = kernel.shell_stream
        if self._stream is None:
            raise RuntimeError("this kernel has no shell stream to read")

    @classmethod
    def current(cls) -> KernelPump | None:
        """A pump for the running ipykernel's main shell, or None (not in one, or not its main thread)."""
        kernel = _kernel()
        if kernel is None or _pumping:
            return None
        try:
            return cls(kernel)
        except Exception as exc:  # an ipykernel this code does not know: wait without pumping
            log.warning("napari-cuda: cannot read this kernel's pending messages (%s)", exc)
            return None

    def process(self, timeout: float) -> int:
        """Handle the comm messages pending now, or wait up to `timeout` s for one; returns how many."""
        import zmq

        handled = self._drain()
        if handled == 0 and timeout > 0:
            self._stream.socket.poll(int(timeout * 1000), zmq.POLLIN)
            handled = self._drain()
        return handled

    def _drain(self) -> int:
        import zmq

        handled = 0
        if self._queue is not None:
            self._stream.flush(zmq.POLLIN)  # socket -> msg_queue, through the kernel's own callback
            while True:
                try:
                    item = self._queue.get_nowait()
                except Exception:  # tornado's QueueEmpty
                    break
                _, dispatch, args = item
                if getattr(dispatch, "__name__", "") == "dispatch_shell" and args and self._comm(args[0]):
                    handled += 1
                else:
                    self._kept.append(item)
            return handled
        socket = self._stream.socket
        while True:
            try:
                raw = socket.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return handled
            if self._comm(raw):
                handled += 1
            else:
                self._kept.append(raw)

    def _comm(self, raw: list[Any]) -> bool:
        """Handle `raw` now if it is a comm message; False (untouched) otherwise."""
        kernel = self._kernel
        session = kernel.session
        try:
            idents, frames = session.feed_identities(raw, copy=False)
            # Peek at the header only: a full deserialize records the signature (replay guard).
            header = session.deserialize(frames, content=False, copy=False)["header"]
        except Exception:
            return False  # not ours to judge (e.g. ipykernel 7's "stop aborting" marker)
        msg_type = header.get("msg_type")
        handler = kernel.shell_handlers.get(msg_type)
        if msg_type not in COMM_TYPES or handler is None:
            return False
        try:
            msg = session.deserialize(frames, content=True, copy=False)
        except Exception:
            log.error("napari-cuda: dropped an invalid %s message", msg_type, exc_info=True)
            return True
        ident, parent = kernel._parent_ident["shell"], kernel.get_parent("shell")
        try:
            # In a copy of the context: the cell's parent header (where its output goes) stays.
            contextvars.copy_context().run(self._handle, handler, idents, msg)
        finally:
            kernel.set_parent(ident, parent, channel="shell")
            self._status("busy")  # the cell still runs: the kernel indicator goes back to busy
        return True

    def _handle(self, handler: Any, idents: list[Any], msg: dict[str, Any]) -> None:
        kernel = self._kernel
        kernel.set_parent(idents, msg, channel="shell")
        self._status("busy")
        try:
            result = handler(kernel.shell_stream, idents, msg)
            if inspect.isawaitable(result):  # comm handlers are plain functions in ipykernel 6 and 7
                getattr(result, "close", lambda: None)()
                log.error("napari-cuda: cannot run an async %s handler while a cell runs", msg["header"]["msg_type"])
        except Exception:
            log.error("napari-cuda: exception in a %s handler", msg["header"]["msg_type"], exc_info=True)
        finally:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
            # As after any shell message: the frontend waits for this idle before it sends the
            # model's next update (ipywidgets keeps one update in flight per model).
            self._status("idle")

    def _status(self, state: str) -> None:
        """Publish a kernel status (busy / idle) for the current shell parent."""
        try:
            self._kernel._publish_status(state, "shell")
        except Exception:
            log.debug("napari-cuda: cannot publish the kernel status", exc_info=True)

    def release(self) -> None:
        """Hand the kept messages back to the kernel, in order, ahead of anything newer."""
        import zmq

        kept, self._kept = self._kept, []
        kernel = self._kernel
        if self._queue is not None:
            rest = []
            while True:
                try:
                    rest.append(self._queue.get_nowait())
                except Exception:
                    break
            for item in kept + rest:
                self._queue.put_nowait(item)
            kernel.io_loop.add_callback(lambda: None)  # wake the loop, as schedule_dispatch does
            return
        # Through the stream's own callback: the same hops (a task that starts a shell_main task)
        # as a message the stream read before the pump, whose task may not have started yet and
        # must stay ahead of ours; the shell_main tasks then queue, in order, on the shell's lock.
        deliver = getattr(self._stream, "_recv_callback", None) or self._shell_main_callback()
        for raw in kept:
            result = deliver(raw)
            if inspect.isawaitable(result):
                asyncio.ensure_future(result, loop=kernel.io_loop.asyncio_loop)
        # Messages that arrived after the last read: to the stream's own callback (after ours),
        # which also re-arms its poll state (reading the socket here consumed its edge trigger).
        self._stream.flush(zmq.POLLIN)

    def _shell_main_callback(self) -> Any:
        """What ipykernel >= 7 registers on the main shell's stream, rebuilt."""
        from functools import partial

        from ipykernel.utils import _async_in_context

        return _async_in_context(partial(self._kernel.shell_main, None))


def pump_until(done: Any, timeout: float, step: float = 0.05) -> bool:
    """Call `done()` until it is true or `timeout` s passed, handling the views' messages meanwhile.

    Returns done()'s last value. In an ipykernel main thread the views' comm messages are handled
    while waiting (see the module doc); elsewhere this sleeps between checks.
    """
    global _pumping
    deadline = time.monotonic() + timeout
    pump = KernelPump.current()
    _pumping = _pumping or pump is not None
    try:
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if pump is None:
                time.sleep(min(step, left))
                continue
            try:
                pump.process(min(step, left))
            except Exception:  # a kernel this code does not know after all: hand back, then sleep
                log.warning("napari-cuda: stopped reading this kernel's pending messages", exc_info=True)
                pump.release()
                pump, _pumping = None, False
        return True
    finally:
        if pump is not None:
            _pumping = False
            pump.release()
