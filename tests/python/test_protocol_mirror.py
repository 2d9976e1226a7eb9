"""napari_cuda._protocol mirrors src/protocol (compared with protocolTable() and encodeFrame())."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nc_support import run_node

from napari_cuda import _protocol as p

TABLE_JS = "const m = await import('./src/protocol/index.ts');console.log(JSON.stringify(m.protocolTable()));"


@pytest.fixture(scope="module")
def ts_table() -> dict[str, Any]:
    return run_node(TABLE_JS)


def test_same_fields(ts_table: dict[str, Any]) -> None:
    assert sorted(ts_table) == sorted(p.protocol_table())


@pytest.mark.parametrize("field", sorted(p.protocol_table()))
def test_field_equal(ts_table: dict[str, Any], field: str) -> None:
    assert p.protocol_table()[field] == ts_table[field], field


def test_module_constants_match_table() -> None:
    t = p.protocol_table()
    assert t["protocol_version"] == p.PROTOCOL_VERSION
    assert t["error_codes"] == p.ERROR_CODES
    assert tuple(t["colormaps"]) == p.COLORMAPS
    assert tuple(t["dtypes"]) == p.DTYPES
    assert tuple(t["control_ops"]) == p.CONTROL_OPS
    assert t["frame_magic"] == p.FRAME_MAGIC == 0x3146434E


def test_parse_frame_header_reads_a_ts_encoded_frame() -> None:
    fields = {
        "frameId": 4_000_000_001,
        "seq": 77,
        "keyframe": True,
        "width": 1920,
        "height": 1080,
        "level": 2,
        "levelCount": 3,
        "renderMs": 1.5,
        "captureMs": 0.25,
        "encodeMs": 3.75,
        "sentAt": 1_700_000_000_123.5,
        "marginX": 24,
        "marginY": 16,
    }
    script = (
        "const m = await import('./src/protocol/index.ts');"
        f"const h = {json.dumps(fields)};"
        "const f = m.encodeFrame(h, new Uint8Array([1, 2, 3, 4, 5]));"
        "console.log(JSON.stringify(Buffer.from(f).toString('hex')));"
    )
    frame = bytes.fromhex(run_node(script))
    h = p.parse_frame_header(frame)
    assert h["magic"] == p.FRAME_MAGIC
    assert h["version"] == p.PROTOCOL_VERSION
    assert h["header_bytes"] == p.FRAME_HEADER_BYTES
    assert h["keyframe"] is True and h["flags"] == p.FLAG_KEYFRAME
    assert (h["frame_id"], h["seq"]) == (4_000_000_001, 77)
    assert (h["width"], h["height"], h["level"], h["level_count"]) == (1920, 1080, 2, 3)
    assert (h["render_ms"], h["capture_ms"], h["encode_ms"]) == (1.5, 0.25, 3.75)
    assert h["sent_at"] == 1_700_000_000_123.5
    assert (h["margin_x"], h["margin_y"]) == (24, 16)
    assert h["payload_bytes"] == 5
    assert frame[h["header_bytes"] :] == bytes([1, 2, 3, 4, 5])


def test_parse_frame_header_rejects_bad_frames() -> None:
    with pytest.raises(ValueError, match="shorter"):
        p.parse_frame_header(b"\0" * 10)
    with pytest.raises(ValueError, match="magic"):
        p.parse_frame_header(b"\0" * p.FRAME_HEADER_BYTES)


def test_limits_match_the_schemas() -> None:
    script = (
        "const m = await import('./src/protocol/index.ts');"
        "console.log(JSON.stringify({control: m.CONTROL_MAX_MESSAGE_BYTES,"
        " canvas: m.CanvasSchema.safeParse({width: 15, height: 16}).success,"
        " canvasMax: m.CanvasSchema.safeParse({width: 8192, height: 8192}).success,"
        " canvasOver: m.CanvasSchema.safeParse({width: 8193, height: 16}).success}));"
    )
    ts = run_node(script)
    assert ts["control"] == p.CONTROL_MAX_MESSAGE_BYTES
    assert (p.CANVAS_MIN, p.CANVAS_MAX) == (16, 8192)
    assert ts == {**ts, "canvas": False, "canvasMax": True, "canvasOver": False}


def test_chunk_channel_matches() -> None:
    script = (
        "const m = await import('./src/protocol/index.ts');"
        "console.log(JSON.stringify({kernel: m.CHUNK_KERNEL_OPS, daemon: m.CHUNK_DAEMON_OPS,"
        " pattern: m.SERVER_ID_PATTERN.source, error_chars: m.CHUNK_ERROR_MAX_CHARS}));"
    )
    ts = run_node(script)
    assert tuple(ts["kernel"]) == p.CHUNK_KERNEL_OPS
    assert tuple(ts["daemon"]) == p.CHUNK_DAEMON_OPS
    assert ts["pattern"] == p.SERVER_ID_PATTERN
    assert ts["error_chars"] == p.CHUNK_ERROR_MAX_CHARS
