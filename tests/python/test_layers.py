"""Layers: add_image, properties <-> the `layers` trait, the list API, dims following the layers."""

from __future__ import annotations

import numpy as np
import pytest

import napari_cuda
from napari_cuda._protocol import PROTOCOL_VERSION


def layer_state(viewer: napari_cuda.Viewer, index: int = 0) -> dict:
    return viewer.get_state("layers")["layers"][index]


def test_add_image_writes_the_layers_trait(viewer: napari_cuda.Viewer) -> None:
    data = np.arange(30, dtype=np.uint16).reshape(5, 6) + 10
    layer = viewer.add_image(data, colormap="magma", gamma=0.8)
    state = layer_state(viewer)
    assert state == {
        "id": layer._id,
        "name": "Image",
        "visible": True,
        "opacity": 1.0,
        "colormap": "magma",
        "contrast_limits": [10.0, 39.0],
        "gamma": 0.8,
        "interpolation": "nearest",
        "blending": "translucent",
        "scale": [1.0, 1.0],
        "translate": [0.0, 0.0],
        "rendering": "mip",
        "attenuation": 0.05,
        "iso_threshold": 24.5,  # napari: the middle of the contrast limits
        "locked_data_level": None,
        "colormap_lut": None,  # a built-in colormap: the views have its table
        "contrast_limits_range": [10.0, 39.0],  # napari: a numpy array's data range
        "units": ["", ""],
        "bounding_box": {"visible": False},
        "shape": [5, 6],
        "dtype": "uint16",
    }
    assert (layer.shape, layer.dtype, layer.ndim) == ((5, 6), np.dtype("uint16"), 2)
    np.testing.assert_array_equal(layer.data, data)
    assert not layer.data.flags.writeable
    # One level: napari's multiscale properties of a plain array.
    assert layer.multiscale is False and layer.data_level == 0 and layer.locked_data_level is None
    assert layer.contrast_limits_range == (10.0, 39.0) and layer.units == ("", "")
    assert layer.bounding_box.visible is False
    assert layer.level_shapes.tolist() == [[5, 6]] and layer.downsample_factors.tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize(
    ("prop", "value", "wire"),
    [
        ("colormap", "viridis", "viridis"),
        ("contrast_limits", (1, 2.5), [1.0, 2.5]),
        ("gamma", 2, 2.0),
        ("opacity", 0.25, 0.25),
        ("visible", False, False),
        ("interpolation", "linear", "linear"),
        ("blending", "additive", "additive"),
        ("name", "cells", "cells"),
        ("scale", (2, 0.5), [2.0, 0.5]),
        ("translate", (-1, 3), [-1.0, 3.0]),
        ("rendering", "attenuated_mip", "attenuated_mip"),
        ("attenuation", 0.5, 0.5),
        ("iso_threshold", 3, 3.0),
        ("locked_data_level", 0, 0),
    ],
)
def test_property_round_trip(viewer: napari_cuda.Viewer, prop: str, value, wire) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.float32))
    before = viewer.get_state("layers")["layers"]
    setattr(layer, prop, value)
    assert layer_state(viewer)[prop] == wire
    expected = tuple(wire) if isinstance(wire, list) else wire
    assert getattr(layer, prop) == expected
    assert getattr(viewer.layers[0], prop) == expected
    assert before[0][prop] != wire  # a new value was synced, not the old list mutated


def test_property_change_emits_one_trait_event(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.uint8))
    events = []
    viewer.observe(events.append, names="layers")
    layer.opacity = 0.5
    assert len(events) == 1
    assert events[0]["old"][0]["opacity"] == 1.0 and events[0]["new"][0]["opacity"] == 0.5


