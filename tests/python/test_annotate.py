"""Annotation (issue 14): the views' `annotate` message, Labels paint/erase/fill/undo/redo and Points
add/select/move/delete, from a view and from code; events.data once per edit; the daemon's copy
follows (patch_layer_data for labels: screenshots change). Brush discs, strokes and fills are compared
with napari's own Labels layer (dev dependency, installed without Qt)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest

import napari_cuda
from napari_cuda._label_edit import PaintError

napari_layers = pytest.importorskip("napari.layers", reason="napari (dev group) is the reference for painting")


class Sent:
    """Records what the viewer sends its views (the annotate_done answers)."""

    def __init__(self, viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.messages: list[dict[str, Any]] = []
        monkeypatch.setattr(viewer, "send", lambda content, buffers=None: self.messages.append(content))

    def last(self) -> dict[str, Any]:
        return self.messages[-1]


def view_msg(viewer: napari_cuda.Viewer, **content: Any) -> None:
    viewer._on_view_msg(viewer, {"type": "annotate", "id": "e-1", **content}, [])


def data_events(layer: Any) -> list[Any]:
    seen: list[Any] = []
    layer.events.data.connect(lambda e: seen.append(e.value.copy()))
    return seen


def napari_stroke(data: np.ndarray, coords: list[tuple[float, float]], label: int, brush: float) -> np.ndarray:
    """What napari's paint drag does: paint at the press, then along interpolated positions."""
    from napari.layers.labels._labels_utils import interpolate_coordinates

    ref = napari_layers.Labels(data.copy())
    ref.brush_size = brush
    ref.paint(coords[0], label)
    for old, new in zip(coords[:-1], coords[1:], strict=True):
        for c in interpolate_coordinates(old, new, brush):
            ref.paint(c, label)
    return np.asarray(ref.data)


