"""napari's events on psygnal: once per change, from code and from a view's write; reorders; no cycles."""

from __future__ import annotations

import ast
import logging
from collections import Counter

import numpy as np
import pytest
from nc_support import BRIDGE
from psygnal import EmitLoopError

import napari_cuda


class Recorder:
    """Connects to every signal of a SignalGroup; counts what fired and keeps the events."""

    def __init__(self, group) -> None:
        self.events: list = []
        for name in group:
            group[name].connect(self.events.append)

    def counts(self) -> Counter:
        return Counter(e.type for e in self.events)

    def clear(self) -> None:
        self.events.clear()


def wire(viewer: napari_cuda.Viewer, name: str):
    return viewer.get_state(name)[name]


# -- camera and dims (no daemon needed) ------------------------------------------------------------
def test_camera_events_once_per_change_from_code(bare_viewer: napari_cuda.Viewer) -> None:
    rec = Recorder(bare_viewer.camera.events)
    bare_viewer.camera.zoom = 3
    bare_viewer.camera.zoom = 3  # unchanged: nothing
    bare_viewer.camera.center = (1, 2)
    bare_viewer.camera.angles = (0, 0, 90)  # the default: unchanged
    assert rec.counts() == {"zoom": 1, "center": 1}
    assert [e.value for e in rec.events] == [3.0, (1.0, 2.0)]
    assert rec.events[0].source is bare_viewer.camera
    rec.clear()
    bare_viewer.camera.update(center=(5, 6), zoom=2, angles=(1, 2, 3))
    assert rec.counts() == {"center": 1, "zoom": 1, "angles": 1}


def test_camera_events_from_a_view(bare_viewer: napari_cuda.Viewer) -> None:
    rec = Recorder(bare_viewer.camera.events)
    bare_viewer.set_state({"camera": {"center": [5, 6], "zoom": 7.5, "angles": [0, 0, 90]}})
    assert rec.counts() == {"center": 1, "zoom": 1}
    assert [e.value for e in rec.events] == [(5.0, 6.0), 7.5]
    rec.clear()
    bare_viewer.set_state({"camera": {"center": [5, 6], "zoom": 7.5, "angles": [0, 0, 90]}})  # echo
    bare_viewer.set_state({"camera": {"center": [0, 0], "zoom": -1, "angles": [0, 0, 90]}})  # invalid
    assert rec.events == []


def test_listener_sees_the_synced_state(bare_viewer: napari_cuda.Viewer) -> None:
    seen = []

    @bare_viewer.camera.events.zoom.connect
    def on_zoom(event) -> None:
        seen.append((event.value, bare_viewer.camera.zoom, wire(bare_viewer, "camera")["zoom"]))

    bare_viewer.camera.zoom = 4
    assert seen == [(4.0, 4.0, 4.0)]


def test_zero_argument_listener(bare_viewer: napari_cuda.Viewer) -> None:
    calls = []
    bare_viewer.camera.events.angles.connect(lambda: calls.append(1))  # psygnal passes no argument
    bare_viewer.camera.angles = (10, 20, 30)
    assert calls == [1]


def test_dims_events_from_code_and_view(bare_viewer: napari_cuda.Viewer) -> None:
    rec = Recorder(bare_viewer.dims.events)
    cam = Recorder(bare_viewer.camera.events)
    bare_viewer.dims.ndisplay = 3
    bare_viewer.dims.ndisplay = 3
    bare_viewer.dims.axis_labels = ("y", "x")
    bare_viewer.dims.axis_labels = ["y", "x"]
    assert rec.counts() == {"ndisplay": 1, "axis_labels": 1}
    assert [e.value for e in rec.events] == [3, ("y", "x")]
    assert cam.counts()["center"] == 1  # napari refits the camera on a 2D/3D switch
    rec.clear()
    bare_viewer.set_state({"dims": {"ndisplay": 2, "current_step": [0, 0], "axis_labels": ["y", "x"]}})
    assert rec.counts() == {"ndisplay": 1}
    bare_viewer.set_state({"dims": {"ndisplay": 2, "current_step": [0, 0]}})  # echo
    assert rec.counts() == {"ndisplay": 1}


