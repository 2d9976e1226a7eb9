"""Send hostile messages on one daemon channel and classify what the daemon did with each.

Outcomes per message: `refused:<http status>` (upgrade refused), `error:<code>` (an error reply),
`close:<ws code>`, `reply` (a non-error answer, e.g. a pick's value), `silent` (a valid message the
daemon accepted without a reply: a state, an ack, a keyframe) and the bad ones: `hang` (no answer to
a barrier), `close:None` (the TCP connection ended without a close frame), an error code that is not
in the protocol's table or is `internal`, close 1011. Barriers: a ping on /stream (errors there are
sent before the next frame is read), an `info` request on an authenticated /control (replies come
strictly in order); unauthenticated /control answers every message, so it waits for that answer.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from napari_cuda._protocol import ERROR_CODES, PROTOCOL_VERSION
from support.hostile_msgs import Context, Hostile, messages
from support.legit_session import hello_message
from support.ws_raw import OP_BINARY, OP_PING, OP_TEXT, Closed, Message, RawWebSocket, frame

# Close codes the daemon may end a hostile connection with (RFC 6455 + protocol table).
EXPECTED_CLOSES = {1002, 1003, 1007, 1008, 1009, 1013}
EXPECTED_REFUSALS = {400, 401, 403, 503}
BARRIER_ID = 999_999_999
# Generous: the shared test machine can be very loaded; a daemon that misses this is hung.
ANSWER_TIMEOUT_S = 30.0


@dataclass
class ChannelResult:
    """What one channel's hostile messages got."""

    channel: str
    sent: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    connections: int = 0
    silent_kinds: Counter[str] = field(default_factory=Counter)

    def record(self, kind: str, outcome: str) -> None:
        """Count one outcome; remember it (with the message kind) when it is a bad one."""
        self.outcomes[outcome] += 1
        if outcome == "silent":
            self.silent_kinds[kind] += 1
        if is_bad(outcome) and len(self.bad) < 20:
            self.bad.append(f"{kind} -> {outcome}")

    def summary(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "channel": self.channel,
            "sent": self.sent,
            "connections": self.connections,
            "outcomes": dict(self.outcomes.most_common()),
            "bad": self.bad,
            "silent_kinds": dict(self.silent_kinds.most_common()),
        }


def is_bad(outcome: str) -> bool:
    """An outcome that means the daemon misbehaved (see the module docstring)."""
    what, _, detail = outcome.partition(":")
    if what == "error":
        return "/" in detail or detail not in ERROR_CODES or detail == "internal"
    if what == "close":
        return detail == "None" or int(detail) not in EXPECTED_CLOSES
    if what == "refused":
        return int(detail) not in EXPECTED_REFUSALS
    return what == "hang"


def send_hostile(ws: RawWebSocket, h: Hostile) -> None:
    """Put one hostile message on the wire (frame-level kinds as their broken frames)."""
    if h.opcode == OP_TEXT:
        ws.send_text(h.payload)
    elif h.opcode == OP_BINARY:
        ws.send_binary(h.payload)
    elif h.opcode == "pair":
        ws.send_text(h.payload)
        ws.send_binary(h.extra)
    elif h.opcode == "reserved_opcode":
        ws.send_raw(frame(0x3, h.payload))
    elif h.opcode == "unmasked":
        ws.send_raw(frame(OP_TEXT, b"{}", mask=False))
    elif h.opcode == "rsv_bits":
        ws.send_raw(frame(OP_TEXT, b"{}", rsv=0x4))
    elif h.opcode == "fragmented_ping":
        ws.send_raw(frame(OP_PING, h.payload[:8], fin=False))
    else:  # invalid_utf8
        ws.send_raw(frame(OP_TEXT, b'{"type": "\xff\xfe' + h.payload + b'"}'))


def _error_code(m: Message) -> str | None:
    """The error code of a stream or control error reply, else None."""
    if m.opcode != OP_TEXT:
        return None
    try:
        body = json.loads(m.data)
    except ValueError:
        return "not-json"
    if not isinstance(body, dict):
        return "not-an-object"
    if body.get("type") == "error":
        return str(body.get("code"))
    if body.get("ok") is False:
        err = body.get("error")
        return str(err.get("code")) if isinstance(err, dict) else "malformed"
    return None


def _classify(seen: list[Message], closed: Closed | None) -> str:
    """One outcome from what came back before a barrier (frames, config and meta are ignored).

    An error whose code closes the connection must be followed by that close code: otherwise the
    outcome names both and counts as bad.
    """
    replied = False
    for m in seen:
        code = _error_code(m)
        if code is not None:
            want = ERROR_CODES.get(code)
            got = closed.code if closed else None
            return f"error:{code}" if want == got else f"error:{code}/close:{got}"
        if m.opcode == OP_TEXT:
            body = json.loads(m.data)
            replied = replied or body.get("ok") is True or body.get("type") in ("value", "range")
    if closed is not None:
        return f"close:{closed.code}"
    return "reply" if replied else "silent"


