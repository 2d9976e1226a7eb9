"""Python mirror of the wire protocol in src/protocol (tests check it field by field)."""

from __future__ import annotations

import struct
from typing import Any

PROTOCOL_VERSION = 2

# Error code -> WebSocket close code when the error ends the connection, else None.
ERROR_CODES: dict[str, int | None] = {
    "bad_json": None,
    "invalid_message": None,
    "unknown_type": None,
    "hello_required": 1008,
    "unauthorized": 1008,
    "protocol_mismatch": 1002,
    "message_too_big": 1009,
    "rate_limited": 1008,
    "unknown_viewer": None,
    "unknown_layer": None,
    "invalid_data": None,
    "too_large": None,
    "encoder_unavailable": None,
    "encoder_failed": None,
    "render_failed": None,
    "not_found": None,
    "invalid_source": None,
    "unsupported": None,
    "internal": 1011,
    "shutting_down": 1001,
    "too_many_views": 1013,
    "encoder_limit": None,
    "compute_failed": None,
}

# The built-in colormap names (napari's AVAILABLE_COLORMAPS, in napari's order): their tables are
# compiled into the daemon and the widget (src/protocol/colormap-data.ts). Every other colormap napari
# accepts (matplotlib, vispy and cmap names, colours, arrays, Colormap objects) travels as a name plus a
# `colormap_lut` (napari_cuda._colormaps.resolve).
COLORMAPS: tuple[str, ...] = (
    "blue",
    "bop blue",
    "bop orange",
    "bop purple",
    "cyan",
    "fire",
    "gist_earth",
    "gray",
    "gray_r",
    "green",
    "HiLo",
    "hsv",
    "I Blue",
    "I Bordeaux",
    "I Forest",
    "I Orange",
    "I Purple",
    "ice",
    "inferno",
    "magenta",
    "magma",
    "nan",
    "PiYG",
    "plasma",
    "red",
    "turbo",
    "twilight",
    "twilight_shifted",
    "viridis",
    "yellow",
)
# A layer's `colormap_lut`: 256 RGB entries as lowercase hex; `colormap` names are at most this long.
COLORMAP_LUT_HEX_CHARS = 256 * 3 * 2
MAX_COLORMAP_NAME_CHARS = 128
INTERPOLATIONS: tuple[str, ...] = ("nearest", "linear")
BLENDINGS: tuple[str, ...] = ("translucent", "translucent_no_depth", "additive", "opaque")
# napari's 3D rendering modes (ignored in 2D).
RENDERINGS: tuple[str, ...] = ("translucent", "additive", "iso", "mip", "minip", "attenuated_mip", "average")
DTYPES: tuple[str, ...] = (
    "uint8",
    "int8",
    "uint16",
    "int16",
    "uint32",
    "int32",
    "float32",
    "float64",
)

CONTROL_OPS: tuple[str, ...] = (
    "hello",
    "set_layer_data",
    "patch_layer_data",
    "set_points",
    "open_layer",
    "open_kernel_layer",
    "remove_layer",
    "close_viewer",
    "open_viewer",
    "screenshot",
    "layer_range",
    "info",
    "shutdown",
)
# The /chunks channel (src/protocol/chunks.ts): ops the kernel's ChunkServer sends, and those the daemon sends.
CHUNK_KERNEL_OPS: tuple[str, ...] = ("hello", "chunk_data", "chunk_error")
CHUNK_DAEMON_OPS: tuple[str, ...] = ("chunk", "cancel")
# A ChunkServer's server_id: 16..64 characters of [A-Za-z0-9_-]; chunk_error messages are at most this long.
SERVER_ID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
CHUNK_ERROR_MAX_CHARS = 16_384
STREAM_CLIENT_TYPES: tuple[str, ...] = ("hello", "state", "resize", "ack", "keyframe", "pick", "range")
STREAM_SERVER_TYPES: tuple[str, ...] = ("config", "meta", "error", "value", "range", "sync")