def test_view_write_with_a_raising_listener_still_applies(bare_viewer: napari_cuda.Viewer, caplog) -> None:
    def broken(event) -> None:
        raise RuntimeError("listener bug")

    bare_viewer.camera.events.zoom.connect(broken)
    later = Recorder(bare_viewer.camera.events)
    dims = Recorder(bare_viewer.dims.events)
    with caplog.at_level(logging.ERROR, logger="napari_cuda"):
        bare_viewer.set_state(
            {
                "camera": {"center": [1, 1], "zoom": 2, "angles": [0, 0, 90]},
                "dims": {"ndisplay": 3, "current_step": [0, 0]},
            }
        )
    assert "listener of camera.events.zoom raised" in caplog.text
    # The rest of the write applied: the other camera signal and the dims fired (ndisplay 3 refit
    # the camera: a 3D centre), and the widget's state is what the kernel holds.
    assert bare_viewer.dims.ndisplay == 3 and dims.counts()["ndisplay"] == 1
    assert later.counts()["center"] == 2 and len(bare_viewer.camera.center) == 3
    assert wire(bare_viewer, "camera")["center"] == list(bare_viewer.camera.center)


def test_raising_listener_reaches_the_caller_after_the_sync(bare_viewer: napari_cuda.Viewer) -> None:
    def broken(event) -> None:
        raise RuntimeError("listener bug")

    bare_viewer.camera.events.center.connect(broken)
    rec = Recorder(bare_viewer.camera.events)
    with pytest.raises(EmitLoopError, match="listener bug"):
        bare_viewer.camera.update(center=(3, 4), zoom=5)
    assert wire(bare_viewer, "camera")["center"] == [3.0, 4.0] and bare_viewer.camera.zoom == 5
    assert rec.counts()["zoom"] == 1  # the other signal still fired


def test_deferred_holds_events_until_the_block_ends(bare_viewer: napari_cuda.Viewer) -> None:
    from napari_cuda._events import deferred

    seen = []
    bare_viewer.camera.events.zoom.connect(lambda e: seen.append((e.value, bare_viewer.camera.center)))
    with deferred():
        bare_viewer.camera.zoom = 2
        bare_viewer.camera.center = (7, 8)
        assert seen == []
    assert seen == [(2.0, (7.0, 8.0))]


# -- layers (daemon) -------------------------------------------------------------------------------
LAYER_CHANGES = [
    ("name", "cells"),
    ("visible", False),
    ("opacity", 0.25),
    ("colormap", "viridis"),
    ("contrast_limits", (0.25, 0.75)),  # inside the range (wider: test_contrast_limits_range_widens_like_napari)
    ("gamma", 2),
    ("interpolation", "linear"),
    ("blending", "additive"),
    ("rendering", "attenuated_mip"),
    ("attenuation", 0.5),
    ("iso_threshold", 3),
    ("scale", (2, 0.5)),
    ("translate", (-1, 3)),
    ("locked_data_level", 0),
    ("units", ("um", "um")),
]


@pytest.mark.parametrize(("prop", "value"), LAYER_CHANGES)
def test_layer_event_once_per_change_from_code(viewer: napari_cuda.Viewer, prop: str, value) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.float32))
    rec = Recorder(layer.events)
    setattr(layer, prop, value)
    setattr(layer, prop, value)  # unchanged: nothing
    assert rec.counts() == {prop: 1}
    event = rec.events[0]
    assert event.source is layer and event.value == getattr(layer, prop)
    assert wire(viewer, "layers")[0][prop] == (list(event.value) if isinstance(event.value, tuple) else event.value)


VIEW_CHANGES = [(p, v) for p, v in LAYER_CHANGES if p not in ("scale", "translate", "units")]


@pytest.mark.parametrize(("prop", "value"), VIEW_CHANGES)
def test_layer_event_once_per_change_from_a_view(viewer: napari_cuda.Viewer, prop: str, value) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.float32))
    rec = Recorder(layer.events)
    entry = wire(viewer, "layers")[0]
    changed = {**entry, prop: list(value) if isinstance(value, tuple) else value}
    viewer.set_state({"layers": [changed]})
    viewer.set_state({"layers": [changed]})  # the same again: nothing
    assert rec.counts() == {prop: 1}
    assert getattr(layer, prop) == (tuple(value) if isinstance(value, tuple) else value)


def test_view_cannot_write_scale_translate_or_units(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.float32))
    rec = Recorder(layer.events)
    entry = wire(viewer, "layers")[0]
    viewer.set_state({"layers": [{**entry, "scale": [3, 3], "translate": [1, 1], "units": ["m", "m"]}]})
    assert (layer.scale, layer.translate, layer.units) == ((1.0, 1.0), (0.0, 0.0), ("", ""))
    assert rec.events == []