class ChannelFuzzer:
    """Drives one channel: connects (and authenticates) as the channel says, reconnecting after closes."""

    def __init__(self, channel: str, port: int, control_token: str, view_token: str, ctx: Context) -> None:
        self.channel = channel
        self.port = port
        self.control_token = control_token
        self.view_token = view_token
        self.ctx = ctx
        self.ws: RawWebSocket | None = None
        self.result = ChannelResult(channel)

    def _connect(self) -> RawWebSocket | int:
        """An open socket ready for hostile messages, or the HTTP status that refused the upgrade."""
        self.result.connections += 1
        if self.channel.startswith("control"):
            headers = {"Authorization": f"Bearer {self.control_token}"} if self.channel == "control_auth" else {}
            ws = RawWebSocket(self.port, "/control", headers)
            if ws.status != 101:
                return ws.status
            if self.channel == "control_auth":
                hello = {"op": "hello", "id": 0, "protocol": PROTOCOL_VERSION, "token": self.control_token}
                ws.send_text(json.dumps(hello))
                body = json.loads(ws.recv(ANSWER_TIMEOUT_S).data)
                if not body.get("ok"):
                    raise RuntimeError(f"the legitimate control hello failed: {body}")
            return ws
        ws = RawWebSocket(self.port, "/stream")
        if ws.status != 101:
            return ws.status
        if self.channel == "stream_posthello":
            canvas = {"width": 64, "height": 64, "pixel_ratio": 1}
            state = {
                "camera": {"center": [8.0, 8.0], "zoom": 1.0, "angles": [0.0, 0.0, 90.0]},
                "dims": {"ndisplay": 2, "current_step": [0, 0], "axis_labels": ["y", "x"]},
                "layers": [self.ctx.layer_state],
            }
            ws.send_text(json.dumps(hello_message(self.view_token, self.ctx.viewer_id, state, canvas)))
            codes = [c for c in (_error_code(m) for m in ws.barrier(ANSWER_TIMEOUT_S)) if c]
            if codes:
                raise RuntimeError(f"the legitimate stream hello failed: {codes}")
        return ws

    def send(self, h: Hostile) -> str:
        """Send one hostile message; returns its outcome (also recorded)."""
        self.result.sent += 1
        outcome = self._send(h)
        self.result.record(h.kind, outcome)
        return outcome

    def _send(self, h: Hostile) -> str:
        if self.ws is None or not self.ws.open:
            got = self._connect()
            if isinstance(got, int):
                return f"refused:{got}"
            self.ws = got
        ws = self.ws
        seen: list[Message] = []
        try:
            send_hostile(ws, h)
            if self.channel == "control_noauth":
                seen.append(ws.recv(ANSWER_TIMEOUT_S))
                if ERROR_CODES.get(_error_code(seen[0]) or "") is not None:
                    ws.recv(ANSWER_TIMEOUT_S)  # the close that must follow
            elif self.channel == "control_auth":
                self._control_barrier(ws, seen)
            else:
                ws.barrier(ANSWER_TIMEOUT_S, seen)
                self._ack_frames(ws, seen)
        except Closed as c:
            ws.close()
            return _classify(seen, c)
        except TimeoutError:
            ws.close()
            self.ws = None
            return "hang"
        return _classify(seen, None)

    @staticmethod
    def _ack_frames(ws: RawWebSocket, seen: list[Message]) -> None:
        """Ack the frames seen, so extreme states keep being rendered (not only the first two)."""
        for m in seen:
            if m.opcode == OP_BINARY and len(m.data) >= 12:
                ws.send_text(json.dumps({"type": "ack", "frame_id": int.from_bytes(m.data[8:12], "little")}))

    def _control_barrier(self, ws: RawWebSocket, seen: list[Message]) -> None:
        """Send `info` and read every reply up to its answer (control replies come in order)."""
        ws.send_text(json.dumps({"op": "info", "id": BARRIER_ID}))
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        while True:
            m = ws.recv(max(0.0, deadline - time.monotonic()))
            if m.opcode == OP_TEXT:
                body = json.loads(m.data)
                if isinstance(body, dict) and body.get("id") == BARRIER_ID and body.get("ok"):
                    return
            if m.opcode in (OP_TEXT, OP_BINARY):
                seen.append(m)

    def close(self) -> None:
        """Close the current socket."""
        if self.ws is not None:
            self.ws.close()


def fuzz_channel(
    channel: str, n: int, seed: int, port: int, control_token: str, view_token: str, ctx: Context
) -> ChannelResult:
    """Send `n` hostile messages on `channel`; the per-outcome counts."""
    token = view_token if channel == "stream_posthello" else "x" * 43
    msg_ctx = Context(ctx.viewer_id, ctx.layer_id, ctx.layer_state, view_token=token)
    fuzzer = ChannelFuzzer(channel, port, control_token, view_token, ctx)
    try:
        for h in messages(channel, n, seed, msg_ctx):
            fuzzer.send(h)
    finally:
        fuzzer.close()
    return fuzzer.result
