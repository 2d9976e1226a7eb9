"""Targeted hostile checks on a running daemon: oversize messages, Origin, wrong tokens, /metrics
tokens in URLs, stream hellos naming viewers the kernel never created (floods: hostile_floods.py).

Each returns a Check: `ok` (the behaviour issue 11 asks for), `detail` (what was measured) and
`needs` ("" or the part of issue 11 the check waits for, when it cannot pass on a daemon without it).
"""

from __future__ import annotations

import json
import select
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any

from napari_cuda._control import ControlClient
from support.hostile_fuzz import ANSWER_TIMEOUT_S
from support.legit_session import RssSampler, hello_message
from support.ws_raw import OP_BINARY, OP_CONT, OP_TEXT, Closed, Message, RawWebSocket

MIB = 1024 * 1024
# A refused 64 MiB message may cost the daemon its socket buffers, not the message.
OVERSIZE_GROWTH_LIMIT_KIB = 24 * 1024


@dataclass
class Check:
    """One check's verdict."""

    name: str
    ok: bool
    detail: dict[str, Any]
    needs: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


def _stream_oversize(ws: RawWebSocket, total: int, fragmented: bool) -> tuple[int, int | None]:
    """Send one `total`-byte binary message (one frame, or 64 KiB fragments) while reading.

    Returns (bytes written, close code or None). Stops at the server's close or a failed write.
    """
    chunk = bytes(64 * 1024)
    zero_key = bytes(4)  # masked with a zero key: the payload goes out as zeros, no masking cost
    if not fragmented and not ws.send_raw(bytes([0x80 | OP_BINARY, 0x80 | 127]) + total.to_bytes(8, "big") + zero_key):
        return 0, None
    sent, first = 0, True
    while sent < total:
        if fragmented:
            op = OP_BINARY if first else OP_CONT
            last = sent + len(chunk) >= total
            data = bytes([(0x80 if last else 0) | op, 0x80 | 127]) + len(chunk).to_bytes(8, "big") + zero_key + chunk
            first = False
        else:
            data = chunk
        if not ws.send_raw(data):
            break
        sent += len(chunk)
        r, _, _ = select.select([ws.sock], [], [], 0)
        if r:
            break
    try:
        while True:
            ws.recv(ANSWER_TIMEOUT_S)
    except Closed as c:
        return sent, c.code
    except TimeoutError:
        return sent, -1


def oversize(port: int, pid: int, path: str, fragmented: bool, headers: dict[str, str] | None = None) -> Check:
    """A 64 MiB unauthenticated message: refused (401 at upgrade, or closed 1009) and never buffered."""
    name = f"oversize_64mib{'_fragmented' if fragmented else ''}{path.replace('/', '_')}"
    sampler = RssSampler(pid)
    ws = RawWebSocket(port, path, headers)
    if ws.status != 101:
        growth = sampler.stop()
        return Check(name, ws.status == 401, {"status": ws.status, "rss_growth_kib": growth})
    sent, code = _stream_oversize(ws, 64 * MIB, fragmented)
    ws.close()
    time.sleep(0.3)
    growth = sampler.stop()
    detail = {"status": 101, "bytes_sent": sent, "close": code, "rss_growth_kib": growth}
    ok = code == 1009 and growth < OVERSIZE_GROWTH_LIMIT_KIB
    return Check(name, ok, detail, "" if path == "/stream" else "issue 11 #2 (/control auth at upgrade)")


def kernel_connects(port: int, control_token: str) -> dict[str, Any]:
    """A fresh control connection (what a kernel does) and one request; how long it took."""
    t0 = time.monotonic()
    client = ControlClient(port, control_token)
    try:
        info = client.request("info", timeout=ANSWER_TIMEOUT_S)
        return {"ok": True, "seconds": round(time.monotonic() - t0, 3), "views": info.get("views")}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
    finally:
        client.close()


def origin_on_control(port: int, control_token: str) -> Check:
    """/control upgrades carrying an Origin header are refused 403 (a browser page must never reach it)."""
    got = {}
    for label, headers in {
        "bearer+origin": {"Authorization": f"Bearer {control_token}", "Origin": "http://evil.example"},
        "origin_only": {"Origin": "http://127.0.0.1:8888"},
    }.items():
        ws = RawWebSocket(port, "/control", headers)
        got[label] = ws.status
        ws.close()
    ok = got["bearer+origin"] == 403 and got["origin_only"] in (401, 403)
    return Check("origin_on_control", ok, got, "issue 11 #2 (Origin refused on /control)")