def test_colormap_is_one_change_of_name_and_lut(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.float32))
    rec = Recorder(layer.events)
    layer.colormap = "viridis"
    assert rec.counts() == {"colormap": 1} and rec.events[0].value == "viridis"
    state = wire(viewer, "layers")[0]
    assert state["colormap"] == "viridis" and "colormap_lut" in state
    with pytest.raises(ValueError, match="colormap"):
        layer.colormap = "no-such-colormap"
    assert rec.counts() == {"colormap": 1}


def test_custom_colormap_one_event_and_a_view_echo_keeps_it(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.float32))
    rec = Recorder(layer.events)
    layer.colormap = np.array([[0, 0, 0], [1, 0.5, 0]])  # napari: an (N, 3) array of colours
    state = wire(viewer, "layers")[0]
    assert rec.counts() == {"colormap": 1} and state["colormap"] == layer.colormap
    assert isinstance(state["colormap_lut"], str) and len(state["colormap_lut"]) == 1536
    viewer.set_state({"layers": [state]})  # a view writes the same layer back
    layer.colormap = layer.colormap  # its own name keeps the custom table
    assert rec.counts() == {"colormap": 1} and wire(viewer, "layers")[0] == state
    viewer.set_state({"layers": [{**state, "colormap": 5}]})  # not a name: ignored, state resent
    assert wire(viewer, "layers")[0] == state and rec.counts() == {"colormap": 1}


def test_data_level_event_when_a_view_reports_a_new_level(viewer: napari_cuda.Viewer) -> None:
    levels = [np.zeros((64, 64), np.uint8), np.zeros((32, 32), np.uint8), np.zeros((16, 16), np.uint8)]
    layer = viewer.add_image(levels, multiscale=True)
    rec = Recorder(layer.events)
    report = {layer._id: {"data_level": 0, "level_count": 3}}
    viewer.set_state({"layer_levels": report})
    viewer.set_state({"layer_levels": report})  # the same level again: nothing
    assert rec.counts() == {"data_level": 1} and rec.events[0].value == 0 == layer.data_level


def test_bounding_box(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.float32))
    rec, box = Recorder(layer.events), Recorder(layer.bounding_box.events)
    assert layer.bounding_box.visible is False
    layer.bounding_box.visible = True
    layer.bounding_box.visible = True
    assert rec.counts() == {"bounding_box": 1} and box.counts() == {"visible": 1}
    assert box.events[0].value is True and wire(viewer, "layers")[0]["bounding_box"] == {"visible": True}
    entry = wire(viewer, "layers")[0]
    viewer.set_state({"layers": [{**entry, "bounding_box": {"visible": False}}]})
    assert layer.bounding_box.visible is False and box.counts() == {"visible": 2}
    with pytest.raises(ValueError, match="bounding_box.visible must be True or False"):
        layer.bounding_box.visible = "yes"


def test_units(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.zeros((3, 4, 4), np.float32))
    assert layer.units == ("", "", "")
    layer.units = "um"  # napari: one string for every axis
    assert layer.units == ("um", "um", "um") and wire(viewer, "layers")[0]["units"] == ["um"] * 3
    layer.units = ("s", "um", "um")
    assert layer.units == ("s", "um", "um")
    for bad in (("um", "um"), 5, ("um", 1, "um")):
        with pytest.raises(ValueError, match="units must be"):
            layer.units = bad
    assert layer.units == ("s", "um", "um")


def test_contrast_limits_range_widens_like_napari(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.arange(16, dtype=np.uint8).reshape(4, 4))
    lo, hi = layer.contrast_limits_range
    with pytest.raises(AttributeError):
        layer.contrast_limits_range = (0, 1)  # read-only
    rec = Recorder(layer.events)
    layer.contrast_limits = (lo, hi)  # inside: the range stays
    layer.contrast_limits = (lo - 10, hi + 10)
    assert layer.contrast_limits_range == (lo - 10, hi + 10)
    assert rec.counts()["contrast_limits_range"] == 1