@pytest.mark.parametrize(
    ("prop", "value", "match"),
    [
        ("colormap", "no-such-colormap", "unknown colormap 'no-such-colormap'; valid names:"),
        ("contrast_limits", (5, 1), "contrast_limits must be increasing"),
        ("contrast_limits", (1, 1), "contrast_limits must be increasing"),
        ("contrast_limits", (0, float("inf")), "must be finite"),
        ("opacity", 2, r"opacity must be in \[0, 1\]"),
        ("gamma", 0, "gamma must be > 0"),
        ("scale", (1, -1), "scale values must be > 0"),
        ("rendering", "volume", "unknown rendering 'volume'; valid names: translucent, additive, iso, mip"),
        ("attenuation", -1, r"attenuation must be in \[0, "),
        ("iso_threshold", float("nan"), "iso_threshold must be finite"),
        ("locked_data_level", 1, r"locked_data_level must be None or in \[0, 0\] \(the layer has 1 level\), got 1"),
        ("locked_data_level", -1, "locked_data_level must be None or in"),
        ("locked_data_level", 0.5, "locked_data_level must be None or an integer"),
        ("locked_data_level", True, "locked_data_level must be None or an integer"),
    ],
)
def test_bad_property_values(viewer: napari_cuda.Viewer, prop: str, value, match: str) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.uint8))
    before = layer_state(viewer)
    with pytest.raises(ValueError, match=match):
        setattr(layer, prop, value)
    assert layer_state(viewer) == before


def test_shape_and_data_are_read_only(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.uint8))
    for prop in ("data", "shape", "dtype", "ndim", "multiscale", "level_shapes", "downsample_factors", "data_level"):
        with pytest.raises(AttributeError):
            setattr(layer, prop, None)


def test_names_are_made_unique_like_napari(viewer: napari_cuda.Viewer) -> None:
    img = np.zeros((4, 4), np.uint8)
    names = [viewer.add_image(img).name for _ in range(3)]
    assert names == ["Image", "Image [1]", "Image [2]"]
    assert viewer.add_image(img, name="nuclei").name == "nuclei"
    assert viewer.add_image(img, name="nuclei").name == "nuclei [1]"
    viewer.layers["nuclei [1]"].name = "Image"
    assert viewer.layers[4].name == "Image [3]"
    viewer.layers[4].name = "Image [3]"  # its own name is not a clash
    assert viewer.layers[4].name == "Image [3]"


def test_list_api(viewer: napari_cuda.Viewer) -> None:
    img = np.zeros((4, 4), np.uint8)
    a, b, c = (viewer.add_image(img, name=n) for n in "abc")
    assert len(viewer.layers) == 3 and list(viewer.layers) == [a, b, c]
    assert viewer.layers[0] is a and viewer.layers[-1] is c and viewer.layers["b"] is b
    assert viewer.layers[1:] == [b, c]
    assert "a" in viewer.layers and b in viewer.layers and "z" not in viewer.layers
    assert viewer.layers.index("c") == 2
    viewer.layers.remove("b")
    assert [layer.name for layer in viewer.layers] == ["a", "c"]
    viewer.layers.remove(a)
    del viewer.layers[0]
    assert len(viewer.layers) == 0 and viewer.get_state("layers")["layers"] == []
    with pytest.raises(KeyError, match="no layer 'a'"):
        viewer.layers["a"]
    with pytest.raises(IndexError):
        viewer.layers[0]
    d = viewer.add_image(img, name="d")
    assert viewer.layers.pop() is d
    viewer.add_image(img)
    viewer.add_image(img)
    viewer.layers.clear()
    assert len(viewer.layers) == 0


def test_removed_layer_keeps_its_state(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.uint8), name="x")
    viewer.layers.remove(layer)
    layer.opacity = 0.3  # detached: no error, no sync
    assert layer.opacity == 0.3 and viewer.get_state("layers")["layers"] == []


def test_removed_layer_is_gone_from_the_daemon(viewer: napari_cuda.Viewer) -> None:
    data = np.full((20, 20), 255, np.uint8)
    viewer.add_image(data, contrast_limits=(0, 255))
    viewer.camera.update(center=(9.5, 9.5), zoom=1)
    assert viewer.screenshot(size=(20, 20))[..., :3].min() == 255
    # Send the old state (layer still listed) after removal: the daemon must have dropped the data.
    state = viewer._viewer_state()
    del viewer.layers[0]
    result, pixels = viewer._link.daemon.request(
        "screenshot",
        viewer_id=viewer._link.viewer_id,
        state=state,
        canvas={"width": 20, "height": 20, "pixel_ratio": 1},
    )
    assert not any(pixels[i] for i in range(len(pixels)) if i % 4 != 3)