FRAME_MAGIC = 0x3146434E  # "NCF1" little-endian
FRAME_HEADER_BYTES = 56
FLAG_KEYFRAME = 1
FLAG_STILL = 2  # a High 4:4:4 refinement of a resting view
FRAME_HEADER_LAYOUT: dict[str, tuple[int, str]] = {
    "magic": (0, "I"),
    "version": (4, "B"),
    "flags": (5, "B"),
    "header_bytes": (6, "H"),
    "frame_id": (8, "I"),
    "seq": (12, "I"),
    "width": (16, "H"),
    "height": (18, "H"),
    "level": (20, "B"),
    "level_count": (21, "B"),
    "render_ms": (24, "f"),
    "capture_ms": (28, "f"),
    "encode_ms": (32, "f"),
    "payload_bytes": (36, "I"),
    "sent_at": (40, "d"),
    "margin_x": (48, "H"),
    "margin_y": (50, "H"),
}

# Limits from the schemas in src/protocol/state.ts (checked before sending, for clear errors).
CANVAS_MIN, CANVAS_MAX = 16, 8192
ZOOM_MAX = 1e6
GAMMA_MAX = 100.0
MAX_LAYERS = 64
MAX_NDIM = 32
MAX_ID_CHARS = 64
MAX_NAME_CHARS = 256
MAX_URI_CHARS = 4096
MAX_LEVEL = 63  # locked_data_level upper bound
ATTENUATION_MAX = 1e6
LAYER_KINDS = ("image", "labels", "points")  # LayerState.kind
MAX_CONTOUR = 64  # labels contour width (screen pixels)
# napari's point symbols in its order; a Points table row holds an index into it (src/protocol/points.ts).
POINT_SYMBOLS = (
    "arrow",
    "clobber",
    "cross",
    "diamond",
    "disc",
    "hbar",
    "ring",
    "square",
    "star",
    "tailed_arrow",
    "triangle_down",
    "triangle_up",
    "vbar",
    "x",
)
# Largest control message (array payload) the daemon accepts: CONTROL_MAX_MESSAGE_BYTES in
# src/protocol/control.ts, overridden by NAPARI_CUDA_MAX_MESSAGE_BYTES in the daemon's environment
# (NAPARI_CUDA_MAX_DATA_BYTES is the daemon's memory budget for all layers, a different limit).
CONTROL_MAX_MESSAGE_BYTES = 2 * 1024**3


def parse_frame_header(data: bytes | bytearray | memoryview) -> dict[str, Any]:
    """Parse a stream frame's header into a dict (plus `keyframe`); ValueError if malformed."""
    buf = memoryview(data).cast("B")
    if len(buf) < FRAME_HEADER_BYTES:
        raise ValueError(f"frame shorter than its header ({len(buf)} bytes)")
    header = {
        name: struct.unpack_from("<" + fmt, buf, offset)[0] for name, (offset, fmt) in FRAME_HEADER_LAYOUT.items()
    }
    if header["magic"] != FRAME_MAGIC:
        raise ValueError(f"bad frame magic 0x{header['magic']:08x}")
    if header["version"] != PROTOCOL_VERSION:
        raise ValueError(f"frame version {header['version']}, expected {PROTOCOL_VERSION}")
    if header["header_bytes"] < FRAME_HEADER_BYTES:
        raise ValueError(f"frame header_bytes {header['header_bytes']} < {FRAME_HEADER_BYTES}")
    header["keyframe"] = bool(header["flags"] & FLAG_KEYFRAME)
    header["still"] = bool(header["flags"] & FLAG_STILL)
    return header


def protocol_table() -> dict[str, Any]:
    """The mirror in the shape of protocolTable() in src/protocol/table.ts."""
    return {
        "protocol_version": PROTOCOL_VERSION,
        "error_codes": dict(ERROR_CODES),
        "colormaps": list(COLORMAPS),
        "interpolations": list(INTERPOLATIONS),
        "blendings": list(BLENDINGS),
        "renderings": list(RENDERINGS),
        "dtypes": list(DTYPES),
        "layer_kinds": list(LAYER_KINDS),
        "max_contour": MAX_CONTOUR,
        "point_symbols": list(POINT_SYMBOLS),
        "control_ops": list(CONTROL_OPS),
        "stream_client_types": list(STREAM_CLIENT_TYPES),
        "stream_server_types": list(STREAM_SERVER_TYPES),
        "frame_magic": FRAME_MAGIC,
        "frame_header_bytes": FRAME_HEADER_BYTES,
        "frame_header_layout": {k: list(v) for k, v in FRAME_HEADER_LAYOUT.items()},
    }
