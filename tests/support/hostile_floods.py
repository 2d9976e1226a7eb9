"""Floods against a running daemon: idle unauthenticated sockets and slow headers (held, or opened
without pause), 1 MiB of request headers, and from a view-token holder many views and a resize storm.
Each returns a Check (hostile_checks.py).
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from typing import Any

from support.hostile_checks import Check, first_error
from support.hostile_fuzz import ANSWER_TIMEOUT_S
from support.legit_session import RssSampler, hello_message
from support.ws_raw import OP_BINARY, OP_PING, OP_TEXT, Closed, Message, RawWebSocket, frame

# The legitimate view alone may run this many encoders (sizes while moving, the still encoder): hostile
# views' encoders are gone when the daemon runs no more than that.
LEGIT_VIEW_ENCODERS = 4


def flood(port: int, count: int) -> tuple[list[Any], dict[str, Any]]:
    """Open `count` idle unauthenticated sockets on /stream, on /control, and `count` TCP connections
    that send half an upgrade request (slow headers); returns them (to close later) and the statuses."""
    held: list[Any] = []
    statuses: dict[str, dict[int, int]] = {"/stream": {}, "/control": {}}
    for path in statuses:
        for _ in range(count):
            try:
                ws = RawWebSocket(port, path, timeout=5)
            except (OSError, TimeoutError):
                statuses[path][-1] = statuses[path].get(-1, 0) + 1
                continue
            statuses[path][ws.status] = statuses[path].get(ws.status, 0) + 1
            if ws.status == 101:
                held.append(ws)
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
            held.append(sock)
        except OSError:
            statuses.setdefault("slow_headers_failed", {0: 0})[0] += 1
    out: dict[str, Any] = {p: {str(k): v for k, v in s.items()} for p, s in statuses.items()}
    out["slow_headers"] = count
    return held, out


class SustainedFlood:
    """A thread that keeps opening idle /stream sockets (holding up to `hold`, oldest closed first)."""

    def __init__(self, port: int, hold: int) -> None:
        self.port, self.hold = port, hold
        self.opened, self.refused = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sustained-flood")
        self._thread.start()

    def _run(self) -> None:
        socks: list[RawWebSocket] = []
        while not self._stop.is_set():
            try:
                ws = RawWebSocket(self.port, "/stream", timeout=5)
            except (OSError, TimeoutError):
                continue
            if ws.status == 101:
                self.opened += 1
                socks.append(ws)
                if len(socks) > self.hold:
                    socks.pop(0).close()
            else:
                self.refused += 1
                time.sleep(0.002)
        for ws in socks:
            ws.close()

    def stop(self) -> dict[str, int]:
        """Stop; the counts of sockets opened and refused."""
        self._stop.set()
        self._thread.join(timeout=10)
        return {"opened": self.opened, "refused": self.refused}


def huge_headers(port: int) -> Check:
    """An upgrade with 1 MiB of headers is refused (Node's header limit: 431, or 400), nothing kept."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT_S)
    status = 0
    try:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (1024 * 1024) + b"\r\n\r\n")
    except OSError:
        pass
    try:
        head = sock.recv(4096)
        status = int(head.split()[1]) if head.startswith(b"HTTP/") else 0
    except (OSError, ValueError, IndexError):
        pass
    sock.close()
    return Check("huge_headers", status in (400, 431), {"status": status})


def _open_view(port: int, view_token: str, viewer_id: str, state: dict[str, Any], size: int) -> tuple[Any, str]:
    """A view's socket after hello, and what hello got: "accepted", an error code or a close."""
    ws = RawWebSocket(port, "/stream")
    if ws.status != 101:
        return ws, f"refused:{ws.status}"
    canvas = {"width": size, "height": size, "pixel_ratio": 1}
    ws.send_text(json.dumps(hello_message(view_token, viewer_id, state, canvas)))
    seen: list[Message] = []
    try:
        ws.barrier(ANSWER_TIMEOUT_S, seen)
    except Closed as c:
        return ws, first_error(seen) or f"close:{c.code}"
    return ws, first_error(seen) or "accepted"