def test_layer_list_inserted_and_removed(viewer: napari_cuda.Viewer) -> None:
    inserted, removed = [], []

    @viewer.layers.events.inserted.connect
    def on_inserted(event) -> None:  # as napari users write it: one argument, the Event
        inserted.append((event.index, event.value.name, len(viewer.layers)))

    viewer.layers.events.removed.connect(lambda e: removed.append((e.index, e.value.name)))
    img = np.zeros((4, 4), np.uint8)
    for n in "abc":
        viewer.add_image(img, name=n)
    assert inserted == [(0, "a", 1), (1, "b", 2), (2, "c", 3)]
    viewer.layers.remove("b")
    viewer.layers.clear()
    assert removed == [(1, "b"), (1, "c"), (0, "a")]  # clear: top first, as napari pops


def names(viewer: napari_cuda.Viewer) -> list[str]:
    return [layer.name for layer in viewer.layers]


def test_reorder_from_a_view(viewer: napari_cuda.Viewer) -> None:
    img = np.zeros((4, 4), np.uint8)
    for n in "abcd":
        viewer.add_image(img, name=n)
    rec = Recorder(viewer.layers.events)
    entries = wire(viewer, "layers")
    # A drag of the bottom layer to the top: one move.
    viewer.set_state({"layers": [entries[1], entries[2], entries[3], entries[0]]})
    assert names(viewer) == ["b", "c", "d", "a"]
    assert [(e.type, e.index, e.new_index, getattr(e.value, "name", None)) for e in rec.events] == [
        ("moved", 0, 3, "a"),
        ("reordered", None, None, None),
    ]
    assert [e["id"] for e in wire(viewer, "layers")] == [entries[i]["id"] for i in (1, 2, 3, 0)]
    rec.clear()
    # A full reversal: each move's event is napari's (index before, new_index after).
    current = wire(viewer, "layers")
    viewer.set_state({"layers": current[::-1]})
    assert names(viewer) == ["a", "d", "c", "b"]
    moves = [(e.index, e.new_index) for e in rec.events if e.type == "moved"]
    order = ["b", "c", "d", "a"]
    for src, dst in moves:  # replaying the moves gives the new order
        order.insert(dst, order.pop(src))
    assert order == names(viewer) and len(moves) == 3


def test_view_write_cannot_add_or_drop_layers(viewer: napari_cuda.Viewer) -> None:
    img = np.zeros((4, 4), np.uint8)
    for n in "ab":
        viewer.add_image(img, name=n)
    rec = Recorder(viewer.layers.events)
    entries = wire(viewer, "layers")
    for bad in ([entries[0]], [entries[0], entries[0]], [*entries, {**entries[0], "id": "lnew"}]):
        viewer.set_state({"layers": bad})
    assert names(viewer) == ["a", "b"] and rec.events == []


def test_move_and_move_multiple_like_napari(viewer: napari_cuda.Viewer) -> None:
    img = np.zeros((4, 4), np.uint8)
    for n in "abcd":
        viewer.add_image(img, name=n)
    moved = []
    viewer.layers.events.moved.connect(lambda e: moved.append((e.index, e.new_index, e.value.name)))
    assert viewer.layers.move(0, 2) is True  # before the layer at 2 (counted before the move)
    assert names(viewer) == ["b", "a", "c", "d"] and moved == [(0, 1, "a")]
    assert viewer.layers.move(1, 2) is False and viewer.layers.move(1, 1) is False  # no-ops
    viewer.layers.move(3, 0)
    assert names(viewer) == ["d", "b", "a", "c"]
    assert viewer.layers.move_multiple([0, 2], 4) >= 1  # d and a, in that order, on top
    assert names(viewer) == ["b", "c", "d", "a"]
    assert [e["name"] for e in wire(viewer, "layers")] == ["b", "c", "d", "a"]
    with pytest.raises(IndexError):
        viewer.layers.move(0, 9)


# -- structure ---------------------------------------------------------------------------------------
def test_kernel_bridge_has_no_import_cycle() -> None:
    """Every import between napari_cuda modules (also under TYPE_CHECKING or inside functions)."""
    package = BRIDGE / "napari_cuda"
    modules = {p.stem: p for p in package.glob("*.py") if p.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                targets = [node.module] if node.module else [a.name for a in node.names]
                deps.update(t.split(".")[0] for t in targets)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("napari_cuda."):
                deps.add(node.module.split(".")[1])
        graph[name] = {d for d in deps if d in modules and d != name}

    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep) :], dep]
                pytest.fail(f"import cycle: {' -> '.join(cycle)}")
            if dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert "_layer_list" not in graph["_layers"]
