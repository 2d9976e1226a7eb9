"""add_image(path or URL): OME-Zarr v0.4 / v0.5 written by ome-zarr-py, opened by the daemon.

Metadata reaches napari's layer properties; pixels at level 0, zoom 1 equal the numpy reference;
errors name the path and leave the daemon serving.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import zarr
from ome_fixtures import level, write_ome
from test_screenshot import at_zoom_one, reference

import napari_cuda

RNG = np.random.default_rng(11)
IMAGE = RNG.integers(100, 60000, (100, 130)).astype(np.uint16)
CYX = RNG.integers(0, 256, (3, 48, 64)).astype(np.uint8)


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_metadata_reaches_the_layer(viewer: napari_cuda.Viewer, tmp_path: Path, version: str) -> None:
    path = write_ome(tmp_path / "cells.ome.zarr", IMAGE, version=version, scale={"y": 0.5, "x": 0.25})
    layer = viewer.add_image(str(path))
    assert layer.multiscale is True
    assert layer.level_shapes.tolist() == [list(level(path, k).shape) for k in range(3)]
    assert layer.downsample_factors[:, 0].tolist() == [1.0, 2.0, 4.0]
    assert layer.scale == (0.5, 0.25) and layer.translate == (0.0, 0.0)
    assert layer.name == "image"  # the multiscale's name (ome-zarr-py writes "image")
    assert viewer.dims.axis_labels == ("y", "x")
    coarsest = level(path, 2)
    assert layer.contrast_limits == (float(coarsest.min()), float(coarsest.max()))
    assert layer.iso_threshold == sum(layer.contrast_limits) / 2
    assert layer.dtype == np.dtype("uint16") and layer.shape == IMAGE.shape
    np.testing.assert_array_equal(np.asarray(layer.data[...]), IMAGE)  # level 0, read on demand


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_level_zero_screenshot_equals_numpy(viewer: napari_cuda.Viewer, tmp_path: Path, version: str) -> None:
    path = write_ome(tmp_path / "img.zarr", IMAGE, version=version)
    layer = viewer.add_image(path, contrast_limits=(1000, 50000), colormap="magma")
    assert layer.name == "image"
    shot = at_zoom_one(viewer, IMAGE)
    np.testing.assert_array_equal(shot, reference(IMAGE, "magma", (1000, 50000), 1.0))
    assert layer.data_level == 0


def test_zoomed_out_screenshot_uses_a_coarser_level(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    path = write_ome(tmp_path / "img.zarr", IMAGE)
    layer = viewer.add_image(path)
    # Level 2's factors are (4, 4.0625) (130 -> 32 columns): zoom 0.24 leaves >= 1 of its pixels per
    # screen pixel on both axes, so napari's rule picks it; at zoom 0.25 x would be undersampled.
    viewer.camera.update(center=(49.5, 64.5), zoom=0.25)
    viewer.screenshot(size=(25, 33))
    assert layer.data_level == 1
    viewer.camera.zoom = 0.24
    viewer.screenshot(size=(25, 33))
    assert layer.data_level == 2
    layer.locked_data_level = 0
    assert viewer.get_state("layers")["layers"][0]["locked_data_level"] == 0
    viewer.screenshot(size=(25, 33))
    assert layer.data_level == 0
    with pytest.raises(ValueError, match=r"locked_data_level must be None or in \[0, 2\]"):
        layer.locked_data_level = 3


def test_channel_axis_splits_a_file(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    path = write_ome(tmp_path / "cyx.ome.zarr", CYX, axes="cyx", scale_factors=(2,))
    layers = viewer.add_image(path, channel_axis=0)
    assert isinstance(layers, list) and len(layers) == 3
    assert [ly.name for ly in layers] == ["image [0]", "image [1]", "image [2]"]
    assert [ly.colormap for ly in layers] == ["cyan", "yellow", "magenta"]
    assert {ly.blending for ly in layers} == {"additive"}
    coarsest = level(path, 1)
    for i, ly in enumerate(layers):
        assert ly.shape == (48, 64) and ly.level_shapes.tolist() == [[48, 64], [24, 32]]
        assert ly.contrast_limits == (float(coarsest[i].min()), float(coarsest[i].max()))
        np.testing.assert_array_equal(np.asarray(ly.data), CYX[i])
    assert viewer.dims.axis_labels == ("y", "x")
    for i, ly in enumerate(layers):  # each layer shows its own channel
        for other in layers:
            other.visible = other is ly
        expected = reference(CYX[i], ly.colormap, ly.contrast_limits, 1.0)
        np.testing.assert_array_equal(at_zoom_one(viewer, CYX[i]), expected)


def test_missing_path_is_not_found(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    missing = tmp_path / "nope.ome.zarr"
    with pytest.raises(napari_cuda.DataSourceError) as err:
        viewer.add_image(missing)
    assert err.value.code == "not_found" and str(missing) in str(err.value)
    assert isinstance(err.value, ValueError) and len(viewer.layers) == 0
    assert viewer.screenshot(size=(16, 16)).shape == (16, 16, 4)  # the daemon keeps serving


@pytest.mark.parametrize("kind", ["empty directory", "zarr group without OME metadata"])
def test_unreadable_source_is_invalid_source(viewer: napari_cuda.Viewer, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "bad.zarr"
    if kind == "empty directory":
        path.mkdir()
    else:
        zarr.open_group(str(path), mode="w", zarr_format=3).attrs["note"] = "not an image"
    with pytest.raises(napari_cuda.DataSourceError) as err:
        viewer.add_image(path)
    assert err.value.code == "invalid_source" and str(path) in str(err.value)
    assert len(viewer.layers) == 0
    assert viewer.add_image(np.zeros((4, 4), np.uint8)).name == "Image"


def test_channel_axis_out_of_range_for_a_file(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    path = write_ome(tmp_path / "cyx.zarr", CYX, axes="cyx", scale_factors=(2,))
    with pytest.raises(ValueError, match=r"channel_axis must be in \[-3, 2\]"):
        viewer.add_image(path, channel_axis=3)
    assert len(viewer.layers) == 0


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A local HTTP server for tmp_path (started by the test, stopped afterwards)."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_open_over_http(viewer: napari_cuda.Viewer, http_root: tuple[Path, str]) -> None:
    root, url = http_root
    write_ome(root / "web.ome.zarr", IMAGE)
    layer = viewer.add_image(f"{url}/web.ome.zarr", contrast_limits=(0, 65535))
    assert layer.level_shapes.tolist()[0] == [100, 130]
    np.testing.assert_array_equal(np.asarray(layer.data[:10, :20]), IMAGE[:10, :20])  # read by the kernel
    np.testing.assert_array_equal(at_zoom_one(viewer, IMAGE), reference(IMAGE, "gray", (0, 65535), 1.0))
    with pytest.raises(napari_cuda.DataSourceError) as err:
        viewer.add_image(f"{url}/missing.ome.zarr")
    assert err.value.code == "not_found" and "missing.ome.zarr" in str(err.value)


def test_omero_labels_and_colours_name_the_channels(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    path = write_ome(tmp_path / "omero.ome.zarr", CYX, axes="cyx", scale_factors=(2,))
    group = zarr.open_group(str(path), mode="r+")
    omero = {"channels": [{"label": "DAPI", "color": "0000FF"}, {"label": "GFP", "color": "00FF00"}, {"label": "x"}]}
    group.attrs["ome"] = {**group.attrs["ome"], "omero": omero}
    layers = viewer.add_image(path, channel_axis=0)
    assert [ly.name for ly in layers] == ["DAPI", "GFP", "x"]
    # Colours that are one of our colormaps are used; others get napari's default for the position.
    assert [ly.colormap for ly in layers] == ["blue", "green", "magenta"]
