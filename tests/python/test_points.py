"""viewer.add_points: the daemon's markers against a numpy rasterisation, slicing, sizes, bad input.

The reference draws each disc as the set of pixel centres within its radius (what an antialiased
marker covers fully); pixels within 1.5 px of an outline are left out of the exact comparison and
only checked to lie between the two colours (antialiasing).
"""

from __future__ import annotations

import numpy as np
import pytest

import napari_cuda

WHITE = np.array([255, 255, 255])


def shot(viewer: napari_cuda.Viewer, h: int, w: int, zoom: float = 1.0, center: tuple[float, float] | None = None):
    cy, cx = center if center is not None else ((h / zoom - 1) / 2, (w / zoom - 1) / 2)
    viewer.camera.update(center=(cy, cx), zoom=zoom)
    return viewer.screenshot(size=(h, w))[..., :3].astype(np.int64)


def disc_masks(h: int, w: int, centres: list[tuple[float, float]], radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(inside by more than 1.5 px, outside by more than 1.5 px) of discs at device `centres`."""
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.full((h, w), np.inf)
    for cy, cx in centres:
        d = np.minimum(d, np.hypot(yy - cy, xx - cx) - radius)
    return d < -1.5, d > 1.5


def test_discs_match_a_rasterisation(viewer: napari_cuda.Viewer) -> None:
    pts = np.array([[10.0, 12.0], [30.0, 40.0], [22.5, 60.25]])
    viewer.add_points(pts, size=9, face_color="white", border_width=0)
    out = shot(viewer, 48, 80)
    inside, outside = disc_masks(48, 80, [tuple(p) for p in pts], 4.5)
    assert (out[inside] == WHITE).all()
    assert (out[outside] == 0).all()
    edge = ~(inside | outside)
    assert (out[edge] >= 0).all() and (out[edge] <= 255).all()
    assert edge.sum() > 0 and 0 < out[edge].mean() < 255  # antialiased, not hard-edged


def test_sizes_are_data_units_under_zoom(viewer: napari_cuda.Viewer) -> None:
    viewer.add_points([[10.0, 10.0]], size=6, face_color="red", border_width=0)
    for zoom in (1.0, 3.0):
        out = shot(viewer, 90, 90, zoom=zoom, center=(10.0, 10.0))
        c = (90 - 1) / 2
        inside, outside = disc_masks(90, 90, [(c, c)], 3 * zoom)
        assert (out[inside] == [255, 0, 0]).all(), zoom
        assert (out[outside] == 0).all(), zoom


def test_border_colour_and_width(viewer: napari_cuda.Viewer) -> None:
    viewer.add_points([[20.0, 20.0]], size=30, face_color="white", border_color="blue", border_width=0.2)
    out = shot(viewer, 41, 41, center=(20.0, 20.0))
    # Diameter 30 px, border 6 px centred on the outline (vispy): blue from r = 12 to 18.
    assert (out[20, 20] == WHITE).all()
    assert (out[20, 20 + 15] == [0, 0, 255]).all()
    assert (out[20, 20 + 7] == WHITE).all()
    assert (out[20, 20 + 20] == 0).all()


def test_slicing_in_nd_and_out_of_slice_display(viewer: napari_cuda.Viewer) -> None:
    pts = np.array([[0, 10, 10], [1, 10, 30], [3, 10, 50]], float)
    layer = viewer.add_points(pts, size=8, border_width=0)
    assert viewer.dims.nsteps[0] == 4
    viewer.dims.current_step = (1, 0, 0)
    out = shot(viewer, 21, 61, center=(10.0, 30.0))  # data x 10, 30, 50 at device x 10, 30, 50

    def width(x: int) -> int:
        return int((out[10, x - 6 : x + 7] > 128).any(axis=-1).sum())

    assert [width(x) for x in (10, 30, 50)] == [0, 7, 0]  # a size-s disc: s - 1 pixels over half
    layer.out_of_slice_display = True
    out = shot(viewer, 21, 61, center=(10.0, 30.0))
    # napari's rule: within size/2 = 4 of the step, drawn at size 8 * (4 - d) / 4.
    assert [width(x) for x in (10, 30, 50)] == [5, 7, 3]
    viewer.dims.current_step = (3, 0, 0)
    out = shot(viewer, 21, 61, center=(10.0, 30.0))
    assert [width(x) for x in (10, 30, 50)] == [1, 3, 7]  # distance 3: size 8 * 1/4


def test_points_in_3d(viewer: napari_cuda.Viewer) -> None:
    viewer.add_image(np.zeros((5, 40, 40), np.uint8))
    viewer.add_points([[2, 20, 20], [4, 5, 35]], size=6, face_color="yellow", border_width=0)
    viewer.dims.ndisplay = 3
    viewer.camera.update(center=(2.0, 19.5, 19.5), zoom=1, angles=(0, 0, 90))
    out = viewer.screenshot(size=(40, 40))[..., :3].astype(np.int64)
    assert (out[20, 20] == [255, 255, 0]).all()
    assert (out[5, 35] == [255, 255, 0]).all()
    assert (out[30, 10] == 0).all()


def test_per_point_values_and_symbols(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_points(
        [[5, 5], [5, 20], [5, 35]],
        size=[6, 8, 10],
        face_color=["red", "lime", "blue"],
        symbol=["o", "s", "^"],
        border_width=0,
    )
    assert layer.size.tolist() == [6, 8, 10]
    assert layer.symbol.tolist() == ["disc", "square", "triangle_up"]
    np.testing.assert_allclose(layer.face_color[1], [0, 1, 0, 1])
    out = shot(viewer, 16, 41, center=(5.0, 20.0))  # data (5, x) at device (7.5 -> row 7/8, x)
    assert (out[7, 5] == [255, 0, 0]).all() and (out[7, 20] == [0, 255, 0]).all() and (out[7, 35] > 0).any()
    # Near its corner a square is drawn fully (2.5 px up, 3 left of the centre 7.5, 20); a disc is
    # not (2.5 px up, 2 left: outside its radius 3, only the antialiasing halo).
    assert (out[5, 17] == [0, 255, 0]).all()
    assert out[5, 3, 0] < 128


def test_events_add_and_data(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_points(None, name="seeds")
    seen: list[int] = []
    layer.events.data.connect(lambda e: seen.append(len(e.value)))
    layer.add([[3.0, 4.0]])
    layer.add([[5.0, 6.0], [7.0, 8.0]])
    layer.data = layer.data[:1]
    assert seen == [1, 3, 1]
    assert layer.size.tolist() == [10.0]
    out = shot(viewer, 16, 16, center=(3.0, 4.0))
    assert (out[7:9, 7:9] == 255).all()


def test_bad_input_names_the_problem(viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(ValueError, match="unknown symbol"):
        viewer.add_points([[1, 2]], symbol="hexagon")
    with pytest.raises(ValueError, match="face_color: unknown colour"):
        viewer.add_points([[1, 2]], face_color="notacolour")
    with pytest.raises(ValueError, match="size must be"):
        viewer.add_points([[1, 2]], size=-1)
    with pytest.raises(ValueError, match="finite"):
        viewer.add_points([[1, np.nan]])
    with pytest.raises(ValueError, match="one per point"):
        viewer.add_points([[1, 2], [3, 4]], size=[1, 2, 3])
    layer = viewer.add_points([[1, 2]])
    with pytest.raises(ValueError, match="coordinates"):
        layer.data = [[1, 2, 3]]
    with pytest.raises(ValueError, match="colour values must be in"):
        layer.face_color = (2, 0, 0)
    assert len(viewer.layers) == 1 and layer.data.tolist() == [[1, 2]]


def test_symbols_and_aliases_are_napari_s() -> None:
    consts = pytest.importorskip("napari.layers.points._points_constants", reason="napari (dev group) is the reference")
    from napari_cuda import _point_values as pv

    assert pv.SYMBOLS == tuple(str(s) for s in consts.Symbol)
    assert pv.SYMBOL_ALIAS == {k: str(v) for k, v in consts.SYMBOL_ALIAS.items()}