def _read_for(ws: RawWebSocket, seconds: float) -> list[Message]:
    """Every message that arrives within `seconds` (pongs left out)."""
    out, deadline = [], time.monotonic() + seconds
    while True:
        try:
            m = ws.recv(max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            return out
        if m.opcode in (OP_TEXT, OP_BINARY):
            out.append(m)


def view_flood(
    port: int, pid: int, view_token: str, viewer_id: str, state: dict[str, Any], count: int, ffmpegs: Any
) -> Check:
    """`count` views of the legitimate viewer from a view-token holder: the daemon caps views
    (too_many_views, 1013) and encoders, and frees every encoder when they close."""
    before = len(ffmpegs(pid))
    sampler = RssSampler(pid)
    socks, replies, peak = [], {}, before
    for _ in range(count):
        ws, got = _open_view(port, view_token, viewer_id, state, 64)
        replies[got] = replies.get(got, 0) + 1
        socks.append(ws)
        peak = max(peak, len(ffmpegs(pid)))
    time.sleep(1.0)
    peak = max(peak, len(ffmpegs(pid)))
    for ws in socks:
        ws.close()
    deadline, after = time.monotonic() + 5, len(ffmpegs(pid))
    while after > max(before, LEGIT_VIEW_ENCODERS) and time.monotonic() < deadline:
        time.sleep(0.1)
        after = len(ffmpegs(pid))
    growth = sampler.stop()
    detail = {"replies": replies, "ffmpeg_before": before, "ffmpeg_peak": peak, "ffmpeg_after": after}
    detail["rss_growth_kib"] = growth
    ok = (
        after <= max(before, LEGIT_VIEW_ENCODERS)
        and "internal" not in replies
        and set(replies) <= {"accepted", "too_many_views"}
    )
    return Check("view_flood", ok, detail)


def resize_storm(
    port: int, pid: int, view_token: str, viewer_id: str, state: dict[str, Any], count: int, seed: int, ffmpegs: Any
) -> Check:
    """One view resizing to `count` random sizes (16..1024) with a keyframe request after each, acking
    its frames: encoders stay bounded and are freed when it closes."""
    rng = random.Random(seed)
    before = len(ffmpegs(pid))
    ws, got = _open_view(port, view_token, viewer_id, state, 64)
    peak, codes, frames = before, {}, 0
    try:
        for i in range(count):
            w, h = rng.randrange(16, 1025), rng.randrange(16, 1025)
            ws.send_text(json.dumps({"type": "resize", "seq": i + 1, "canvas": {"width": w, "height": h}}))
            ws.send_text(json.dumps({"type": "keyframe", "reason": "storm"}))
            for m in _read_for(ws, 0.1):
                if m.opcode == OP_BINARY and len(m.data) >= 12:
                    frames += 1
                    ws.send_text(json.dumps({"type": "ack", "frame_id": int.from_bytes(m.data[8:12], "little")}))
                elif (code := first_error([m])) is not None:
                    codes[code] = codes.get(code, 0) + 1
            peak = max(peak, len(ffmpegs(pid)))
    except (Closed, TimeoutError) as exc:
        codes[f"ended:{exc}"] = 1
    ws.close()
    deadline, after = time.monotonic() + 5, len(ffmpegs(pid))
    while after > max(before, LEGIT_VIEW_ENCODERS) and time.monotonic() < deadline:
        time.sleep(0.1)
        after = len(ffmpegs(pid))
    detail = {"hello": got, "frames": frames, "errors": codes, "ffmpeg_peak": peak, "ffmpeg_after": after}
    ok = (
        got == "accepted"
        and after <= max(before, LEGIT_VIEW_ENCODERS)
        and not any(k.startswith("ended") or k == "internal" for k in codes)
    )
    return Check("resize_storm", ok, detail)


def ping_flood(port: int, pid: int, hello: dict[str, Any] | None, count: int) -> Check:
    """`count` pings sent without reading the pongs (before hello, or after `hello`): the daemon must
    not queue pongs without bound (ws drops a peer with too many pending pongs)."""
    sampler = RssSampler(pid)
    ws = RawWebSocket(port, "/stream")
    if hello is not None:
        ws.send_text(json.dumps(hello))
    burst = b"".join(frame(OP_PING, b"p" * 125) for _ in range(64))
    sent = 0
    while sent < count and ws.send_raw(burst):
        sent += 64
    ended: str = "open"
    try:
        while True:
            ws.recv(ANSWER_TIMEOUT_S if sent < count else 2.0)
    except Closed as c:
        ended = f"close:{c.code}"
    except TimeoutError:
        pass
    ws.close()
    growth = sampler.stop()
    name = "ping_flood_" + ("posthello" if hello is not None else "prehello")
    detail = {"pings_sent": sent, "ended": ended, "rss_growth_kib": growth}
    return Check(name, growth < 24 * 1024, detail)


# Frames a view may have unacked before the daemon has measured its link (MAX_FRAMES_IN_FLIGHT in
# src/protocol/stream.ts); a view that never acks is never measured.
UNMEASURED_IN_FLIGHT = 2


def keyframe_spam(port: int, view_token: str, viewer_id: str, state: dict[str, Any], seconds: float) -> Check:
    """A view that never acks, asking for a keyframe every few ms and moving now and then: keyframe
    requests must not bypass the in-flight limit (issue 11 #5): it gets at most 2 frames."""
    ws, got = _open_view(port, view_token, viewer_id, state, 128)
    sent, frames, codes = 0, 0, {}
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds:
            sent += 1
            ws.send_text(json.dumps({"type": "keyframe", "reason": "spam"}))
            if sent % 5 == 0:
                moved = json.loads(json.dumps(state))
                moved["camera"]["center"][0] += (sent % 7) * 0.3
                ws.send_text(json.dumps({"type": "state", "seq": sent, "state": moved}))
            for m in ws.barrier(ANSWER_TIMEOUT_S):
                if m.opcode == OP_BINARY:
                    frames += 1
                elif (code := first_error([m])) is not None:
                    codes[code] = codes.get(code, 0) + 1
            time.sleep(0.005)
    except (Closed, TimeoutError) as exc:
        codes[f"ended:{exc}"] = 1
    ws.close()
    detail = {"hello": got, "keyframes_sent": sent, "frames_without_ack": frames, "errors": codes}
    ok = got == "accepted" and frames <= UNMEASURED_IN_FLIGHT and not any(k.startswith("ended") for k in codes)
    return Check("keyframe_spam", ok, detail)
