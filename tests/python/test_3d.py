"""3D: dims.ndisplay = 3 gives a 3D camera fitted to the volume; mip/minip screenshots equal numpy."""

from __future__ import annotations

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
    assert cam.zoom == pytest.approx(min(400 / 20, 300 / 30) * 0.95)
    assert cam.angles == (0.0, 0.0, 90.0)
    assert viewer.get_state("camera")["camera"]["center"] == pytest.approx([21.0, 14.5, 9.75])
    viewer.dims.ndisplay = 2
    assert len(viewer.camera.center) == 2 and viewer.camera.center == pytest.approx((14.5, 9.75))


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
