"""The Viewer's napari API around the layers: overlays, debug overlay, wait_for_view outside a kernel,
napari calls that do not exist yet, viewer.open, short error tracebacks, help(), PNG screenshots."""

from __future__ import annotations

import io
import pydoc
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ome_fixtures import write_ome
from PIL import Image as PILImage
from traitlets import TraitError

import napari_cuda
from napari_cuda._png import encode_png


def state(viewer: napari_cuda.Viewer, name: str) -> Any:
    return viewer.get_state(name)[name]


# -- overlays -----------------------------------------------------------------------------------
def test_overlays_default_off(bare_viewer: napari_cuda.Viewer) -> None:
    assert state(bare_viewer, "overlays") == {"scale_bar": {"visible": False, "unit": None}, "axes": {"visible": False}}
    assert bare_viewer.scale_bar.visible is False and bare_viewer.scale_bar.unit is None
    assert bare_viewer.axes.visible is False
    assert bare_viewer.scale_bar is bare_viewer.overlays.scale_bar  # one persistent object each
    assert state(bare_viewer, "debug_overlay") is False


def test_overlay_properties_sync_and_fire_once(bare_viewer: napari_cuda.Viewer) -> None:
    seen: list[tuple[str, Any]] = []
    bare_viewer.scale_bar.events.visible.connect(lambda e: seen.append(("visible", e.value)))
    bare_viewer.scale_bar.events.unit.connect(lambda e: seen.append(("unit", e.value)))
    bare_viewer.axes.events.visible.connect(lambda e: seen.append(("axes", e.value)))
    traits: list[Any] = []
    bare_viewer.observe(lambda change: traits.append(change["new"]), names="overlays")

    bare_viewer.scale_bar.visible = True
    bare_viewer.scale_bar.visible = True  # unchanged: no event, no sync
    bare_viewer.scale_bar.unit = "um"
    bare_viewer.axes.visible = np.bool_(True)
    assert state(bare_viewer, "overlays") == {"scale_bar": {"visible": True, "unit": "um"}, "axes": {"visible": True}}
    assert seen == [("visible", True), ("unit", "um"), ("axes", True)]
    assert len(traits) == 3 and traits[-1]["axes"] == {"visible": True}
    bare_viewer.scale_bar.unit = ""  # no unit given: the layers' units, as None
    assert bare_viewer.scale_bar.unit is None


@pytest.mark.parametrize(
    ("target", "name", "value", "error", "match"),
    [
        ("scale_bar", "visible", 1, ValueError, r"scale_bar.visible must be True or False, got 1"),
        ("scale_bar", "visible", "yes", ValueError, r"scale_bar.visible must be True or False"),
        ("axes", "visible", None, ValueError, r"axes.visible must be True or False, got None"),
        ("scale_bar", "unit", 5, ValueError, r"scale_bar.unit must be None or a string"),
        ("scale_bar", "unit", "m" * 65, ValueError, r"at most 64 characters"),
        ("scale_bar", "colored", True, AttributeError, r"viewer.scale_bar has no property 'colored'.*visible, unit"),
        ("axes", "labels", True, AttributeError, r"viewer.axes has no property 'labels'.*visible"),
    ],
)
def test_overlay_values_are_validated(
    bare_viewer: napari_cuda.Viewer, target: str, name: str, value: Any, error: type, match: str
) -> None:
    before = state(bare_viewer, "overlays")
    with pytest.raises(error, match=match):
        setattr(getattr(bare_viewer, target), name, value)
    assert state(bare_viewer, "overlays") == before


def test_view_may_toggle_overlays(bare_viewer: napari_cuda.Viewer) -> None:
    seen: list[bool] = []
    bare_viewer.axes.events.visible.connect(lambda e: seen.append(e.value))
    bare_viewer.set_state({"overlays": {"scale_bar": {"visible": True, "unit": None}, "axes": {"visible": True}}})
    assert bare_viewer.scale_bar.visible and bare_viewer.axes.visible and seen == [True]
    # Invalid (all or nothing): ignored, and the kernel's state goes back to the views.
    bare_viewer.set_state({"overlays": {"scale_bar": {"visible": False}, "axes": {"visible": "no"}}})
    assert bare_viewer.scale_bar.visible and bare_viewer.axes.visible and seen == [True]


