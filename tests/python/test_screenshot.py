"""screenshot() pixels, rendered by the daemon with no browser, equal a numpy reference."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import napari_cuda
from support.colormaps import lut


def reference(data: np.ndarray, cmap: str, limits: tuple[float, float], gamma: float) -> np.ndarray:
    """RGBA of colormap(contrast(data)) on a black, opaque background (NaN shows the background)."""
    lo, hi = limits
    t = np.clip((data.astype(np.float64) - lo) / (hi - lo), 0, 1)
    if gamma != 1:
        t = t**gamma
    idx = np.minimum(255, np.floor(np.nan_to_num(t) * 256).astype(np.int64))
    out = np.zeros((*data.shape, 4), np.uint8)
    out[..., :3] = lut(cmap)[idx]
    out[..., :3][np.isnan(data)] = 0
    out[..., 3] = 255
    return out


def sample(dtype: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    if dtype == "uint8":
        return rng.integers(0, 256, shape).astype(np.uint8)
    if dtype == "uint16":
        return rng.integers(0, 65536, shape).astype(np.uint16)
    if dtype == "int16":
        return rng.integers(-3000, 3000, shape).astype(np.int16)
    data = rng.normal(100.0, 30.0, shape).astype(dtype)
    return data


def at_zoom_one(viewer: napari_cuda.Viewer, data: np.ndarray) -> np.ndarray:
    """Screenshot of the whole data at 1 device px per data px: canvas = data size."""
    h, w = data.shape[-2:]
    viewer.camera.update(center=((h - 1) / 2, (w - 1) / 2), zoom=1)
    shot = viewer.screenshot(size=(h, w))
    assert shot.shape == (h, w, 4) and shot.dtype == np.uint8
    return shot


CASES = [
    # dtype, colormap, contrast limits (None: data range), gamma
    ("uint8", "gray", None, 1.0),
    ("uint8", "magma", None, 1.0),
    ("uint8", "gray", (20, 200), 0.5),
    ("uint16", "gray", (1000, 60000), 1.0),
    ("uint16", "magma", (1000, 60000), 2.0),
    ("float32", "gray", (60.0, 140.0), 1.0),
    ("float32", "magma", (60.0, 140.0), 0.5),
    ("float32", "viridis", None, 2.0),
    ("float64", "inferno", (50.5, 150.25), 1.0),
    ("int16", "turbo", (-2000, 2500), 1.0),
    ("uint8", "gray_r", None, 1.0),
    ("uint8", "cyan", None, 1.0),
]


@pytest.mark.parametrize(("dtype", "cmap", "limits", "gamma"), CASES)
def test_screenshot_matches_reference(
    viewer: napari_cuda.Viewer,
    dtype: str,
    cmap: str,
    limits: tuple[float, float] | None,
    gamma: float,
) -> None:
    rng = np.random.default_rng(zlib.crc32(repr((dtype, cmap, limits, gamma)).encode()))
    data = sample(dtype, (61, 97), rng)  # odd sizes: no accidental symmetry
    layer = viewer.add_image(data, colormap=cmap, contrast_limits=limits, gamma=gamma)
    expected = reference(data, cmap, layer.contrast_limits, gamma)
    shot = at_zoom_one(viewer, data)
    diff = np.abs(shot.astype(int) - expected.astype(int))
    assert diff.max() == 0, f"{np.count_nonzero(diff.any(-1))} pixels differ, max {diff.max()}"


def test_screenshot_linear_interpolation_at_pixel_centres(viewer: napari_cuda.Viewer) -> None:
    data = sample("float32", (40, 50), np.random.default_rng(1))
    viewer.add_image(data, colormap="plasma", interpolation="linear", contrast_limits=(50, 150))
    np.testing.assert_array_equal(at_zoom_one(viewer, data), reference(data, "plasma", (50, 150), 1.0))


def test_nan_shows_the_background(viewer: napari_cuda.Viewer) -> None:
    data = np.full((20, 30), 5.0, np.float32)
    data[3, 4] = np.nan
    viewer.add_image(data, contrast_limits=(0, 10))
    shot = at_zoom_one(viewer, data)
    assert shot[3, 4].tolist() == [0, 0, 0, 255]
    assert shot[0, 0].tolist() == [128, 128, 128, 255]


def test_property_changes_show_in_the_next_screenshot(viewer: napari_cuda.Viewer) -> None:
    data = np.tile(np.arange(0, 256, 4, dtype=np.uint8), (16, 1))
    layer = viewer.add_image(data)
    np.testing.assert_array_equal(at_zoom_one(viewer, data), reference(data, "gray", (0, 252), 1.0))
    layer.colormap = "magma"
    layer.contrast_limits = (50, 150)
    np.testing.assert_array_equal(at_zoom_one(viewer, data), reference(data, "magma", (50, 150), 1.0))
    layer.visible = False
    assert not at_zoom_one(viewer, data)[..., :3].any()


def test_slicing_follows_current_step(viewer: napari_cuda.Viewer) -> None:
    stack = np.stack([np.full((20, 24), 40 * k, np.uint8) for k in range(5)])
    viewer.add_image(stack, contrast_limits=(0, 255))
    assert viewer.dims.current_step[0] == 2  # napari starts in the middle
    for k in (0, 2, 4):
        viewer.dims.set_current_step(0, k)
        shot = at_zoom_one(viewer, stack[k])
        np.testing.assert_array_equal(shot, reference(stack[k], "gray", (0, 255), 1.0))


def test_default_size_follows_traits_then_canvas(viewer: napari_cuda.Viewer) -> None:
    viewer.add_image(np.zeros((30, 40), np.uint8))
    assert viewer.screenshot().shape == (600, 800, 4)
    viewer.width, viewer.height = 320, 200
    assert viewer.screenshot().shape == (200, 320, 4)
    # What a displayed view reports (device px) wins.
    viewer.set_state({"canvas": {"width": 300, "height": 150, "pixel_ratio": 1.5}})
    assert viewer.screenshot().shape == (150, 300, 4)


def test_empty_viewer_screenshot_is_black(viewer: napari_cuda.Viewer) -> None:
    shot = viewer.screenshot(size=(20, 30))
    assert shot.shape == (20, 30, 4)
    assert not shot[..., :3].any() and (shot[..., 3] == 255).all()


def test_reset_view_fits_the_canvas(viewer: napari_cuda.Viewer) -> None:
    data = np.zeros((100, 200), np.uint8)
    data[0, 0] = data[-1, -1] = 255
    viewer.width, viewer.height = 400, 300
    viewer.add_image(data)  # the first layer resets the view
    assert viewer.camera.center == (49.5, 99.5)
    # fitCamera: min(W / w_extent, H / h_extent) * (1 - 0.05) with extents -0.5 .. N - 0.5.
    assert viewer.camera.zoom == pytest.approx(min(400 / 200, 300 / 100) * 0.95)
    shot = viewer.screenshot()
    # Both corner pixels are inside the canvas, and the margin stays black.
    assert shot[..., :3].max() == 255
    assert not shot[:, :5, :3].any() and not shot[:, -5:, :3].any()
