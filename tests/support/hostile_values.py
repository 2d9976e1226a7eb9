"""The building blocks of hostile messages (hostile_msgs.py): the message type, what messages may
name (Context), weird JSON values, states, set_layer_data shapes, and valid-looking messages with
extreme numbers or the shapes issue 11 lists (huge canvases, negative sizes, NaN cameras, keyframe
spam, unknown types).
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from typing import Any

# The viewer the control fuzz creates (set_layer_data) and screenshots: never the legitimate one.
HOSTILE_VIEWER = "hostile-viewer"


@dataclass
class Hostile:
    """One hostile message: `kind` names the generator; `opcode` OP_TEXT/OP_BINARY or a FRAME_KINDS name."""

    kind: str
    opcode: int | str
    payload: bytes
    # "pair": a set_layer_data request (payload) and then these bytes as its binary message.
    extra: bytes = b""


@dataclass
class Context:
    """What the hostile messages may name: the legitimate viewer/layer (post-hello views and screenshots)."""

    viewer_id: str
    layer_id: str
    layer_state: dict[str, Any]
    view_token: str = "x" * 43


WEIRD_VALUES: list[Any] = [
    None,
    True,
    -1,
    0,
    -(2**31),
    2**31,
    2**53 + 1,
    2**64,
    10**30,
    1e308,
    -1e308,
    1e-300,
    0.5,
    "",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "\u0000",
    "\ud7ff\ue000",
    "A" * 70,
    [],
    [None],
    [1e308, -1e308],
    {},
    {"__proto__": {"polluted": True}},
    {"constructor": {"prototype": {"polluted": True}}},
]


def base_state(ctx: Context) -> dict[str, Any]:
    return {
        "camera": {"center": [8.0, 8.0], "zoom": 1.0, "angles": [0.0, 0.0, 90.0]},
        "dims": {"ndisplay": 2, "current_step": [0, 0], "axis_labels": ["y", "x"]},
        "layers": [copy.deepcopy(ctx.layer_state)],
    }


def hostile_viewer_state(ctx: Context) -> dict[str, Any]:
    """A state showing layer "l" of the control-created viewer HOSTILE_VIEWER (whatever shape it has now)."""
    state = base_state(ctx)
    state["layers"][0]["id"] = "l"
    state["dims"]["current_step"] = [0] * 32
    return state


# set_layer_data shapes with their bytes: tiny, long and thin, many axes, overflowing products, NaN data.
LAYER_DATA: list[tuple[str, list[int], int | None]] = [
    ("uint8", [1, 1], None),
    ("uint8", [1, 1 << 20], None),
    ("uint8", [1 << 20, 1], None),
    ("uint16", [1] * 30 + [2, 2], None),
    ("uint8", [3, 4, 5], 59),
    ("uint8", [3, 4, 5], 61),
    ("float32", [4, 4], None),
    ("float64", [1 << 26, 1 << 26, 1 << 26], 8),
    ("uint8", [70000, 1], None),
    ("uint8", [2, 2], 1 << 20),
]


def layer_data(rng: random.Random) -> Hostile:
    dtype, shape, nbytes = rng.choice(LAYER_DATA)
    size = {"uint8": 1, "uint16": 2, "float32": 4, "float64": 8}[dtype]
    want = size
    for n in shape:
        want *= n
    nbytes = want if nbytes is None else nbytes
    data = bytes(min(nbytes, 1 << 21))
    if dtype == "float32":  # NaN, +Inf, -Inf, the largest float32, then zeros
        data = bytes.fromhex("0000c07f0000807f000080ffffff7f7f") + bytes(nbytes - 16)
    msg = {
        "op": "set_layer_data",
        "id": 2,
        "viewer_id": HOSTILE_VIEWER,
        "layer_id": "l",
        "dtype": dtype,
        "shape": shape,
        "nbytes": nbytes,
    }
    return Hostile(f"layer_data:{dtype}{shape[-3:]}", "pair", json.dumps(msg).encode(), data)


def extreme(rng: random.Random, channel: str, ctx: Context) -> tuple[str, dict[str, Any]]:
    """Valid-looking messages with extreme numbers: finite ones pass the schema and reach the renderer."""
    big = rng.choice([1e300, -1e300, 1e-300, 2.0**53, 3.4e38, 1e16])
    state = base_state(ctx)
    layer = state["layers"][0]
    which = rng.randrange(11)
    if which == 8:  # the same layer 64 times (the most a state may list)
        state["layers"] = [copy.deepcopy(layer) for _ in range(64)]
    elif which == 9:  # layers the viewer does not have, beside the real one
        state["layers"] += [{**copy.deepcopy(layer), "id": f"ghost-{i}"} for i in range(3)]
    elif which == 10:  # a locked level that does not exist, a custom colormap table
        layer["locked_data_level"] = 63
        layer["colormap"] = "hostile"
        layer["colormap_lut"] = "".join(f"{rng.randrange(256):02x}" for _ in range(768))
    elif which == 0:
        state["camera"]["zoom"] = abs(big)
    elif which == 1:
        state["camera"]["center"] = [big, -big]
    elif which == 2:
        layer["scale"] = [abs(big), abs(big)]
    elif which == 3:
        layer["translate"] = [big, big]
    elif which == 4:
        layer["contrast_limits"] = [-abs(big), abs(big)]
    elif which == 5:
        state["dims"]["current_step"] = [2**53, 2**31]
    elif which == 6:
        state["camera"]["angles"] = [big, big, big]
        state["dims"]["ndisplay"] = 3
        state["camera"]["center"] = [0.0, 0.0, 0.0]
    else:
        layer["iso_threshold"] = big
        layer["attenuation"] = 1e6
        layer["rendering"] = "attenuated_mip"
        state["dims"]["ndisplay"] = 3
        state["camera"]["center"] = [0.0, 0.0, 0.0]
    if channel.startswith("control"):
        canvas = {"width": rng.choice([16, 64, 256]), "height": rng.choice([16, 64, 256]), "pixel_ratio": 1}
        return "extreme_screenshot", {
            "op": "screenshot",
            "id": 6,
            "viewer_id": ctx.viewer_id,
            "state": state,
            "canvas": canvas,
        }
    if rng.random() < 0.2:
        return "extreme_pick", {"type": "pick", "id": 9, "position": [big, big]}
    return "extreme_state", {"type": "state", "seq": rng.randrange(2**32), "state": state}


def special(rng: random.Random, channel: str, ctx: Context) -> tuple[str, dict[str, Any]]:
    """Named hostile shapes the issue lists."""
    control = channel.startswith("control")
    which = rng.randrange(7)
    if which == 0:  # unknown type / op
        key = "op" if control else "type"
        return "unknown_type", {key: rng.choice(["shutdown2", "eval", "__proto__", "HELLO", ""]), "id": 8}
    if which == 1:  # huge canvas
        canvas = {"width": 100000, "height": 100000, "pixel_ratio": 1}
        if control:
            return "huge_canvas", {
                "op": "screenshot",
                "id": 6,
                "viewer_id": ctx.viewer_id,
                "state": base_state(ctx),
                "canvas": canvas,
            }
        return "huge_canvas", {"type": "resize", "seq": 3, "canvas": canvas}
    if which == 2:  # negative sizes
        if control:
            return "negative_size", {
                "op": "set_layer_data",
                "id": 2,
                "viewer_id": HOSTILE_VIEWER,
                "layer_id": "l",
                "dtype": "uint8",
                "shape": [-1, 5],
                "nbytes": -5,
            }
        return "negative_size", {"type": "resize", "seq": 3, "canvas": {"width": -64, "height": -1, "pixel_ratio": -1}}
    if which == 3:  # camera with NaN (as strings: JSON has no NaN)
        state = base_state(ctx)
        state["camera"] = {"center": ["NaN", "Infinity"], "zoom": "NaN", "angles": ["-Infinity", 0, 0]}
        if control:
            return "nan_camera", {
                "op": "screenshot",
                "id": 6,
                "viewer_id": ctx.viewer_id,
                "state": state,
                "canvas": {"width": 64, "height": 64, "pixel_ratio": 1},
            }
        return "nan_camera", {"type": "state", "seq": 4, "state": state}
    if which == 4:  # keyframe spam (valid on a stream)
        if control:
            return "huge_nbytes", {
                "op": "set_layer_data",
                "id": 2,
                "viewer_id": HOSTILE_VIEWER,
                "layer_id": "l",
                "dtype": "float64",
                "shape": [2**31, 2**31],
                "nbytes": 2**65,
            }
        target = rng.choice([None, {"width": 64, "height": 64, "still": False}, {"width": 16384, "height": 1}])
        msg: dict[str, Any] = {"type": "keyframe", "reason": "spam"}
        if target is not None:
            msg["target"] = target
        return "keyframe_spam", msg
    if which == 5:  # wrong top-level types
        return "wrong_shape", rng.choice([[], [1, 2, 3], "hello", 42, None, {"type": 1}, {"op": ["hello"]}])
    many = rng.choice([33, 65, 10000])
    if control:
        return "huge_array", {
            "op": "set_layer_data",
            "id": 2,
            "viewer_id": HOSTILE_VIEWER,
            "layer_id": "l",
            "dtype": "uint8",
            "shape": [1] * many,
            "nbytes": 1,
        }
    return "huge_array", {"type": "pick", "id": 5, "position": [0.0] * many}