def test_dims_follow_layers(viewer: napari_cuda.Viewer) -> None:
    viewer.add_image(np.zeros((7, 20, 30), np.uint8))
    dims = viewer.dims
    assert dims.ndim == 3 and dims.nsteps == (7, 20, 30)
    assert dims.current_step == (3, 9, 14)  # napari: (nsteps - 1) // 2 on the first layer
    assert viewer.get_state("dims")["dims"]["nsteps"] == [7, 20, 30]
    dims.current_step = (6, 0, 0)
    assert viewer.get_state("dims")["dims"]["current_step"] == [6, 0, 0]
    with pytest.raises(ValueError, match=r"current_step\[0\] must be in \[0, 6\], got 7"):
        dims.current_step = (7, 0, 0)
    with pytest.raises(ValueError, match="must have 3 entries"):
        dims.current_step = (1, 2)
    # A 4D layer adds a leading axis (shapes right-aligned); existing steps are kept.
    viewer.add_image(np.zeros((2, 5, 10, 40), np.uint8))
    assert dims.ndim == 4 and dims.nsteps == (2, 7, 20, 40)
    assert dims.current_step == (0, 6, 0, 0)
    assert dims.axis_labels == ("0", "1", "2", "3")
    viewer.layers.remove("Image")
    assert dims.nsteps == (2, 5, 10, 40) and dims.current_step == (0, 4, 0, 0)
    viewer.layers.clear()
    assert dims.ndim == 2 and dims.nsteps == (1, 1) and dims.current_step == (0, 0)


def test_reset_view_uses_scale_translate_and_reported_canvas(viewer: napari_cuda.Viewer) -> None:
    viewer.set_state({"canvas": {"width": 1000, "height": 500, "pixel_ratio": 2}})  # 500x250 CSS
    viewer.add_image(np.zeros((50, 40), np.uint8), scale=(2, 1), translate=(10, -5))
    # y extent: 10 + 2 * (-0.5 .. 49.5) = 9 .. 109; x extent: -5 + (-0.5 .. 39.5) = -5.5 .. 34.5
    assert viewer.camera.center == (59.0, 14.5)
    assert viewer.camera.zoom == pytest.approx(min(500 / 40, 250 / 100) * 0.95)
    viewer.camera.zoom = 10
    viewer.reset_view()
    assert viewer.camera.zoom == pytest.approx(2.375)


def test_info(viewer: napari_cuda.Viewer) -> None:
    viewer.set_state({"stream_info": {"status": "streaming", "fps": 30}})
    info = viewer.info()
    assert info["protocol"] == PROTOCOL_VERSION and info["version"] == napari_cuda.__version__
    assert info["pid"] == viewer._link.daemon.pid and info["port"] == viewer._link.daemon.port
    assert info["backend"] == "cpu" and info["encoder"]
    assert info["viewer_id"] == viewer.model_id
    assert info["stream_info"] == {"status": "streaming", "fps": 30}


def test_closed_viewer_refuses_work(daemon_bundle) -> None:
    v = napari_cuda.Viewer()
    v.add_image(np.zeros((4, 4), np.uint8))
    v.close()
    with pytest.raises(RuntimeError, match="closed"):
        v.screenshot(size=(16, 16))
    v.close()  # twice is fine


def test_view_may_change_layer_properties_but_not_the_list(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(np.zeros((4, 4), np.uint8))
    wire = viewer.get_state("layers")["layers"]
    viewer.set_state({"layers": [{**wire[0], "opacity": 0.5, "colormap": "viridis"}]})
    assert (layer.opacity, layer.colormap) == (0.5, "viridis")
    viewer.set_state({"layers": [{**wire[0], "opacity": 7}]})  # invalid: ignored
    assert layer.opacity == 0.5
    viewer.set_state({"layers": []})  # a view cannot drop a layer
    assert len(viewer.layers) == 1 and viewer.get_state("layers")["layers"][0]["id"] == layer._id


def test_displays_as_a_widget(viewer: napari_cuda.Viewer) -> None:
    bundle = viewer._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == viewer.model_id