def first_error(seen: list[Message]) -> str | None:
    """The code of the first stream or control error reply in `seen`."""
    for m in seen:
        body = json.loads(m.data) if m.opcode == OP_TEXT else {}
        if isinstance(body, dict) and body.get("type") == "error":
            return str(body.get("code"))
        if isinstance(body, dict) and body.get("ok") is False:
            return str(body.get("error", {}).get("code"))
    return None


def _hello_reply(ws: RawWebSocket, msg: dict[str, Any]) -> dict[str, Any]:
    """Send a hello; the error code it got (None when accepted) and the close code that followed."""
    ws.send_text(json.dumps(msg))
    seen: list[Message] = []
    try:
        ws.barrier(ANSWER_TIMEOUT_S, seen)
        ws.recv(3.0)
    except Closed as c:
        return {"error": first_error(seen), "close": c.code}
    except TimeoutError:
        pass
    ws.close()
    return {"error": first_error(seen), "close": None}


def wrong_tokens(port: int, control_token: str, view_token: str, protocol: int, stream_hello: dict[str, Any]) -> Check:
    """Wrong tokens: 401 at the /control upgrade (or, before that change, unauthorized + 1008);
    unauthorized + 1008 on /stream (a wrong token, or the control token)."""
    got: dict[str, Any] = {}
    for label, bearer in {"control_wrong_bearer": "x" * 43, "control_view_token_bearer": view_token}.items():
        ws = RawWebSocket(port, "/control", {"Authorization": f"Bearer {bearer}"})
        if ws.status != 101:
            got[label] = {"status": ws.status}
            continue
        hello = {"op": "hello", "id": 1, "protocol": protocol, "token": bearer}
        got[label] = {"status": 101, **_hello_reply(ws, hello)}
    for label, token in {"stream_wrong_token": "y" * 43, "stream_control_token": control_token}.items():
        ws = RawWebSocket(port, "/stream")
        got[label] = {"status": ws.status, **_hello_reply(ws, {**stream_hello, "token": token})}
    refused = {"error": "unauthorized", "close": 1008}
    ok_control = all(got[k] == {"status": 401} or got[k] == {"status": 101, **refused} for k in list(got)[:2])
    ok_stream = all(got[k] == {"status": 101, **refused} for k in list(got)[2:])
    strict = all(got[k] == {"status": 401} for k in list(got)[:2])
    return Check("wrong_tokens", ok_control and ok_stream and strict, got, "issue 11 #2 (401 at the /control upgrade)")


def metrics_tokens(port: int, control_token: str, view_token: str) -> Check:
    """/metrics: the token in the Authorization header only (a token in the URL is refused)."""

    def status(query: str, bearer: str | None) -> int:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics{query}")
        if bearer is not None:
            req.add_header("Authorization", f"Bearer {bearer}")
        try:
            with urllib.request.urlopen(req, timeout=ANSWER_TIMEOUT_S) as res:
                return res.status
        except urllib.error.HTTPError as err:
            return err.code

    got = {
        "none": status("", None),
        "wrong_bearer": status("", "z" * 43),
        "view_bearer": status("", view_token),
        "control_bearer": status("", control_token),
        "view_in_url": status(f"?token={view_token}", None),
    }
    ok = got == {"none": 401, "wrong_bearer": 401, "view_bearer": 200, "control_bearer": 200, "view_in_url": 401}
    return Check("metrics_tokens", ok, got, "issue 11 #7 (/metrics token only in the header)")


def unknown_viewers(port: int, view_token: str, count: int, state: dict[str, Any], info: Any) -> Check:
    """Stream hellos naming viewers the kernel never created: refused (unknown_viewer), nothing kept."""
    before = info()["viewers"]
    codes: dict[str, int] = {}
    canvas = {"width": 64, "height": 64, "pixel_ratio": 1}
    for i in range(count):
        ws = RawWebSocket(port, "/stream")
        ws.send_text(json.dumps(hello_message(view_token, f"never-created-{i}", state, canvas)))
        seen: list[Message] = []
        try:
            ws.barrier(ANSWER_TIMEOUT_S, seen)
            code = first_error(seen) or "accepted"
        except Closed as c:
            code = first_error(seen) or f"close:{c.code}"
        ws.close()
        codes[code] = codes.get(code, 0) + 1
    time.sleep(0.5)
    after = info()["viewers"]
    detail = {"replies": codes, "viewers_before": before, "viewers_after": after}
    ok = codes == {"unknown_viewer": count} and after == before
    return Check("unknown_viewer_hellos", ok, detail, "issue 11 #7 (bind views to viewers the kernel created)")
