"""Control channel client (kernel -> daemon): request/response over one local WebSocket."""

from __future__ import annotations

import inspect
import itertools
import json
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from ._protocol import ERROR_CODES, PROTOCOL_VERSION

# Ops whose reply is followed by one binary message (screenshot pixels).
BINARY_REPLY_OPS = frozenset({"screenshot"})
DEFAULT_TIMEOUT_S = 120.0
# websockets >= 17 warns unless a directly held connection opts in with legacy=True;
# older releases (>= 13, our floor) have no such parameter.
_DIRECT = {"legacy": True} if "legacy" in inspect.signature(connect).parameters else {}


class DaemonError(RuntimeError):
    """An error reply from the render daemon.

    `str(err)` is the daemon's message, for people; `err.code` is the stable code for programs (see
    napari_cuda._protocol.ERROR_CODES) and `err.path` the request field it names, if any (internal
    words such as "uri" stay out of the message).
    """

    __module__ = "napari_cuda"  # shown as napari_cuda.DaemonError, where users import it from

    def __init__(self, code: str, message: str, path: str | None = None) -> None:
        self.code = code if code in ERROR_CODES else "internal"
        self.message = message
        self.path = path
        super().__init__(_text(self.code, message))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.message, self.path))


def _text(code: str, message: str) -> str:
    """The exception text: the daemon's message; only an internal failure says whose it is."""
    if code == "internal":
        return f"the napari-cuda render daemon failed: {message or 'no details'}"
    return message or code.replace("_", " ")


class DataSourceError(DaemonError, ValueError):
    """The daemon could not open a dataset (code not_found or invalid_source).

    Also a ValueError, like napari's reader errors; the message is the daemon's and names the path,
    URL, codec or chunk that failed.
    """

    __module__ = "napari_cuda"


# Error codes about the data a request named rather than about the request or the daemon.
DATA_SOURCE_CODES = frozenset({"not_found", "invalid_source"})


def _error_from_reply(reply: dict[str, Any]) -> DaemonError:
    err = reply.get("error")
    if not isinstance(err, dict):
        return DaemonError("internal", f"malformed error reply: {reply!r:.200}")
    path = err.get("path")
    code = str(err.get("code", "internal"))
    klass = DataSourceError if code in DATA_SOURCE_CODES else DaemonError
    return klass(
        code,
        str(err.get("message", "")),
        path if isinstance(path, str) and path else None,
    )


# HTTP statuses with which the daemon refuses a /control upgrade, as error codes.
_REFUSED_UPGRADE = {401: "unauthorized", 403: "unauthorized", 503: "shutting_down"}


def _upgrade_error(exc: InvalidStatus) -> DaemonError | None:
    """A DaemonError for a refused /control upgrade (wrong token, Origin sent, stopping), else None."""
    status = exc.response.status_code
    code = _REFUSED_UPGRADE.get(status)
    if code is None:
        return None
    return DaemonError(code, f"the render daemon refused the control connection (HTTP {status})")


def _close_error(exc: ConnectionClosed) -> DaemonError | None:
    """A DaemonError from a close frame whose reason is an error code, else None."""
    rcvd = exc.rcvd
    if rcvd is not None and rcvd.reason in ERROR_CODES:
        why = rcvd.reason.replace("_", " ")
        return DaemonError(rcvd.reason, f"the render daemon closed the connection ({why}, code {rcvd.code})")
    return None


