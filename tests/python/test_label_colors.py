"""napari_cuda._label_colors against napari itself: tables, seeds, new_colormap, value mapping, selection.

napari (a dev dependency, installed without Qt) is the reference: its ``label_colormap``, its Labels
layer's colormap (``Labels(data).colormap``, ``new_colormap``, ``show_selected_label``,
``get_color``) and the values its vispy layer puts on screen (``_data_to_texture`` + the texture
table).
"""

from __future__ import annotations

import numpy as np
import pytest

from napari_cuda import _label_colors as lc

try:
    from napari.layers import Labels
    from napari.utils.colormaps import label_colormap
except ImportError:  # the tests marked needs_napari are skipped
    Labels = label_colormap = None

needs_napari = pytest.mark.skipif(Labels is None, reason="napari (dev group) is the reference for label colours")

# 0.5 (napari's default) and three fixed "random" seeds.
SEEDS = [0.5, *np.random.default_rng(14).random(3).tolist()]
SHUFFLE_SEEDS = [0, 1, 7, 2**31 + 5]
RANGE = np.arange(0, 10001)
NEGATIVE = np.array([-1, -2, -48, -49, -50, -98, -99, -12345, -(2**31), -(2**53) - 7, -(2**63)], np.int64)
BIG_INT64 = np.array([2**31 - 1, 2**31, 2**32 + 3, 2**53 + 1, 2**62 + 11, 2**63 - 1], np.int64)
BIG_UINT64 = np.array([2**32, 2**53 - 1, 2**53 + 1, 2**63, 2**63 + 1, 2**64 - 2, 2**64 - 1], np.uint64)


def napari_bytes(colors: np.ndarray) -> np.ndarray:
    """napari's float colours (bytes / 255 in float32) back to bytes."""
    return np.round(np.asarray(colors, np.float64) * 255).astype(np.uint8)


def value_sets() -> list[np.ndarray]:
    return [
        RANGE.astype(np.int64),
        RANGE.astype(np.uint16),
        RANGE.astype(np.int32),
        np.arange(256).astype(np.uint8),
        np.arange(-128, 128).astype(np.int8),
        np.arange(-32768, 32768).astype(np.int16),
        np.array([-(2**31), -(2**31) + 1, -1, 2**31 - 1], np.int32),
        NEGATIVE,
        BIG_INT64,
        BIG_UINT64,
        RANGE.astype(np.uint64),
    ]


def on_screen(layer: Labels, values: np.ndarray) -> np.ndarray:
    """The colours napari's GPU path draws: _data_to_texture, then its texture table and selection test."""
    cmap = layer.colormap
    texture = cmap._data_to_texture(values)
    table_dtype = texture.dtype if values.dtype.itemsize > 2 else values.dtype
    table = cmap._get_mapping_from_cache(table_dtype)
    unsigned = texture.view(np.uint8 if texture.dtype.itemsize == 1 else np.uint16)
    colors = table[unsigned].copy()
    if cmap.use_selection:
        colors[unsigned != cmap._selection_as_minimum_dtype(values.dtype)] = 0
    return napari_bytes(colors)


@needs_napari
def test_default_table_is_add_labels_table() -> None:
    layer = Labels(np.zeros((4, 4), np.int32))
    assert len(layer.colormap.colors) == lc.DEFAULT_NUM_COLORS + 1
    np.testing.assert_array_equal(lc.label_color_table(), napari_bytes(layer.colormap.colors))
    assert lc.label_color(1) == (120, 37, 6, 255)  # napari's well-known first label colour
    assert lc.label_color(0) == (0, 0, 0, 0)


@needs_napari
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("num_colors", [1, 49, 255, 1000])
def test_tables_match_label_colormap(seed: float, num_colors: int) -> None:
    ref = label_colormap(num_colors, seed)
    np.testing.assert_array_equal(lc.label_color_table(num_colors, seed), napari_bytes(ref.colors))
    table = lc.label_color_table(num_colors, seed)
    for values in [RANGE.astype(np.int64), np.arange(-128, 128).astype(np.int8), NEGATIVE]:
        np.testing.assert_array_equal(lc.map_labels(values, table), napari_bytes(ref.map(values)))


@needs_napari
def test_default_mapping_matches_napari_for_every_dtype() -> None:
    for values in value_sets():
        layer = Labels(np.zeros((2, 2), values.dtype))
        ours = lc.map_labels(values)
        np.testing.assert_array_equal(ours, napari_bytes(layer.colormap.map(values)), err_msg=str(values.dtype))
        np.testing.assert_array_equal(ours, on_screen(layer, values), err_msg=str(values.dtype))


@needs_napari
@pytest.mark.parametrize("seed", SHUFFLE_SEEDS)
def test_new_colormap_matches_napari(seed: int) -> None:
    table = lc.shuffled_color_table(lc.label_color_table(), seed)
    for values in value_sets():
        layer = Labels(np.zeros((2, 2), values.dtype))
        layer.new_colormap(seed)
        np.testing.assert_array_equal(table, napari_bytes(layer.colormap.colors))
        ours = lc.map_labels(values, table)
        np.testing.assert_array_equal(ours, napari_bytes(layer.colormap.map(values)), err_msg=str(values.dtype))
        np.testing.assert_array_equal(ours, on_screen(layer, values), err_msg=str(values.dtype))


@needs_napari
@pytest.mark.parametrize("selected", [1, 7, 50, 0, -3])
def test_show_selected_label_matches_napari(selected: int) -> None:
    for values in [RANGE.astype(np.int64), NEGATIVE, RANGE.astype(np.int16), BIG_INT64]:
        layer = Labels(np.zeros((2, 2), values.dtype))
        layer.selected_label = selected
        layer.show_selected_label = True
        ours = lc.map_labels(values, selected_label=selected, show_selected_label=True)
        assert np.count_nonzero(ours[:, 3]) == (0 if selected == 0 else np.count_nonzero(values == selected))
        np.testing.assert_array_equal(ours, napari_bytes(layer.colormap.map(values)))
        np.testing.assert_array_equal(ours, on_screen(layer, values))
        # The layer panel's swatch (Labels.get_color; napari gives None for the background).
        for label in [selected, selected + 1, 0]:
            ref = layer.get_color(label)
            swatch = lc.label_color(label, selected_label=selected, show_selected_label=True)
            assert swatch == ((0, 0, 0, 0) if ref is None else tuple(napari_bytes(ref).ravel()))


def test_known_default_colours() -> None:
    """A few of napari 0.9's default colours, so that this module is checked without napari too."""
    table = lc.label_color_table()
    assert table.shape == (50, 4)
    assert table[:4, :3].tolist() == [[124, 116, 130], [120, 37, 6], [91, 213, 248], [146, 137, 232]]
    rgba = lc.map_labels(np.array([0, 1, 2, 50, -1], np.int32))
    assert rgba.tolist() == [[0, 0, 0, 0], table[1].tolist(), table[2].tolist(), table[1].tolist(), table[48].tolist()]
    assert lc.label_color(3, selected_label=2, show_selected_label=True) == (0, 0, 0, 0)
    assert lc.label_color(2, selected_label=2, show_selected_label=True) == tuple(table[2].tolist())


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="num_colors"):
        lc.label_color_table(0)
    with pytest.raises(ValueError, match="seed"):
        lc.label_color_table(49, float("nan"))
    with pytest.raises(ValueError, match="table"):
        lc.shuffled_color_table(np.zeros((3, 3), np.uint8), 1)
    with pytest.raises(ValueError, match="integers"):
        lc.map_labels(np.array(["a"]))
