"""Deterministic hostile messages for the daemon's channels (a seeded fuzzer, no randomness from outside).

`messages(channel, n, seed, ctx)` yields `Hostile(kind, opcode, payload)`: random bytes, invalid
JSON and UTF-8, valid JSON of wrong shapes (wrong types, huge numbers, NaN/Infinity as strings
or literals, deep nesting, long strings, unknown types/ops, negative and huge sizes, prototype
keys), valid but extreme messages (zoom 1e300, keyframe spam, 100000x100000 canvases), binary
where text is expected, and a few frame-level violations (reserved opcode, unmasked frame).
Control messages never include `shutdown` (a valid shutdown with the control token is the
kernel's right, not an attack).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

from napari_cuda._protocol import PROTOCOL_VERSION
from support.hostile_values import (
    HOSTILE_VIEWER,
    WEIRD_VALUES,
    Context,
    Hostile,
    base_state,
    extreme,
    hostile_viewer_state,
    layer_data,
    special,
)
from support.ws_raw import OP_BINARY, OP_TEXT

DEEP = "__deep_nesting__"
CHANNELS = ("control_noauth", "control_auth", "stream_prehello", "stream_posthello")
# Frame-level violations: the server must close (1002/1007), never crash.
FRAME_KINDS = ("reserved_opcode", "unmasked", "rsv_bits", "fragmented_ping", "invalid_utf8")


def _templates(channel: str, ctx: Context) -> list[dict[str, Any]]:
    canvas = {"width": 64, "height": 64, "pixel_ratio": 1}
    if channel.startswith("control"):
        vid = HOSTILE_VIEWER
        return [
            {"op": "hello", "id": 1, "protocol": PROTOCOL_VERSION, "token": "x" * 43},
            {
                "op": "set_layer_data",
                "id": 2,
                "viewer_id": vid,
                "layer_id": "l",
                "dtype": "uint8",
                "shape": [2, 2],
                "nbytes": 4,
            },
            {"op": "open_layer", "id": 3, "viewer_id": vid, "layer_id": "l", "uri": "/nonexistent/x.zarr"},
            {"op": "remove_layer", "id": 4, "viewer_id": vid, "layer_id": "l"},
            {"op": "close_viewer", "id": 5, "viewer_id": vid},
            {"op": "screenshot", "id": 6, "viewer_id": ctx.viewer_id, "state": base_state(ctx), "canvas": canvas},
            {"op": "screenshot", "id": 8, "viewer_id": vid, "state": hostile_viewer_state(ctx), "canvas": canvas},
            {"op": "info", "id": 7},
        ]
    return [
        {
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "token": ctx.view_token,
            "viewer_id": ctx.viewer_id,
            "canvas": canvas,
            "codecs": ["avc1.42E028"],
            "seq": 0,
            "state": base_state(ctx),
        },
        {"type": "state", "seq": 1, "state": base_state(ctx)},
        {"type": "resize", "seq": 2, "canvas": canvas},
        {"type": "ack", "frame_id": 1, "decode_ms": 1.0, "queue": 0},
        {"type": "keyframe", "reason": "client"},
        {"type": "pick", "id": 1, "position": [1.0, 1.0]},
        {"type": "range", "id": 1, "layer_id": ctx.layer_id},
    ]


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `obj` (dict keys and list indices)."""
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


def _set(obj: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> None:
    for key in path[:-1]:
        obj = obj[key]
    if delete:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value


def _mutate(rng: random.Random, msg: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """One schema-breaking (or extreme) change at a random place in `msg`."""
    msg = copy.deepcopy(msg)
    paths = _paths(msg)
    path = rng.choice(paths)
    how = rng.randrange(6)
    if how == 0:
        _set(msg, path, None, delete=True)
        return "missing_field", msg
    if how == 1:
        msg[rng.choice(["zzz", "__proto__", "constructor", "toString", "x" * 300])] = rng.choice(WEIRD_VALUES)
        return "extra_key", msg
    if how == 2:
        _set(msg, path, "A" * rng.choice([257, 4096, 65536]))
        return "long_string", msg
    if how == 3:
        depth = rng.choice([64, 1000, 20000])
        _set(msg, path, DEEP)
        msg[DEEP] = depth  # serialize() swaps the placeholder for `depth` nested arrays
        return "deep_nesting", msg
    _set(msg, path, rng.choice(WEIRD_VALUES))
    return "wrong_value", msg


def _bad_json(rng: random.Random) -> bytes:
    choices = [
        b"{",
        b"}",
        b"",
        b"nul",
        b'{"type": "hello",}',
        b'{"type": NaN}',
        b'{"zoom": Infinity}',
        b"[" * 100000,
        b'"unterminated',
        b'{"a": 1} trailing',
        bytes(rng.randrange(32, 127) for _ in range(rng.randrange(1, 200))),
        b"\xef\xbb\xbf{}",
    ]
    return rng.choice(choices)


def serialize(msg: Any) -> bytes:
    """JSON text of `msg`; a DEEP placeholder becomes arrays nested as deep as msg[DEEP] says."""
    if isinstance(msg, dict) and DEEP in msg:
        msg = dict(msg)
        depth = msg.pop(DEEP)
        return json.dumps(msg).replace(f'"{DEEP}"', "[" * depth + "]" * depth, 1).encode()
    return json.dumps(msg).encode()


def messages(channel: str, n: int, seed: int, ctx: Context) -> Iterator[Hostile]:
    """`n` hostile messages for `channel` (CHANNELS), the same ones for the same seed."""
    rng = random.Random(f"{seed}:{channel}")
    templates = _templates(channel, ctx)
    if channel == "control_auth":
        templates = [t for t in templates if t["op"] != "hello"] + [templates[0]]
    for i in range(n):
        r = rng.random()
        if i % 97 == 0:
            kind = FRAME_KINDS[(i // 97) % len(FRAME_KINDS)]
            yield Hostile(kind, kind, bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64))))
        elif channel == "control_auth" and r < 0.06:
            yield layer_data(rng)
        elif r < 0.08:
            yield Hostile("random_bytes", OP_BINARY, rng.randbytes(rng.choice([1, 16, 1000, 65536])))
        elif r < 0.12:
            yield Hostile("binary_json", OP_BINARY, json.dumps(rng.choice(templates)).encode())
        elif r < 0.22:
            yield Hostile("bad_json", OP_TEXT, _bad_json(rng))
        elif r < 0.35:
            kind, msg = special(rng, channel, ctx)
            yield Hostile(kind, OP_TEXT, serialize(msg))
        elif r < 0.5:
            kind, msg = extreme(rng, channel, ctx)
            yield Hostile(kind, OP_TEXT, serialize(msg))
        else:
            kind, msg = _mutate(rng, rng.choice(templates))
            yield Hostile(kind, OP_TEXT, serialize(msg))