class ControlClient:
    """Thread-safe control client; connects lazily and reconnects once when the socket dropped."""

    def __init__(self, port: int, token: str, *, host: str = "127.0.0.1") -> None:
        self._url = f"ws://{host}:{port}/control"
        self._token = token
        self._lock = threading.RLock()
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self.hello_result: Any = None

    def __repr__(self) -> str:
        return f"ControlClient({self._url!r}, connected={self._ws is not None})"

    def _connect(self, timeout: float) -> ClientConnection:
        # No keepalive pings: loopback only, and a long upload must not trip a ping timeout. The token
        # goes in the upgrade's Authorization header: the daemon refuses /control upgrades without it
        # (and any with an Origin header, which this client never sends) before reading a message.
        try:
            ws = connect(
                self._url,
                additional_headers={"Authorization": f"Bearer {self._token}"},
                max_size=None,
                compression=None,
                open_timeout=timeout,
                ping_interval=None,
                close_timeout=2,
                **_DIRECT,
            )
        except InvalidStatus as exc:
            err = _upgrade_error(exc)
            if err is not None:
                raise err from exc
            raise
        try:
            # The hello still carries the token: the protocol keeps it (the daemon checks it again).
            hello = {"op": "hello", "id": next(self._ids), "protocol": PROTOCOL_VERSION}
            hello["token"] = self._token
            ws.send(json.dumps(hello))
            reply = self._recv_reply(ws, hello["id"], timeout)
        except BaseException:
            ws.close()
            raise
        self.hello_result = reply
        return ws

    def _recv_reply(self, ws: ClientConnection, req_id: int, timeout: float) -> Any:
        try:
            raw = ws.recv(timeout=timeout)
        except ConnectionClosed as exc:
            err = _close_error(exc)
            if err is not None:
                raise err from exc
            raise
        if not isinstance(raw, str):
            raise DaemonError("internal", "expected a JSON reply, got binary data")
        reply = json.loads(raw)
        if not isinstance(reply, dict) or "ok" not in reply:
            raise DaemonError("internal", f"malformed reply: {raw[:200]}")
        if not reply["ok"]:
            raise _error_from_reply(reply)
        if reply.get("id") != req_id:
            raise DaemonError("internal", f"reply id {reply.get('id')} does not match request {req_id}")
        return reply.get("result")

    def _exchange(
        self,
        ws: ClientConnection,
        message: dict[str, Any],
        payload: bytes | memoryview | None,
        timeout: float,
    ) -> Any:
        ws.send(json.dumps(message))
        if payload is not None:
            ws.send(payload)
        result = self._recv_reply(ws, message["id"], timeout)
        if message["op"] not in BINARY_REPLY_OPS:
            return result
        data = ws.recv(timeout=timeout)
        if not isinstance(data, bytes):
            raise DaemonError("internal", f"{message['op']}: expected binary data after the reply")
        return result, data

    def request(
        self,
        op: str,
        *,
        payload: bytes | memoryview | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        **fields: Any,
    ) -> Any:
        """Send one request (plus an optional binary payload) and return its result.

        For ops with a binary reply (screenshot) returns (result, bytes).
        Raises DaemonError for error replies, ConnectionError when the daemon is unreachable.
        """
        with self._lock:
            for attempt in (1, 2):
                fresh = self._ws is None
                try:
                    if self._ws is None:
                        self._ws = self._connect(timeout)
                    message = {"op": op, "id": next(self._ids), **fields}
                    return self._exchange(self._ws, message, payload, timeout)
                except DaemonError as err:
                    # A closing error (unauthorized, protocol_mismatch, ...) leaves the socket dead.
                    if ERROR_CODES.get(err.code) is not None:
                        self._drop()
                    raise
                except ConnectionClosed as exc:
                    self._drop()
                    if attempt == 2 or fresh or op == "shutdown":
                        raise ConnectionError(f"control connection to the daemon closed: {exc}") from exc
                except (OSError, TimeoutError, WebSocketException) as exc:
                    # Unknown position in the reply stream: never reuse this socket.
                    self._drop()
                    if isinstance(exc, TimeoutError):
                        raise TimeoutError(f"daemon did not answer {op!r} within {timeout} s") from exc
                    raise ConnectionError(f"cannot reach the napari-cuda daemon: {exc}") from exc
            raise AssertionError("unreachable")

    def _drop(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                ws.close()
            except Exception:
                pass

    def close(self) -> None:
        """Close the connection (never raises)."""
        with self._lock:
            self._drop()
