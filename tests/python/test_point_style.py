"""The Points layer panel's style controls (issue 14 point 4): napari's current_size /
current_face_color / current_border_color / current_symbol from code and from a view's
`set_point_style` annotate message (current value set, selected points restyled, as napari does;
napari itself is the reference), and the status bar's `hover` question (the point under the cursor)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import napari_cuda

napari_layers = pytest.importorskip("napari.layers", reason="napari (dev group) is the reference")

COORDS = [[10.0, 10.0], [20.0, 30.0], [40.0, 5.0]]


class Sent:
    def __init__(self, viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.messages: list[dict[str, Any]] = []
        monkeypatch.setattr(viewer, "send", lambda content, buffers=None: self.messages.append(content))

    def last(self) -> dict[str, Any]:
        return self.messages[-1]


def style_msg(viewer: napari_cuda.Viewer, layer: Any, **fields: Any) -> None:
    msg = {"type": "annotate", "id": "e-1", "layer_id": layer._id, "op": "set_point_style", **fields}
    viewer._on_view_msg(viewer, msg, [])


def test_current_values_follow_napari(bare_viewer: napari_cuda.Viewer) -> None:
    points = bare_viewer.add_points(COORDS, size=7, face_color="red", border_color="blue", symbol="square")
    ref = napari_layers.Points(COORDS, size=7, face_color="red", border_color="blue", symbol="square")
    assert points.current_size == ref.current_size == 7
    assert points.current_face_color == "#ff0000ff"
    assert points.current_border_color == "#0000ffff"
    assert points.current_symbol == str(ref.current_symbol) == "square"
    w = points._wire()
    assert (w["current_size"], w["current_face_color"], w["current_border_color"], w["current_symbol"]) == (
        7.0,
        "#ff0000ff",
        "#0000ffff",
        "square",
    )


def test_setting_current_restyles_the_selected_points_like_napari(bare_viewer: napari_cuda.Viewer) -> None:
    points = bare_viewer.add_points(COORDS)
    ref = napari_layers.Points(np.array(COORDS))
    seen: list[tuple[str, Any]] = []
    for name in ("current_size", "current_face_color", "current_border_color", "current_symbol", "size", "face_color"):
        getattr(points.events, name).connect(lambda e, n=name: seen.append((n, e.value)))
    for layer in (points, ref):
        layer.selected_data = {1}
        layer.current_size = 25
        layer.current_face_color = "#00ff0080"
        layer.current_border_color = "yellow"
        layer.current_symbol = "star"
    np.testing.assert_allclose(points.size, ref.size)
    np.testing.assert_allclose(points.face_color, ref.face_color, atol=1 / 255)
    np.testing.assert_allclose(points.border_color, ref.border_color, atol=1 / 255)
    assert [str(s) for s in points.symbol] == [str(s) for s in ref.symbol] == ["disc", "star", "disc"]
    assert ("current_size", 25.0) in seen and ("current_face_color", "#00ff0080") in seen
    assert [n for n, _ in seen].count("size") == 1, "one size change for the selected points"
    # A new point gets the current values.
    points.add([[1.0, 1.0]])
    assert points.size[-1] == 25 and points.symbol[-1] == "star"
    np.testing.assert_allclose(points.face_color[-1], [0, 1, 0, 128 / 255], atol=1e-6)
    # Nothing selected: only the current value changes.
    points.selected_data = set()
    before = points.size
    points.current_size = 3
    np.testing.assert_array_equal(points.size, before)
    assert points.current_size == 3


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("current_size", -1, "size"),
        ("current_size", [1, 2, 3], "one value"),
        ("current_face_color", "no-such-colour", "unknown colour"),
        ("current_border_color", [2, 0, 0], r"\[0, 1\]"),
        ("current_symbol", "hexagon", "unknown symbol"),
        ("current_symbol", 3, "symbol name"),
    ],
)
def test_bad_current_values_are_refused(bare_viewer: napari_cuda.Viewer, name: str, value: Any, match: str) -> None:
    points = bare_viewer.add_points(COORDS)
    points.selected_data = {0}
    before = points._table().copy()
    with pytest.raises(ValueError, match=match):
        setattr(points, name, value)
    np.testing.assert_array_equal(points._table(), before)


def test_style_message_from_a_view_sets_current_and_selected(
    bare_viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = bare_viewer.add_points(COORDS, face_color="white")
    points.selected_data = {2}
    sent = Sent(bare_viewer, monkeypatch)
    faces: list[Any] = []
    points.events.face_color.connect(lambda e: faces.append(e.value))
    style_msg(bare_viewer, points, face_color="#ff8000ff", size=12, symbol="x", border_color="#000000ff")
    assert sent.last()["ok"] is True, sent.last()
    np.testing.assert_allclose(points.face_color[2], [1, 128 / 255, 0, 1])
    np.testing.assert_allclose(points.face_color[:2], np.ones((2, 4)))
    assert points.current_face_color == "#ff8000ff" and points.current_size == 12
    assert list(points.size) == [10, 10, 12] and points.symbol[2] == "x" and points.current_symbol == "x"
    assert len(faces) == 1


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "at least one"),
        ({"size": "big"}, "'size' must be a number"),
        ({"size": 0}, "size must be finite and > 0"),
        ({"size": True}, "'size' must be a number"),
        ({"face_color": [1, 0, 0]}, "'face_color' must be a name"),
        ({"face_color": "#zzzzzz"}, "unknown colour"),
        ({"size": 5, "symbol": "blob"}, "unknown symbol"),  # nothing is set, not even the good size
    ],
)
def test_bad_style_messages_change_nothing(
    bare_viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any], error: str
) -> None:
    points = bare_viewer.add_points(COORDS)
    points.selected_data = {0}
    sent = Sent(bare_viewer, monkeypatch)
    before, current = points._table().copy(), points._current_wire()
    style_msg(bare_viewer, points, **fields)
    reply = sent.last()
    assert reply["ok"] is False and error in reply["error"], reply
    np.testing.assert_array_equal(points._table(), before)
    assert points._current_wire() == current


def test_style_message_needs_a_points_layer(bare_viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    image = bare_viewer.add_image(np.zeros((4, 4), np.uint8))
    sent = Sent(bare_viewer, monkeypatch)
    style_msg(bare_viewer, image, size=3)
    assert sent.last()["ok"] is False and "needs a Points layer" in sent.last()["error"]


def test_hover_answers_the_point_under_the_cursor(
    bare_viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = bare_viewer.add_points(COORDS, size=6)
    sent = Sent(bare_viewer, monkeypatch)

    def hover(position: Any, **extra: Any) -> Any:
        msg = {"type": "hover", "id": "h-1", "layer_id": points._id, "step": [0, 0], "position": position, **extra}
        bare_viewer._on_view_msg(bare_viewer, msg, [])
        assert sent.last()["type"] == "hover_done" and sent.last()["id"] == "h-1"
        return sent.last()["index"]

    assert hover([20.0, 31.0]) == 1
    assert hover([40.0, 7.9]) == 2
    assert hover([40.0, 8.1]) is None, "outside the radius (3)"
    assert hover([0.0, 0.0]) is None
    assert hover([10.0, "x"]) is None, "a malformed question is no point, not an error"
    ref = napari_layers.Points(np.array(COORDS), size=6)
    assert ref.get_value([20.0, 31.0]) == 1 and ref.get_value([40.0, 8.1]) is None