def test_debug_overlay_trait(bare_viewer: napari_cuda.Viewer) -> None:
    bare_viewer.debug_overlay = True
    assert state(bare_viewer, "debug_overlay") is True
    with pytest.raises(TraitError):
        bare_viewer.debug_overlay = "yes"  # type: ignore[assignment]
    bare_viewer.set_state({"debug_overlay": False})  # the view's toggle button
    assert bare_viewer.debug_overlay is False


# -- napari calls that do not exist yet ----------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "words"),
    [
        ("add_shapes", "has no Shapes layers;"),
        ("add_surface", "has no Surface layers;"),
        ("add_tracks", "has no Tracks layers;"),
        ("add_vectors", "has no Vectors layers;"),
    ],
)
def test_missing_layer_types_say_what_exists(bare_viewer: napari_cuda.Viewer, call: str, words: str) -> None:
    with pytest.raises(NotImplementedError) as err:
        getattr(bare_viewer, call)(np.zeros((3, 2)))
    text = str(err.value)
    assert words in text and "viewer.add_image(" in text and "README" in text


def test_grid_is_not_implemented(bare_viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(NotImplementedError, match=r"no grid mode \(viewer.grid\).*add_image"):
        bare_viewer.grid.enabled = True  # napari's idiom


# -- viewer.open ---------------------------------------------------------------------------------
def test_open_rejects_what_it_cannot_read(bare_viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    tif = tmp_path / "cells.tif"
    tif.write_bytes(b"II*\0")
    with pytest.raises(NotImplementedError, match=r"reads OME-Zarr images only.*add_image\(array\)"):
        bare_viewer.open(tif)
    with pytest.raises(NotImplementedError, match="stack=True"):
        bare_viewer.open([tmp_path / "a.zarr"], stack=True)
    with pytest.raises(NotImplementedError, match="image and labels layers only"):
        bare_viewer.open(tmp_path / "a.zarr", layer_type="points")
    with pytest.raises(TypeError, match="path must be"):
        bare_viewer.open(42)
    assert len(bare_viewer.layers) == 0
    bare_viewer.open()  # ipywidgets' Widget.open (the comm is open already): nothing happens


def test_open_ome_zarr(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    data = np.arange(40 * 50, dtype=np.uint16).reshape(40, 50)
    path = write_ome(tmp_path / "img.ome.zarr", data, scale_factors=(2,))
    layers = viewer.open(path, colormap="magma")
    assert [ly.colormap for ly in layers] == ["magma"] and layers[0] is viewer.layers[0]
    assert layers[0].shape == (40, 50)


# -- errors: short tracebacks and plain messages -------------------------------------------------
def _frames(exc: BaseException) -> list[traceback.FrameSummary]:
    return traceback.extract_tb(exc.__traceback__)


def test_daemon_error_traceback_ends_at_the_call(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    missing = tmp_path / "missing.ome.zarr"
    with pytest.raises(napari_cuda.DataSourceError) as err:
        viewer.add_image(missing)  # the user's line
    exc = err.value
    text = str(exc)
    assert str(missing) in text and "(at " not in text and "not_found" not in text
    assert exc.code == "not_found" and exc.path == "uri"  # still there for programs
    frames = _frames(exc)
    # This test's frame and the public wrapper's re-raise; none of the ten internal ones.
    assert len(frames) <= 2, [f"{f.filename}:{f.name}" for f in frames]
    assert frames[0].filename == __file__
    assert exc.__cause__ is None and exc.__suppress_context__
    # What IPython shows (its _render_traceback_ hook): only the user's frames.
    shown = "\n".join(exc._render_traceback_())
    assert "/napari_cuda/" not in shown and __file__ in shown and "napari_cuda.DataSourceError: no such" in shown


def test_validation_error_traceback_is_short(bare_viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(ValueError, match="opacity") as err:
        bare_viewer.add_image(np.zeros((4, 4), np.uint8), opacity=2)
    frames = _frames(err.value)
    assert len(frames) <= 2 and frames[0].filename == __file__


def test_full_tracebacks_on_request(bare_viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAPARI_CUDA_FULL_TRACEBACKS", "1")
    with pytest.raises(ValueError) as err:
        bare_viewer.add_image(np.zeros((4, 4), np.uint8), opacity=2)
    assert len(_frames(err.value)) > 3 and not hasattr(err.value, "_render_traceback_")


class _Exploding:
    """An array-like whose own code fails: that error keeps its frames (they are the user's)."""

    shape = (4, 4)
    dtype = np.dtype(np.uint8)
    ndim = 2

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise ValueError("cannot read the sensor")


def test_errors_from_user_code_keep_their_frames(bare_viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(ValueError, match="cannot read the sensor") as err:
        bare_viewer.add_image(_Exploding())
    names = [f.name for f in _frames(err.value)]
    assert names[-1] == "__array__" and len(names) > 2


# -- wait_for_view without a kernel --------------------------------------------------------------
def test_wait_for_view_outside_a_kernel(bare_viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(RuntimeError, match="needs a Jupyter kernel"):
        bare_viewer.wait_for_view(timeout=5)
    with pytest.raises(ValueError, match="timeout must be"):
        bare_viewer.wait_for_view(timeout=-1)
    # A view already shows frames: nothing to wait for, kernel or not.
    bare_viewer.set_state({"stream_info": {"status": "streaming", "frames": 3}})
    bare_viewer.wait_for_view(timeout=0)


def test_wait_for_view_on_a_closed_viewer() -> None:
    viewer = napari_cuda.Viewer()
    viewer.close()
    with pytest.raises(RuntimeError, match="closed"):
        viewer.wait_for_view(1)


# -- help() --------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydoc reads ipywidgets' deprecated class attributes
def test_help_shows_the_napari_api_first() -> None:
    text = pydoc.render_doc(napari_cuda.Viewer, renderer=pydoc.plaintext)
    first_screen = "\n".join(text.splitlines()[:40])
    for name in ("add_image", "camera", "dims", "layers", "screenshot", "scale_bar", "wait_for_view"):
        assert name in first_screen, name
    # ipywidgets' machinery is not listed (it still works: see the other tests).
    for internal in ("hold_sync", "send_state", "on_trait_change", "add_traits", "get_manager_state"):
        assert internal not in text, internal
    for documented in ("camera\n |      The camera", "dims\n |      The dims", "layers\n |      The layer list"):
        assert documented in text
    assert len(text.splitlines()) < 300


# -- an empty viewer -----------------------------------------------------------------------------
def test_empty_layer_list_everywhere(bare_viewer: napari_cuda.Viewer) -> None:
    layers = bare_viewer.layers
    assert len(layers) == 0 and list(layers) == [] and repr(layers) == "[]" and "Image" not in layers
    with pytest.raises(IndexError, match=r"layer index 0 out of range \(0 layers\)"):
        layers[0]
    with pytest.raises(KeyError, match="layers: none"):
        layers["Image"]
    layers.clear()
    del layers[:]
    assert layers[:] == []
    bare_viewer.reset_view()
    bare_viewer.dims.ndisplay = 3
    bare_viewer.dims.ndisplay = 2
    assert bare_viewer._viewer_state()["layers"] == [] and repr(bare_viewer) == "<napari_cuda.Viewer layers=[]>"


# -- PNG -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (64, 48)])
def test_png_round_trip(shape: tuple[int, int]) -> None:
    rgba = np.random.default_rng(shape[0]).integers(0, 256, (*shape, 4)).astype(np.uint8)
    png = encode_png(rgba)
    decoded = PILImage.open(io.BytesIO(png))
    assert decoded.mode == "RGBA" and decoded.size == (shape[1], shape[0])
    np.testing.assert_array_equal(np.asarray(decoded), rgba)


def test_png_rejects_other_arrays() -> None:
    with pytest.raises(ValueError, match=r"\(H, W, 4\) uint8"):
        encode_png(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="non-empty"):
        encode_png(np.zeros((0, 4, 4), np.uint8))
