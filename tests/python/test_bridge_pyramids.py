"""Arrays the bridge hands over as scratch pyramids (large numpy, multiscale lists; dask is kernel-served), channel_axis
on arrays, and the multiscale layer properties (data_level from views and screenshots)."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import zarr
from test_screenshot import at_zoom_one, reference

import napari_cuda
from napari_cuda._scratch import live_scratch_dirs
from napari_cuda._sources import ArraySource, KernelSource, ZarrSource

RNG = np.random.default_rng(21)
BIG = RNG.integers(0, 4096, (1500, 2100)).astype(np.uint16)  # > MAX_LEVEL_PX: a 3-level pyramid


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything over 1000 bytes goes through a scratch pyramid."""
    monkeypatch.setenv("NAPARI_CUDA_INLINE_BYTES", "1000")


def scratch_of(layer: napari_cuda.Image):
    src = layer._source
    assert isinstance(src, ZarrSource) and src.scratch is not None
    return src.scratch.path


def test_large_numpy_becomes_a_pyramid(viewer: napari_cuda.Viewer, small_budget: None) -> None:
    layer = viewer.add_image(BIG, contrast_limits=(0, 4095))
    path = scratch_of(layer)
    assert layer.multiscale and layer.level_shapes.tolist() == [[1500, 2100], [750, 1050], [375, 525]]
    assert layer.downsample_factors.tolist() == [[1, 1], [2, 2], [4, 4]]
    np.testing.assert_array_equal(zarr.open_group(str(path), mode="r")["0"][...], BIG)
    assert np.shares_memory(layer.data, BIG) and not layer.data.flags.writeable  # no copy kept
    crop = (slice(700, 760), slice(1000, 1090))  # level 0 at zoom 1 around a window
    viewer.camera.update(center=(729.5, 1044.5), zoom=1)
    shot = viewer.screenshot(size=(60, 90))
    np.testing.assert_array_equal(shot, reference(BIG[crop], "gray", (0, 4095), 1.0))
    assert layer.data_level == 0
    viewer.layers.remove(layer)
    assert not path.exists() and path not in live_scratch_dirs()


def test_default_contrast_limits_come_from_the_coarsest_level(viewer: napari_cuda.Viewer, small_budget) -> None:
    layer = viewer.add_image(BIG)
    coarsest = zarr.open_group(str(scratch_of(layer)), mode="r")["2"][...]
    assert layer.contrast_limits == (float(coarsest.min()), float(coarsest.max()))


def test_dask_array_is_served_by_the_kernel(viewer: napari_cuda.Viewer) -> None:
    lazy = da.from_array(BIG[:300, :400], chunks=(128, 96))  # issue 13: no scratch pyramid for dask
    before = set(live_scratch_dirs())
    layer = viewer.add_image(lazy, contrast_limits=(0, 4095), colormap="viridis")
    assert layer.data is lazy and isinstance(layer._source, KernelSource)
    assert set(live_scratch_dirs()) == before
    np.testing.assert_array_equal(
        at_zoom_one(viewer, BIG[:300, :400]), reference(BIG[:300, :400], "viridis", (0, 4095), 1.0)
    )
    viewer.close()


def test_multiscale_list(viewer: napari_cuda.Viewer) -> None:
    levels = [BIG[:256, :256], BIG[:256:2, :256:2].copy(), BIG[:256:4, :256:4].copy()]
    layer = viewer.add_image(levels, contrast_limits=(0, 4095))  # a list of arrays: multiscale guessed
    assert layer.level_shapes.tolist() == [[256, 256], [128, 128], [64, 64]]
    np.testing.assert_array_equal(at_zoom_one(viewer, levels[0]), reference(levels[0], "gray", (0, 4095), 1.0))
    viewer.camera.update(center=(127.5, 127.5), zoom=0.25)
    viewer.screenshot(size=(64, 64))
    assert layer.data_level == 2
    with pytest.raises(ValueError, match="must get smaller"):
        viewer.add_image([levels[0], levels[0]], multiscale=True)


def test_channel_axis_on_arrays(viewer: napari_cuda.Viewer) -> None:
    data = RNG.integers(0, 200, (20, 30, 2)).astype(np.uint8)
    layers = viewer.add_image(data, channel_axis=-1, name="cells")
    assert [ly.name for ly in layers] == ["cells [0]", "cells [1]"]
    assert [ly.colormap for ly in layers] == ["magenta", "green"]
    assert all(ly.blending == "additive" and isinstance(ly._source, ArraySource) for ly in layers)
    for i, ly in enumerate(layers):
        assert ly.shape == (20, 30)
        assert ly.contrast_limits == (float(data[..., i].min()), float(data[..., i].max()))
    scaled = viewer.add_image(data, channel_axis=2, scale=(2, 3, 1))  # napari's full-data form drops the channel
    assert [ly.scale for ly in scaled] == [(2.0, 3.0), (2.0, 3.0)]
    viewer.layers.remove(scaled[0])
    viewer.layers.remove(scaled[1])
    one = viewer.add_image(data[..., :1], channel_axis=2, colormap=["red"], contrast_limits=[(0, 100)])
    assert [(ly.colormap, ly.contrast_limits) for ly in one] == [("red", (0.0, 100.0))]
    with pytest.raises(ValueError, match="colormap has 2 values but channel_axis splits the data into 3"):
        viewer.add_image(np.zeros((3, 4, 4)), channel_axis=0, colormap=["red", "green"])
    assert len(viewer.layers) == 3


def test_channel_axis_on_a_large_array_shares_one_pyramid(viewer: napari_cuda.Viewer, small_budget) -> None:
    data = np.stack([BIG[:200, :300], 4095 - BIG[:200, :300], BIG[:200, :300] // 2])
    layers = viewer.add_image(data, channel_axis=0, blending="translucent", contrast_limits=(0, 4095))
    assert len({scratch_of(ly) for ly in layers}) == 1
    assert [ly.colormap for ly in layers] == ["cyan", "yellow", "magenta"]
    for i, ly in enumerate(layers):
        for other in layers:
            other.visible = other is ly
        np.testing.assert_array_equal(at_zoom_one(viewer, data[i]), reference(data[i], ly.colormap, (0, 4095), 1.0))
    path = scratch_of(layers[0])
    viewer.layers.remove(layers[0])
    assert path.exists()  # still used by the other channels
    viewer.layers.clear()
    assert not path.exists()


def test_data_level_follows_the_newest_report(viewer: napari_cuda.Viewer, small_budget) -> None:
    layer = viewer.add_image(BIG)
    assert layer.data_level == 2  # before any render: the coarsest level
    viewer.set_state({"layer_levels": {layer._id: {"data_level": 1, "level_count": 3}}})
    assert layer.data_level == 1
    viewer.camera.update(center=(749.5, 1049.5), zoom=1)
    viewer.screenshot(size=(64, 64))
    assert layer.data_level == 0
    # The same report again is still the newest one (a view re-sends it after the screenshot).
    viewer.set_state({"layer_levels": {layer._id: {"data_level": 1, "level_count": 3}}})
    assert layer.data_level == 1
    viewer.set_state({"layer_levels": {layer._id: {"data_level": 9, "level_count": 3}}})  # out of range
    assert layer.data_level == 1


def test_bad_inline_budget_names_the_variable(bare_viewer: napari_cuda.Viewer, monkeypatch) -> None:
    monkeypatch.setenv("NAPARI_CUDA_INLINE_BYTES", "-5")
    with pytest.raises(ValueError, match="NAPARI_CUDA_INLINE_BYTES must be >= 0"):
        bare_viewer.add_image(np.zeros((4, 4), np.uint8))
