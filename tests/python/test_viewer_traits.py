"""The napari-like API writes the synced traits (and reads what views write); no daemon needed."""

from __future__ import annotations

import math

import pytest
from traitlets import TraitError

import napari_cuda


def state(viewer: napari_cuda.Viewer, name: str):
    """What the widget sends to views for one trait (its comm state)."""
    return viewer.get_state(name)[name]


def test_defaults(bare_viewer: napari_cuda.Viewer) -> None:
    assert state(bare_viewer, "camera") == {
        "center": [0.0, 0.0],
        "zoom": 1.0,
        "angles": [0.0, 0.0, 90.0],
    }
    assert state(bare_viewer, "dims") == {
        "ndisplay": 2,
        "current_step": [0, 0],
        "axis_labels": ["0", "1"],
        "nsteps": [1, 1],
    }
    assert state(bare_viewer, "layers") == []
    assert (bare_viewer.width, bare_viewer.height) == (None, 600)
    assert bare_viewer.canvas == {} and bare_viewer.stream_info == {}


def test_camera_setters_write_the_trait(bare_viewer: napari_cuda.Viewer) -> None:
    cam = bare_viewer.camera
    cam.zoom = 2.5
    assert state(bare_viewer, "camera")["zoom"] == 2.5
    cam.center = (10, 20.5)
    assert state(bare_viewer, "camera")["center"] == [10.0, 20.5]
    assert bare_viewer.camera.center == (10.0, 20.5)
    cam.angles = (1, 2, 3)
    assert state(bare_viewer, "camera")["angles"] == [1.0, 2.0, 3.0]
    bare_viewer.camera.update(center=(1, 2), zoom=4)
    assert state(bare_viewer, "camera") == {
        "center": [1.0, 2.0],
        "zoom": 4.0,
        "angles": [1.0, 2.0, 3.0],
    }
    assert bare_viewer.camera is cam  # one persistent object, like napari's


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("zoom", 0, "zoom must be > 0"),
        ("zoom", -1, "zoom must be > 0"),
        ("zoom", math.inf, "zoom must be finite"),
        ("zoom", "2", "zoom must be a real number"),
        ("center", (1,), "center must have 2 values"),
        ("center", (1, math.nan), r"center\[1\] must be finite"),
        ("center", "ab", "center must be a sequence"),
        ("angles", (0, 0), "angles must have 3 values"),
    ],
)
def test_camera_rejects_bad_values(bare_viewer: napari_cuda.Viewer, field: str, value: object, match: str) -> None:
    before = state(bare_viewer, "camera")
    with pytest.raises(ValueError, match=match):
        setattr(bare_viewer.camera, field, value)
    assert state(bare_viewer, "camera") == before


def test_camera_change_fires_trait_observers(bare_viewer: napari_cuda.Viewer) -> None:
    changes = []
    bare_viewer.observe(changes.append, names="camera")
    bare_viewer.camera.zoom = 3
    bare_viewer.camera.zoom = 3  # unchanged: no event
    assert len(changes) == 1
    assert changes[0]["old"]["zoom"] == 1.0 and changes[0]["new"]["zoom"] == 3.0


def test_view_updates_reach_the_python_api(bare_viewer: napari_cuda.Viewer) -> None:
    # What ipywidgets does with an `update` comm message from a view.
    bare_viewer.set_state({"camera": {"center": [5, 6], "zoom": 7.5, "angles": [0, 0, 90]}})
    assert bare_viewer.camera.center == (5.0, 6.0)
    assert bare_viewer.camera.zoom == 7.5
    bare_viewer.set_state({"canvas": {"width": 640, "height": 480, "pixel_ratio": 2}})
    assert bare_viewer.canvas["pixel_ratio"] == 2


def test_invalid_view_update_is_ignored(bare_viewer: napari_cuda.Viewer) -> None:
    bare_viewer.camera.zoom = 2
    bare_viewer.set_state({"camera": {"center": [0, 0], "zoom": -1, "angles": [0, 0, 90]}})
    assert bare_viewer.camera.zoom == 2


