"""napari's label colours (the Labels layer's cyclic colormap), reproduced without napari.

This follows napari 0.5 - 0.9 (the code is unchanged over that range; links pin v0.9.0rc1):

- ``viewer.add_labels(data)`` uses ``label_colormap(49, seed=0.5)``: a table of 50 colours
  (``colormap.py``/``colormap_utils.py`` in src/napari/utils/colormaps/, and ``Labels.__init__``:
  https://github.com/napari/napari/blob/f9747da7e815dda219ab85f21989f990702c5654/src/napari/layers/labels/labels.py#L388-L394).
  The colours are quasi-random points of CIE-Lab (an R3 low-discrepancy sequence from ``seed``),
  converted to sRGB as scikit-image's ``lab2rgb`` does, keeping only those strictly inside the RGB
  cube, reordered by a 1-D golden-ratio sequence and truncated to 8 bits
  (https://github.com/napari/napari/blob/f9747da7e815dda219ab85f21989f990702c5654/src/napari/utils/colormaps/colormap_utils.py#L313-L506).
- a label value ``v`` is drawn with row ``(v - 1) mod (N - 1) + 1`` of an N-row table (floor
  modulo, so negative labels cycle too), except the background value 0, which is transparent;
  row 0 itself is never drawn (``CyclicLabelColormap.map`` and
  ``_accelerated_cmap.zero_preserving_modulo_numpy``). napari computes this in the data's dtype,
  which shows at two edges (see :func:`label_rows`): the signed minimum, and int8/int16 data with a
  table longer than the dtype's maximum. The GPU path (``_data_to_texture``
  and the shaders in src/napari/_vispy/layers/labels.py) draws the same colours for every dtype.
- ``show_selected_label``: only pixels equal to ``selected_label`` keep their colour.
- ``layer.new_colormap(seed)`` shuffles the layer's original table with numpy's
  ``default_rng(seed)`` and extends it to a random prime length (``shuffle_and_extend_colormap``);
  :func:`shuffled_color_table` makes the same numpy calls, so its tables are napari's.

Tables here are ``(N, 4)`` uint8 RGBA with alpha 255 (napari's float colours are exactly these
bytes / 255). src/protocol/label-colors.ts is the same mapping for the daemon's renderers.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

#: ``viewer.add_labels``'s table: 49 colours plus row 0 (never drawn).
DEFAULT_NUM_COLORS = 49
#: ``viewer.add_labels``'s seed of the quasi-random sequence (only its fraction matters).
DEFAULT_SEED = 0.5
#: napari's limit on a cyclic table's rows (CyclicLabelColormap._validate_color).
MAX_TABLE_ROWS = 2**16

# CIE-Lab bounds of the sRGB cube, precomputed by napari (colormap_utils.LABMIN / LABMAX).
_LABMIN = np.array([0.0, -86.18302974, -107.85730021])
_LABMAX = np.array([100.0, 98.23305386, 94.47812228])
_LABRNG = _LABMAX - _LABMIN
# scikit-image's XYZ <-> sRGB matrix and D65 (2 degree) white: skimage.color.colorconv.
_XYZ_FROM_RGB = np.array(
    [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]]
)
_D65 = np.array([0.95047, 1.0, 1.08883])


def _low_discrepancy_3d(n: int, seed: float) -> np.ndarray:
    """The first ``n`` points of the R3 sequence from ``seed`` (napari's ``_low_discrepancy(3, n, seed)``)."""
    g = 1 / np.array([1.6180339887498948482, 1.32471795724474602596, 1.22074408460575947536])
    return (np.broadcast_to(seed, (1, 3)) + np.arange(n).reshape(n, 1) * g) % 1


def _lab2rgb(lab: np.ndarray) -> np.ndarray:
    """scikit-image's ``lab2rgb`` (D65, 2 degree observer), operation for operation."""
    L, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
    y = (L + 16.0) / 116.0
    x = (a / 500.0) + y
    z = y - (b / 200.0)
    z[z < 0] = 0
    out = np.stack([x, y, z], axis=-1)
    mask = out > 0.2068966
    out[mask] = np.power(out[mask], 3.0)
    out[~mask] = (out[~mask] - 16.0 / 116.0) / 7.787
    out *= _D65
    arr = out @ np.linalg.inv(_XYZ_FROM_RGB).T
    mask = arr > 0.0031308
    arr[mask] = 1.055 * np.power(arr[mask], 1 / 2.4) - 0.055
    arr[~mask] *= 12.92
    return np.clip(arr, 0, 1)


def _color_random(n: int, seed: float) -> np.ndarray:
    """``n`` sRGB colours (float64) from quasi-random Lab points (napari's ``_color_random``)."""
    factor = 6
    rgb = np.zeros((0, 3))
    while len(rgb) < n:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = _lab2rgb(_low_discrepancy_3d(n * factor, seed) * _LABRNG + _LABMIN)
        rgb = raw[np.all((raw > 0) & (raw < 1), axis=1)]
        factor *= 2
    return rgb[:n]


def _low_discrepancy_positions(n: int, seed: float) -> np.ndarray:
    """napari's ``low_discrepancy_image(arange(n), seed)``: float32 positions in [0, 1], 0 for 0."""
    margin = 1 / 256
    image = np.float32(np.arange(n))
    image = seed + image * 0.6180339887498948482
    out = margin + (1 - 2 * margin) * (image - np.floor(image))
    out[0] = 0.0
    return out


@functools.lru_cache(maxsize=16)
def _label_color_table(num_colors: int, seed: float) -> np.ndarray:
    colors = _color_random(num_colors + 2, seed)
    controls = np.concatenate(([0], np.linspace(0.00001, 1 - 0.00001, num_colors + 1), [1.0]))
    positions = _low_discrepancy_positions(num_colors + 2, seed)
    indices = np.clip(np.searchsorted(controls, positions, side="right") - 1, 0, len(controls) - 1)
    table = np.full((num_colors + 1, 4), 255, np.uint8)
    table[:, :3] = (colors[indices][:-1] * 255).astype(np.uint8)
    table.flags.writeable = False
    return table


def label_color_table(num_colors: int = DEFAULT_NUM_COLORS, seed: float = DEFAULT_SEED) -> np.ndarray:
    """napari's ``label_colormap(num_colors, seed).colors`` as an ``(num_colors + 1, 4)`` uint8 RGBA table.

    The defaults give ``viewer.add_labels``'s colours. Row 0 is part of the table (a shuffled table
    may move it to a drawn row) but label 0 is never drawn with it. The result is read-only (cached).
    """
    if not isinstance(num_colors, int | np.integer) or not 1 <= num_colors < MAX_TABLE_ROWS:
        raise ValueError(f"num_colors must be an integer in [1, {MAX_TABLE_ROWS - 1}], got {num_colors!r}")
    seed = float(seed)
    if not np.isfinite(seed):
        raise ValueError(f"seed must be a finite number, got {seed!r}")
    return _label_color_table(int(num_colors), seed)


@functools.lru_cache(maxsize=4)
def _primes(upto: int) -> np.ndarray:
    """Primes up to ``upto`` (napari's ``_primes`` sieve)."""
    primes = np.arange(3, upto + 1, 2)
    isprime = np.ones((upto - 1) // 2, dtype=bool)
    for factor in primes[: int(np.sqrt(upto)) // 2]:
        if isprime[(factor - 2) // 2]:
            isprime[(factor * 3 - 2) // 2 : None : factor] = 0
    return np.concatenate(([2], primes[isprime]))


def shuffled_color_table(table: np.ndarray, seed: int) -> np.ndarray:
    """The table of ``layer.new_colormap(seed)`` for a layer whose original table is ``table``.

    napari's ``shuffle_and_extend_colormap``: the rows (row 0 included) are shuffled by
    ``np.random.default_rng(seed)``, then the table is cut or extended (with random repeats) to a
    random prime length that keeps the texture dtype (uint8 up to 255 rows, uint16 up to 65535).
    """
    table = np.asarray(table, np.uint8)
    if table.ndim != 2 or table.shape[1] != 4 or not 2 <= len(table) <= MAX_TABLE_ROWS:
        raise ValueError(f"table must be (N, 4) RGBA with 2 <= N <= {MAX_TABLE_ROWS}, got shape {table.shape}")
    rng = np.random.default_rng(seed)
    n_prev = len(table)
    indices = np.arange(n_prev)
    rng.shuffle(indices)
    shuffled = table[indices]
    primes = _primes(255 if n_prev <= 255 else 65535 if n_prev <= 65535 else 2**24)
    valid = primes[primes > n_prev]
    if len(valid) < 5:
        valid = primes[-5:]
    diff = int(rng.choice(valid)) - n_prev
    return np.concatenate((shuffled[: min(diff, 0) or None], shuffled[rng.choice(indices, size=max(diff, 0))]))


def label_rows(values: np.ndarray | int, n_rows: int, background_value: int = 0) -> np.ndarray:
    """Row of an ``n_rows`` table for each label (int64 rows in [0, n_rows - 1]; 0 for the background).

    napari's ``zero_preserving_modulo_numpy`` in the data's own dtype: ``(v - 1) mod (n_rows - 1) + 1``
    with floor modulo, where ``v - 1`` wraps at the dtype's minimum (int8 -128 is row 127 mod n + 1),
    and, when ``n_rows - 1`` exceeds the dtype's maximum (an int8 layer with a table of more than 128
    rows), row ``v`` for ``v >= 0`` and ``n_rows + v`` (numpy's negative indexing) below 0. Exact for
    every integer dtype, int64 / uint64 included; float input is truncated to int64 as napari does.
    """
    values = np.asarray(values)
    if values.dtype.kind == "f":
        values = values.astype(np.int64)
    elif values.dtype.kind == "b":
        values = values.astype(np.uint8)
    if values.dtype.kind not in "iu":
        raise ValueError(f"label values must be integers, got dtype {values.dtype}")
    info = np.iinfo(values.dtype)
    n = n_rows - 1
    if n > info.max:
        rows = values.astype(np.int64)
        rows[rows < 0] += n_rows
    elif values.dtype == np.uint64:
        rows = ((values - np.uint64(1)) % np.uint64(n) + np.uint64(1)).astype(np.int64)
    else:
        shifted = values.astype(np.int64) - 1
        shifted[values == info.min] = info.max  # v - 1 wraps in the data's dtype (0 - 1 is the background)
        rows = shifted % n + 1
    rows[values == background_value] = 0
    return rows


def map_labels(
    values: np.ndarray | int,
    table: np.ndarray | None = None,
    *,
    selected_label: int = 1,
    show_selected_label: bool = False,
    background_value: int = 0,
) -> np.ndarray:
    """RGBA uint8 colours (shape ``values.shape + (4,)``) of labels as napari draws them.

    ``table`` defaults to :func:`label_color_table` (``viewer.add_labels``'s colours). The
    background value is transparent ``(0, 0, 0, 0)``; with ``show_selected_label`` every value
    other than ``selected_label`` is transparent too. Layer opacity is not applied here.
    """
    table = label_color_table() if table is None else np.asarray(table, np.uint8)
    values = np.asarray(values)
    rows = label_rows(values, len(table), background_value)
    out = table[rows]
    out[rows == 0] = 0
    if show_selected_label:
        out[values != selected_label] = 0
    return out


def label_color(
    value: int,
    table: np.ndarray | None = None,
    *,
    selected_label: int = 1,
    show_selected_label: bool = False,
    background_value: int = 0,
) -> tuple[int, int, int, int]:
    """The RGBA bytes of one label (napari's ``Labels.get_color``; transparent instead of None)."""
    rgba = map_labels(
        np.array([value]),
        table,
        selected_label=selected_label,
        show_selected_label=show_selected_label,
        background_value=background_value,
    )[0]
    return (int(rgba[0]), int(rgba[1]), int(rgba[2]), int(rgba[3]))