# -- labels ------------------------------------------------------------------------------------
def test_stroke_from_a_view_paints_like_napari(viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    data = np.zeros((40, 60), np.int32)
    labels = viewer.add_labels(data)
    sent = Sent(viewer, monkeypatch)
    seen = data_events(labels)
    stroke = [(10.0, 5.0), (12.5, 20.0), (30.0, 41.0)]
    want = napari_stroke(data, stroke, 3, 7)
    view_msg(
        viewer, layer_id=labels._id, op="paint", step=[0, 0], positions=[list(p) for p in stroke], label=3, brush_size=7
    )
    assert sent.last() == {"type": "annotate_done", "id": "e-1", "ok": True, "layer_id": labels._id, "version": 1}
    np.testing.assert_array_equal(labels.data, want)
    assert (labels.data == 3).sum() > 100
    assert len(seen) == 1, "events.data fires once per stroke"
    np.testing.assert_array_equal(seen[0], want)
    assert labels.brush_size == 7


def test_world_coordinates_with_scale_translate_and_slices(
    viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = np.zeros((3, 20, 30), np.uint16)
    labels = viewer.add_labels(data, scale=(1, 2, 2), translate=(0, 10, -4))
    Sent(viewer, monkeypatch)
    labels.brush_size = 1
    # World (y, x) = (20, 6) is data (5, 5) on slice 2.
    view_msg(viewer, layer_id=labels._id, op="paint", step=[2, 0, 0], positions=[[20.0, 6.0]], label=9, brush_size=1)
    assert labels.data[2, 5, 5] == 9
    assert (labels.data != 0).sum() == 1


def test_erase_fill_undo_redo(viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    data = (rng.random((50, 64)) > 0.4).astype(np.uint8) * 2
    labels = viewer.add_labels(data.copy())
    sent = Sent(viewer, monkeypatch)
    seen = data_events(labels)
    ref = napari_layers.Labels(data.copy())
    ref.fill((25, 30), 5)
    view_msg(viewer, layer_id=labels._id, op="fill", step=[0, 0], position=[25.0, 30.0], label=5)
    assert sent.last()["ok"] is True
    np.testing.assert_array_equal(labels.data, ref.data)  # 4-connected, as napari
    filled = labels.data.copy()
    view_msg(viewer, layer_id=labels._id, op="paint", step=[0, 0], positions=[[10.0, 10.0]], label=0, brush_size=9)
    assert (labels.data[6:15, 6:15] == 0).any() and (labels.data != filled).any()
    view_msg(viewer, layer_id=labels._id, op="undo")
    np.testing.assert_array_equal(labels.data, filled)
    view_msg(viewer, layer_id=labels._id, op="undo")
    np.testing.assert_array_equal(labels.data, data)
    labels.redo()
    np.testing.assert_array_equal(labels.data, filled)
    assert len(seen) == 5, "fill, erase, undo, undo, redo: one data event each"
    n = len(seen)
    for _ in range(3):
        labels.undo()  # the fill, then nothing left: no event
    assert len(seen) == n + 1
    np.testing.assert_array_equal(labels.data, data)
    assert labels._state["data_version"] == len(seen)


def test_paint_and_fill_from_code_fire_data_once(viewer: napari_cuda.Viewer) -> None:
    labels = viewer.add_labels(np.zeros((30, 30), np.int32))
    seen = data_events(labels)
    labels.brush_size = 5
    labels.paint((10, 10), 4)
    ref = napari_layers.Labels(np.zeros((30, 30), np.int32))
    ref.brush_size = 5
    ref.paint((10, 10), 4)
    np.testing.assert_array_equal(labels.data, ref.data)
    labels.fill((0, 0), 2)
    assert (labels.data == 2).sum() == 900 - (labels.data == 4).sum()
    labels.fill((0, 0), 2)  # the same label: nothing to fill, no event
    assert len(seen) == 2


def test_patch_reaches_the_daemon(viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    labels = viewer.add_labels(np.zeros((32, 48), np.int32), opacity=1.0)
    Sent(viewer, monkeypatch)
    viewer.camera.update(center=(15.5, 23.5), zoom=1)
    before = viewer.screenshot(size=(32, 48))
    assert (before[..., :3] == 0).all()
    view_msg(viewer, layer_id=labels._id, op="paint", step=[0, 0], positions=[[16.0, 24.0]], label=1, brush_size=9)
    after = viewer.screenshot(size=(32, 48))
    painted = labels.data == 1
    color = np.round(np.array(labels.get_color(1)) * 255).astype(np.uint8)
    assert painted.sum() > 40
    np.testing.assert_array_equal(after[painted][:, :3], np.tile(color[:3], (painted.sum(), 1)))
    assert (after[~painted][:, :3] == 0).all()
    labels.undo()
    assert (viewer.screenshot(size=(32, 48))[..., :3] == 0).all(), "undo patches the daemon back"


def test_lazy_labels_refuse_painting(viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    da = pytest.importorskip("dask.array")
    labels = viewer.add_labels(da.zeros((64, 64), dtype=np.int32, chunks=32))
    sent = Sent(viewer, monkeypatch)
    with pytest.raises(PaintError, match="painting needs labels in memory or in a Zarr store"):
        labels.paint((5, 5), 1)
    with caplog.at_level(logging.ERROR, logger="napari_cuda"):
        view_msg(viewer, layer_id=labels._id, op="paint", step=[0, 0], positions=[[5.0, 5.0]], label=1, brush_size=3)
    assert sent.last()["ok"] is False and "in memory or in a Zarr store" in sent.last()["error"]
    assert "in memory or in a Zarr store" in caplog.text


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"op": "smudge"}, "'op' must be one of"),
        ({"op": "paint", "layer_id": "nope"}, "no layer with id"),
        ({"op": "paint", "step": [0], "positions": [[1.0, 1.0]], "label": 1}, "'step' must be 2 integers"),
        ({"op": "paint", "step": [0, 0], "positions": [[1.0, float("nan")]], "label": 1}, "finite numbers"),
        ({"op": "paint", "step": [0, 0], "positions": [], "label": 1}, "'positions' must be a list"),
        ({"op": "paint", "step": [0, 0], "positions": [[1.0, 1.0]], "label": 1.5}, "'label' must be an integer"),
        ({"op": "paint", "step": [0, 0], "positions": [[1.0, 1.0]], "label": 300}, "does not fit the layer's dtype"),
        ({"op": "add_point", "step": [0, 0], "position": [1.0, 1.0]}, "needs a Points layer"),
        (
            {"op": "paint", "step": [0, 0], "positions": [[1.0, 1.0]], "label": 1, "brush_size": 0},
            "brush_size must be in",
        ),
    ],
)
def test_bad_messages_change_nothing(
    viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch, caplog: Any, fields: dict[str, Any], says: str
) -> None:
    labels = viewer.add_labels(np.zeros((8, 8), np.uint8))
    sent = Sent(viewer, monkeypatch)
    seen = data_events(labels)
    content = {"layer_id": labels._id, **fields}
    with caplog.at_level(logging.ERROR, logger="napari_cuda"):
        view_msg(viewer, **content)
    assert sent.last()["ok"] is False and says in sent.last()["error"], sent.last()
    assert says in caplog.text
    assert (labels.data == 0).all() and seen == [] and labels._state["data_version"] == 0
    assert labels.brush_size == 10


def test_message_without_id_is_refused(viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    labels = viewer.add_labels(np.zeros((8, 8), np.uint8))
    sent = Sent(viewer, monkeypatch)
    viewer._on_view_msg(viewer, {"type": "annotate", "layer_id": labels._id, "op": "undo"}, [])
    assert sent.last()["ok"] is False and "'id'" in sent.last()["error"]


def test_modes(bare_viewer: napari_cuda.Viewer) -> None:
    labels = bare_viewer.add_labels(np.zeros((4, 4), np.uint8))
    modes: list[str] = []
    labels.events.mode.connect(lambda e: modes.append(e.value))
    labels.mode = "paint"
    assert labels.mode == "paint" and modes == ["paint"]
    assert bare_viewer.layers._wire()[0]["mode"] == "paint"
    with pytest.raises(ValueError, match="pan_zoom, paint, erase, fill"):
        labels.mode = "add"
    points = bare_viewer.add_points(None)
    points.mode = "select"
    with pytest.raises(ValueError, match="pan_zoom, add, select"):
        points.mode = "paint"
    # A view writes modes back like any display property.
    wire = bare_viewer.layers._wire()
    wire[0]["mode"], wire[1]["mode"] = "erase", "add"
    bare_viewer.layers._apply_wire(wire)
    assert (labels.mode, points.mode) == ("erase", "add")


# -- points ------------------------------------------------------------------------------------
def test_points_add_select_move_delete(viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    viewer.add_image(np.zeros((5, 40, 60), np.uint8))
    points = viewer.add_points(None, ndim=3, scale=(1, 2, 2), translate=(0, 1, 1))
    sent = Sent(viewer, monkeypatch)
    seen = data_events(points)
    for y, x in [(11.0, 21.0), (21.0, 41.0), (31.0, 61.0)]:
        view_msg(viewer, layer_id=points._id, op="add_point", step=[3, 0, 0], position=[y, x])
        assert sent.last()["ok"] is True
    np.testing.assert_allclose(points.data, [[3, 5, 10], [3, 10, 20], [3, 15, 30]])
    assert len(seen) == 3
    # A click within a point's radius (size 10 data units: 5) selects it; elsewhere clears.
    view_msg(viewer, layer_id=points._id, op="select_point", step=[3, 0, 0], position=[21.0 + 6, 41.0])
    assert points.selected_data == {1}
    view_msg(viewer, layer_id=points._id, op="select_point", step=[3, 0, 0], position=[11.0, 21.0], shift=True)
    assert points.selected_data == {0, 1}
    view_msg(viewer, layer_id=points._id, op="select_point", step=[2, 0, 0], position=[31.0, 61.0], shift=True)
    assert points.selected_data == {0, 1}, "points of another slice are not under the cursor"
    view_msg(viewer, layer_id=points._id, op="move_selected", delta=[4.0, -2.0])
    np.testing.assert_allclose(points.data, [[3, 7, 9], [3, 12, 19], [3, 15, 30]])
    assert points._state["selected"]["coords"] == [[3, 7, 9], [3, 12, 19]]
    view_msg(viewer, layer_id=points._id, op="delete_selected")
    np.testing.assert_allclose(points.data, [[3, 15, 30]])
    assert points.selected_data == set()
    assert len(seen) == 5 and points._state["data_version"] == 5
    view_msg(viewer, layer_id=points._id, op="select_point", step=[3, 0, 0], position=[100.0, 100.0])
    assert points.selected_data == set() and len(seen) == 5


def test_points_data_events_from_code(bare_viewer: napari_cuda.Viewer) -> None:
    points = bare_viewer.add_points([[1.0, 2.0]])
    seen = data_events(points)
    points.add([[3.0, 4.0]])
    points.data = [[0.0, 0.0]]
    points.selected_data = {0}
    points.remove_selected()
    assert len(seen) == 3 and len(points.data) == 0
    with pytest.raises(ValueError, match="no point 3"):
        points.selected_data = {3}