def test_camera_is_read_only_as_a_whole(bare_viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(TraitError):
        bare_viewer.camera = None  # type: ignore[misc]


def test_dims_empty_viewer(bare_viewer: napari_cuda.Viewer) -> None:
    dims = bare_viewer.dims
    assert (dims.ndim, dims.ndisplay, dims.nsteps, dims.current_step) == (2, 2, (1, 1), (0, 0))
    assert dims.displayed == (0, 1) and dims.not_displayed == ()


def test_dims_ndisplay_validation(bare_viewer: napari_cuda.Viewer) -> None:
    for bad in (4, 1, True, 2.5, "3"):
        with pytest.raises(ValueError, match="ndisplay must be 2 or 3"):
            bare_viewer.dims.ndisplay = bad
    assert state(bare_viewer, "dims")["ndisplay"] == 2


def test_ndisplay_3_gives_a_3d_camera_and_back(bare_viewer: napari_cuda.Viewer) -> None:
    bare_viewer.camera.angles = (10, 20, 30)
    bare_viewer.dims.ndisplay = 3
    assert state(bare_viewer, "dims")["ndisplay"] == 3
    # No layers: reset_view centres at the origin, with napari's 3D angles.
    assert state(bare_viewer, "camera") == {"center": [0.0, 0.0, 0.0], "zoom": 1.0, "angles": [0.0, 0.0, 90.0]}
    bare_viewer.camera.angles = (15, -30.5, 90)
    assert state(bare_viewer, "camera")["angles"] == [15.0, -30.5, 90.0]
    assert bare_viewer.camera.angles == (15.0, -30.5, 90.0)
    bare_viewer.dims.ndisplay = 2
    assert bare_viewer.camera.center == (0.0, 0.0)


def test_view_may_switch_ndisplay(bare_viewer: napari_cuda.Viewer) -> None:
    bare_viewer.set_state({"dims": {"ndisplay": 3, "current_step": [0, 0], "axis_labels": ["0", "1"]}})
    assert bare_viewer.dims.ndisplay == 3 and len(bare_viewer.camera.center) == 3
    bare_viewer.set_state({"dims": {"ndisplay": 7, "current_step": [0, 0]}})  # invalid: ignored
    assert bare_viewer.dims.ndisplay == 3


def test_dims_current_step_validation(bare_viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(ValueError, match="must have 2 entries"):
        bare_viewer.dims.current_step = (0, 0, 0)
    with pytest.raises(ValueError, match=r"current_step\[1\] must be in \[0, 0\]"):
        bare_viewer.dims.current_step = (0, 1)
    with pytest.raises(ValueError, match="must be an integer"):
        bare_viewer.dims.current_step = (0, 0.5)


def test_axis_labels(bare_viewer: napari_cuda.Viewer) -> None:
    bare_viewer.dims.axis_labels = ("y", "x")
    assert state(bare_viewer, "dims")["axis_labels"] == ["y", "x"]
    with pytest.raises(ValueError, match="axis_labels must be 2 strings"):
        bare_viewer.dims.axis_labels = ("y",)


@pytest.mark.parametrize(("name", "value"), [("height", 8), ("height", 10_000), ("width", 0)])
def test_size_traits_validated(bare_viewer: napari_cuda.Viewer, name: str, value: int) -> None:
    with pytest.raises(TraitError, match=f"{name} must be in"):
        setattr(bare_viewer, name, value)


def test_size_traits(bare_viewer: napari_cuda.Viewer) -> None:
    bare_viewer.width = 500
    bare_viewer.height = 300
    assert state(bare_viewer, "width") == 500 and state(bare_viewer, "height") == 300
    bare_viewer.width = None
    assert state(bare_viewer, "width") is None
    other = napari_cuda.Viewer(height=250)
    assert other.height == 250
    other.close()


def test_reset_view_without_layers(bare_viewer: napari_cuda.Viewer) -> None:
    bare_viewer.camera.update(center=(3, 4), zoom=9)
    bare_viewer.reset_view()
    assert bare_viewer.camera.center == (0.0, 0.0) and bare_viewer.camera.zoom == 1.0


def test_screenshot_rejects_full_window(bare_viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(NotImplementedError, match="canvas"):
        bare_viewer.screenshot(canvas_only=False)


@pytest.mark.parametrize("size", [(8, 100), (100, 9000)])
def test_screenshot_size_validated(bare_viewer: napari_cuda.Viewer, size: tuple) -> None:
    with pytest.raises(ValueError, match="size (height|width) must be in"):
        bare_viewer.screenshot(size=size)


def test_connect_mode_from_env(monkeypatch) -> None:
    from napari_cuda._link import connect_mode

    monkeypatch.delenv("NAPARI_CUDA_CONNECT", raising=False)
    assert connect_mode() == "auto"
    monkeypatch.setenv("NAPARI_CUDA_CONNECT", "Direct")
    assert connect_mode() == "direct"
    monkeypatch.setenv("NAPARI_CUDA_CONNECT", "tunnel")
    with pytest.raises(ValueError, match="NAPARI_CUDA_CONNECT"):
        connect_mode()


def test_a_bad_transport_is_refused_when_the_viewer_is_made(monkeypatch) -> None:
    monkeypatch.delenv("NAPARI_CUDA_CONNECT", raising=False)
    monkeypatch.setenv("NAPARI_CUDA_TRANSPORT", "carrier-pigeon")
    with pytest.raises(
        ValueError, match=r"NAPARI_CUDA_TRANSPORT must be one of auto, proxy, direct, comm, got 'carrier-pigeon'"
    ):
        napari_cuda.Viewer()


def test_a_transport_made_bad_later_is_said_to_the_view(viewer: napari_cuda.Viewer, monkeypatch) -> None:
    """A view asking to connect gets an error it shows, not a stuck canvas and a kernel traceback."""
    sent: list[dict] = []
    monkeypatch.setattr(viewer._link, "_send", sent.append)
    monkeypatch.setenv("NAPARI_CUDA_TRANSPORT", "tunnel")
    viewer._link.answer_connect()
    assert sent == [
        {
            "type": "error",
            "message": "napari-cuda: NAPARI_CUDA_TRANSPORT must be one of auto, proxy, direct, comm, got 'tunnel'",
        }
    ]
