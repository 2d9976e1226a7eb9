"""viewer.add_labels: the daemon's pixels against a numpy reference coloured by napari itself.

The reference colours come from napari's own Labels layer (``napari.layers.Labels(data)``: its
colormap's ``map`` of the data, as napari draws it), blended over the black background with
napari's translucent rule as every layer here (src/daemon/render/blend.ts). napari is a dev
dependency (installed without Qt).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import napari_cuda

napari_layers = pytest.importorskip("napari.layers", reason="napari (dev group) is the reference for label colours")


def napari_rgba(data: np.ndarray, seed: float = 0.5, **kwargs: object) -> np.ndarray:
    """The RGBA bytes napari draws `data` with (transparent where it draws nothing)."""
    layer = napari_layers.Labels(data)
    if seed != 0.5:
        from napari.utils.colormaps import label_colormap

        layer.colormap = label_colormap(49, seed=seed)
    for key, value in kwargs.items():
        setattr(layer, key, value)
    colors = layer.colormap.map(data.ravel()).reshape(*data.shape, 4)
    out = np.round(np.asarray(colors, np.float64) * 255).astype(np.uint8)
    if layer.show_selected_label:
        out[data != layer.selected_label] = 0
    return out


def over_black(rgba: np.ndarray, opacity: float) -> np.ndarray:
    """The frame: label colours blended onto opaque black (translucent: src*a + dst*(1-a))."""
    shown = rgba[..., 3] > 0
    out = np.zeros((*rgba.shape[:-1], 4), np.uint8)
    out[..., 3] = 255
    out[..., :3][shown] = np.floor(rgba[..., :3][shown] * opacity + 0.5).astype(np.uint8)
    return out


def shot_at_one(viewer: napari_cuda.Viewer, shape: tuple[int, ...]) -> np.ndarray:
    h, w = shape[-2:]
    viewer.camera.update(center=((h - 1) / 2, (w - 1) / 2), zoom=1)
    return viewer.screenshot(size=(h, w))


def sample_labels(dtype: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Blobs of labels (runs of equal values) with background, in `dtype`'s range."""
    hi = {"uint8": 255, "int8": 127, "uint16": 65535, "int16": 32767, "bool": 1}.get(dtype, 2**31 - 1)
    coarse = rng.integers(0, hi + 1, (shape[0] // 4 + 1, shape[1] // 4 + 1), dtype=np.int64)
    coarse[rng.random(coarse.shape) < 0.3] = 0
    if dtype in ("int8", "int16", "int32", "int64"):
        coarse[rng.random(coarse.shape) < 0.2] *= -1
    big = np.repeat(np.repeat(coarse, 4, 0), 4, 1)[: shape[0], : shape[1]]
    return big.astype(dtype)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16", "uint32", "int32", "int64", "bool"])
def test_labels_equal_napari(viewer: napari_cuda.Viewer, dtype: str) -> None:
    data = sample_labels(dtype, (48, 64), np.random.default_rng(1))
    layer = viewer.add_labels(data)
    assert isinstance(layer, napari_cuda.Labels) and layer.opacity == 0.7
    shot = shot_at_one(viewer, data.shape)
    expected = over_black(napari_rgba(data.astype(np.int64) if dtype == "bool" else data), 0.7)
    np.testing.assert_array_equal(shot, expected)


@pytest.mark.parametrize("seed", [0.5, 0.1234, 0.87])
def test_seed_and_opacity(viewer: napari_cuda.Viewer, seed: float) -> None:
    data = sample_labels("int32", (40, 40), np.random.default_rng(2))
    viewer.add_labels(data, seed=seed, opacity=1.0)
    np.testing.assert_array_equal(shot_at_one(viewer, data.shape), over_black(napari_rgba(data, seed=seed), 1.0))


@pytest.mark.parametrize("dtype", ["uint16", "int32"])
def test_show_selected_label(viewer: napari_cuda.Viewer, dtype: str) -> None:
    data = sample_labels(dtype, (40, 48), np.random.default_rng(3))
    layer = viewer.add_labels(data, opacity=1.0)
    chosen = int(data[data != 0][0])
    layer.selected_label = chosen
    layer.show_selected_label = True
    expected = over_black(napari_rgba(data, selected_label=chosen, show_selected_label=True), 1.0)
    np.testing.assert_array_equal(shot_at_one(viewer, data.shape), expected)
    assert (expected[..., :3].sum(-1) > 0).sum() == (data == chosen).sum() > 0


def contour_reference(data: np.ndarray, width: int) -> np.ndarray:
    """Pixels whose (2w+1)^2 neighbourhood inside the data holds more than one value."""
    h, w = data.shape
    edge = np.zeros(data.shape, bool)
    for y in range(h):
        for x in range(w):
            win = data[max(0, y - width) : y + width + 1, max(0, x - width) : x + width + 1]
            edge[y, x] = win.min() != win.max()
    return edge & (data != 0)


@pytest.mark.parametrize("width", [1, 3])
def test_contour(viewer: napari_cuda.Viewer, width: int) -> None:
    data = np.zeros((40, 50), np.int32)
    data[5:20, 5:30] = 7
    data[10:35, 20:45] = 300
    data[25:38, 2:12] = 9
    layer = viewer.add_labels(data, opacity=1.0)
    layer.contour = width
    colours = over_black(napari_rgba(data), 1.0)
    expected = colours.copy()
    expected[..., :3][~contour_reference(data, width)] = 0
    np.testing.assert_array_equal(shot_at_one(viewer, data.shape), expected)


def test_labels_over_an_image(viewer: napari_cuda.Viewer) -> None:
    image = np.random.default_rng(4).integers(0, 256, (32, 32)).astype(np.uint8)
    labels = sample_labels("uint16", (32, 32), np.random.default_rng(5))
    viewer.add_image(image)
    viewer.add_labels(labels, opacity=0.5)
    shot = shot_at_one(viewer, image.shape)
    rgba = napari_rgba(labels)
    shown = rgba[..., 3] > 0
    expected = np.repeat(image[..., None], 3, -1).astype(np.float64)
    mixed = np.floor(rgba[..., :3] * 0.5 + expected * 0.5 + 0.5)
    expected[shown] = mixed[shown]
    np.testing.assert_array_equal(shot[..., :3], expected.astype(np.uint8))


def test_pyramid_levels_take_labels_not_means(viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A labels array over the inline budget becomes a scratch pyramid whose coarser levels hold
    only labels of the data (every other pixel): zoomed out, only label colours appear."""
    monkeypatch.setenv("NAPARI_CUDA_INLINE_BYTES", str(64 * 1024))
    data = sample_labels("uint16", (1500, 1400), np.random.default_rng(6))
    layer = viewer.add_labels(data, opacity=1.0)
    assert layer.multiscale and len(layer.level_shapes) == 2
    viewer.camera.update(center=(749.5, 699.5), zoom=0.25)
    shot = viewer.screenshot(size=(375, 350))
    assert layer.data_level == 1
    # Level 1 pixel (i, j) is level-0 pixel (2i, 2j); at zoom 1/4 each device pixel is one of them.
    expected = over_black(napari_rgba(data[::4, ::4]), 1.0)
    np.testing.assert_array_equal(shot, expected)


def test_lazy_labels_reduce_by_nearest(viewer: napari_cuda.Viewer) -> None:
    da = pytest.importorskip("dask.array")
    data = sample_labels("int32", (2400, 2200), np.random.default_rng(7))
    layer = viewer.add_labels(da.from_array(data, chunks=(512, 512)), opacity=1.0)
    assert layer.multiscale
    viewer.camera.update(center=(1199.5, 1099.5), zoom=0.25)
    shot = viewer.screenshot(size=(600, 550))
    assert layer.data_level == 2
    np.testing.assert_array_equal(shot, over_black(napari_rgba(data[::4, ::4]), 1.0))


def test_ome_zarr_labels_group(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    """The labels/ group of an OME-Zarr image written by ome-zarr-py's label writer, multiscale."""
    ome_zarr_writer = pytest.importorskip("ome_zarr.writer")
    zarr = pytest.importorskip("zarr")
    image = np.random.default_rng(8).integers(0, 256, (256, 320)).astype(np.uint8)
    labels = sample_labels("uint32", (256, 320), np.random.default_rng(9))
    root = zarr.open_group(str(tmp_path / "img.zarr"), mode="w")
    ome_zarr_writer.write_image(image, root, axes="yx")
    ome_zarr_writer.write_labels(labels, root, name="cells", axes="yx")
    layer = viewer.add_labels(str(tmp_path / "img.zarr" / "labels" / "cells"), opacity=1.0)
    assert layer.name == "cells" and layer.multiscale
    assert layer.level_shapes[0].tolist() == [256, 320]
    np.testing.assert_array_equal(shot_at_one(viewer, labels.shape), over_black(napari_rgba(labels), 1.0))


def test_open_adds_the_labels_group(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    """viewer.open of an OME-Zarr image with a labels/ group adds its labels, as napari-ome-zarr does."""
    ome_zarr_writer = pytest.importorskip("ome_zarr.writer")
    zarr = pytest.importorskip("zarr")
    image = np.random.default_rng(10).integers(0, 256, (64, 80)).astype(np.uint8)
    root = zarr.open_group(str(tmp_path / "cells.zarr"), mode="w")
    ome_zarr_writer.write_image(image, root, axes="yx")
    ome_zarr_writer.write_labels(
        sample_labels("uint16", (64, 80), np.random.default_rng(11)), root, name="nuclei", axes="yx"
    )
    ome_zarr_writer.write_labels(
        sample_labels("uint16", (64, 80), np.random.default_rng(12)), root, name="cells", axes="yx"
    )
    layers = viewer.open(str(tmp_path / "cells.zarr"))
    assert [type(lyr).__name__ for lyr in layers] == ["Image", "Labels", "Labels"]
    assert sorted(lyr.name for lyr in layers[1:]) == ["cells", "nuclei"]
    only = viewer.open(str(tmp_path / "cells.zarr" / "labels" / "cells"), layer_type="labels")
    assert isinstance(only[0], napari_cuda.Labels)


def test_labels_3d_first_label_along_the_ray(viewer: napari_cuda.Viewer) -> None:
    """3D: napari's default 3D view looks along -z (from the last plane), so each pixel shows the
    first label met from the high-z side; labels behind it are hidden, not blended."""
    vol = np.zeros((6, 20, 24), np.int32)
    vol[1, 2:18, 2:22] = 5
    vol[4, 6:14, 6:14] = 300
    layer = viewer.add_labels(vol, opacity=1.0)
    viewer.dims.ndisplay = 3
    viewer.camera.update(center=(2.5, 9.5, 11.5), zoom=1, angles=(0, 0, 90))
    shot = viewer.screenshot(size=(20, 24))
    first = np.where(vol[4] != 0, vol[4], vol[1])
    np.testing.assert_array_equal(shot, over_black(napari_rgba(first), 1.0))
    assert layer.rendering == "iso_categorical"


def test_int64_labels_beyond_32_bits(viewer: napari_cuda.Viewer) -> None:
    data = np.zeros((16, 16), np.int64)
    data[2:8, 2:8] = 5_000_000_000
    data[9:14, 3:12] = -(2**40) - 3
    layer = viewer.add_labels(data, opacity=1.0)
    assert layer.dtype == np.float64  # sent as float64: exact up to 2**53
    np.testing.assert_array_equal(shot_at_one(viewer, data.shape), over_black(napari_rgba(data), 1.0))


def test_bad_input_names_the_problem(viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(ValueError, match="labels data must be integers"):
        viewer.add_labels(np.zeros((8, 8), np.float32))
    layer = viewer.add_labels(np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match="contour"):
        layer.contour = -1
    with pytest.raises(ValueError, match="selected_label"):
        layer.selected_label = 1.5
    with pytest.raises(ValueError, match="show_selected_label"):
        layer.show_selected_label = "yes"
    with pytest.raises(ValueError, match="num_colors"):
        viewer.add_labels(np.zeros((8, 8), np.uint8), num_colors=0)
    with pytest.raises(AttributeError, match="contrast_limits"):
        _ = layer.contrast_limits
    assert len(viewer.layers) == 1  # nothing half-made stays behind


def test_events_and_get_color(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_labels(np.arange(64, dtype=np.uint16).reshape(8, 8))
    seen: list[tuple[str, object]] = []
    layer.events.selected_label.connect(lambda e: seen.append(("selected_label", e.value)))
    layer.events.contour.connect(lambda e: seen.append(("contour", e.value)))
    layer.selected_label = 12
    layer.selected_label = 12  # no change, no event
    layer.contour = 2
    assert seen == [("selected_label", 12), ("contour", 2)]
    assert layer.get_color(0) is None
    ref = napari_layers.Labels(np.zeros((2, 2), np.uint16)).get_color(12)
    np.testing.assert_allclose(layer.get_color(12), ref, atol=1e-6)
