"""3D: dims.ndisplay = 3 gives a 3D camera fitted to the volume; mip/minip screenshots equal numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_screenshot import reference

import napari_cuda

VOLUME = np.random.default_rng(31).integers(0, 256, (12, 30, 40)).astype(np.uint8)


def test_reset_view_fits_the_3d_box_and_back(viewer: napari_cuda.Viewer) -> None:
    viewer.width, viewer.height = 400, 300
    viewer.add_image(VOLUME, scale=(2, 1, 0.5), translate=(10, 0, 0))
    assert viewer.camera.center == (14.5, 9.75)  # 2D: (y, x) only
    viewer.camera.angles = (30, 40, 50)
    viewer.dims.ndisplay = 3
    cam = viewer.camera
    # z: 10 + 2 * (-0.5 .. 11.5) = 9 .. 33; y: -0.5 .. 29.5; x: 0.5 * (-0.5 .. 39.5) = -0.25 .. 19.75
    assert cam.center == pytest.approx((21.0, 14.5, 9.75))
    # The y/x box plus room for the 24 deep z extent: hypot(x, z) across, hypot(y, z) down.
    assert cam.zoom == pytest.approx(min(400 / math.hypot(20, 24), 300 / math.hypot(30, 24)) * 0.95)
    assert cam.angles == (0.0, 0.0, 90.0)
    assert viewer.get_state("camera")["camera"]["center"] == pytest.approx([21.0, 14.5, 9.75])
    viewer.dims.ndisplay = 2
    assert len(viewer.camera.center) == 2 and viewer.camera.center == pytest.approx((14.5, 9.75))


def test_3d_reset_depth_comes_from_the_layers_that_have_one(viewer: napari_cuda.Viewer) -> None:
    # As napari (and the widget's double-click reset): a 2D layer adds no depth; none: -0.5 .. 0.5.
    viewer.width, viewer.height = 400, 300
    viewer.add_image(np.zeros((30, 40), np.uint8), translate=(0, 100))
    viewer.dims.ndisplay = 3
    assert viewer.camera.center == pytest.approx((0.0, 14.5, 119.5))
    assert viewer.camera.zoom == pytest.approx(min(400 / math.hypot(40, 1), 300 / math.hypot(30, 1)) * 0.95)
    viewer.add_image(VOLUME, translate=(10, 0, 0))
    viewer.reset_view()
    # z: 10 + (-0.5 .. 11.5) from the volume only; y: -0.5 .. 29.5; x: -0.5 .. 139.5.
    assert viewer.camera.center == pytest.approx((15.5, 14.5, 69.5))
    assert viewer.camera.zoom == pytest.approx(min(400 / math.hypot(140, 12), 300 / math.hypot(30, 12)) * 0.95)


# The default view; the example notebook's; a 45 degree pitch, yaw and in-plane turn of it.
@pytest.mark.parametrize("angles", [(0, 0, 90), (0, 30, 60), (0, 0, 45), (0, 45, 90), (45, 0, 90)])
def test_3d_reset_keeps_the_whole_volume_on_the_canvas(viewer: napari_cuda.Viewer, angles) -> None:
    # A solid cube, as the notebook's volume: after the 3D reset no part touches the canvas edge
    # (napari's y/x fit clips all but the first of these views).
    viewer.width, viewer.height = 160, 120
    viewer.add_image(np.full((40, 40, 40), 255, np.uint8), contrast_limits=(0, 255))
    viewer.dims.ndisplay = 3
    viewer.camera.angles = angles
    shot = viewer.screenshot()[..., 0]
    assert shot.shape == (120, 160)
    edges = np.concatenate([shot[0], shot[-1], shot[:, 0], shot[:, -1]])
    assert edges.max() == 0, f"the volume is clipped at {angles}"
    rows = np.flatnonzero(shot.max(axis=1))
    assert rows.size > 0.5 * shot.shape[0]  # and it still fills most of the canvas


def test_3d_layer_properties_sync(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(VOLUME, rendering="attenuated_mip", attenuation=0.2)
    wire = viewer.get_state("layers")["layers"][0]
    assert (wire["rendering"], wire["attenuation"]) == ("attenuated_mip", 0.2)
    assert layer.iso_threshold == pytest.approx(sum(layer.contrast_limits) / 2)
    layer.rendering = "iso"
    layer.iso_threshold = 100
    wire = viewer.get_state("layers")["layers"][0]
    assert (wire["rendering"], wire["iso_threshold"]) == ("iso", 100.0)


@pytest.mark.parametrize(("rendering", "project"), [("mip", np.max), ("minip", np.min)])
def test_axis_aligned_projection_equals_numpy(viewer: napari_cuda.Viewer, rendering: str, project) -> None:
    viewer.add_image(VOLUME, rendering=rendering, contrast_limits=(0, 255))
    viewer.dims.ndisplay = 3
    # napari's default 3D view, (0, 0, 90), looks along z with y down and x right.
    viewer.camera.update(center=(5.5, 14.5, 19.5), zoom=1)
    shot = viewer.screenshot(size=(30, 40))
    expected = reference(project(VOLUME, axis=0), "gray", (0, 255), 1.0)
    np.testing.assert_array_equal(shot, expected)
