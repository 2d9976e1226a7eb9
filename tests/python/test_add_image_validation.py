"""Bad input to add_image raises a clear ValueError before anything reaches the daemon."""

from __future__ import annotations

import numpy as np
import pytest

import napari_cuda
from napari_cuda import _validate
from napari_cuda._arrays import max_data_bytes as _max_data_bytes
from napari_cuda._protocol import COLORMAPS, CONTROL_MAX_MESSAGE_BYTES
from napari_cuda._sources import ZarrSource

IMG = np.zeros((4, 5), np.uint8)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (np.zeros(5), "ndim >= 2.*ndim=1"),
        (np.float32(3), "ndim >= 2.*ndim=0"),
        (np.zeros((2, 3), np.complex64), "dtype complex64"),
        (np.array([[object(), object()]]), "dtype object"),
        (np.array([["a", "b"]]), "dtype <U1"),
        (np.zeros((2, 0)), "must not be empty"),
        (np.zeros((1,) * 33), "ndim <= 32"),
    ],
)
def test_bad_data(bare_viewer: napari_cuda.Viewer, data: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        bare_viewer.add_image(data)
    assert len(bare_viewer.layers) == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"contrast_limits": (10, 2)}, r"contrast_limits must be increasing"),
        ({"contrast_limits": (3, 3)}, r"contrast_limits must be increasing"),
        ({"contrast_limits": (0, np.nan)}, r"contrast_limits\[1\] must be finite"),
        ({"contrast_limits": (0, 1, 2)}, "contrast_limits must have 2 values"),
        ({"colormap": "nope"}, "unknown colormap 'nope'; valid names: blue, bop blue, bop orange"),
        ({"opacity": 2}, r"opacity must be in \[0, 1\], got 2"),
        ({"opacity": -0.1}, r"opacity must be in \[0, 1\]"),
        ({"gamma": 0}, "gamma must be > 0"),
        ({"gamma": -1}, "gamma must be > 0"),
        ({"interpolation": "cubic"}, "unknown interpolation 'cubic'; valid names: nearest, linear"),
        ({"blending": "minimum"}, "unknown blending 'minimum'"),
        ({"visible": "yes"}, "visible must be True or False"),
        ({"name": 3}, "name must be a string"),
        ({"scale": (1, 1, 1)}, "scale must have 2 values"),
        ({"scale": (1, 0)}, "scale values must be > 0"),
        ({"translate": (1,)}, "translate must have 2 values"),
    ],
)
def test_bad_properties(bare_viewer: napari_cuda.Viewer, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        bare_viewer.add_image(IMG, **kwargs)
    assert len(bare_viewer.layers) == 0


def test_unknown_colormap_lists_every_valid_name(bare_viewer: napari_cuda.Viewer) -> None:
    with pytest.raises(ValueError) as err:
        bare_viewer.add_image(IMG, colormap="nope")
    for name in COLORMAPS:
        assert name in str(err.value)


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (np.array([[True, False]]), np.uint8),
        (np.ones((2, 2), np.float16), np.float32),
        (np.array([[1, -(2**31)]], np.int64), np.int32),
        (np.array([[1, 2**31]], np.int64), np.float64),
        (np.array([[0, 2**32 - 1]], np.uint64), np.uint32),
        (np.array([[0, 2**40]], np.uint64), np.float64),
        (np.ones((2, 2), ">f4"), np.float32),
        (np.ones((2, 2), np.int16), np.int16),
        ([[1.5, 2.5], [3.5, 4.5]], np.float64),
    ],
)
def test_coerce_data(data: object, dtype: type) -> None:
    arr = _validate.coerce_data(data)
    assert arr.dtype == np.dtype(dtype)
    assert arr.dtype.byteorder in ("=", "|", "<")
    assert arr.flags.c_contiguous
    np.testing.assert_array_equal(arr, np.asarray(data).astype(dtype))


def test_coerce_data_keeps_a_suitable_array_without_copy() -> None:
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert _validate.coerce_data(arr) is arr


def test_coerce_data_makes_strided_views_contiguous() -> None:
    arr = np.arange(24, dtype=np.uint16).reshape(4, 6)[:, ::2]
    out = _validate.coerce_data(arr)
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize(
    ("data", "limits"),
    [
        (np.array([[1, 5], [3, 2]], np.uint8), [1.0, 5.0]),
        (np.array([[np.nan, 2], [np.inf, -4]], np.float32), [-4.0, 2.0]),
        (np.full((3, 3), 7, np.int16), [7.0, 8.0]),
        (np.full((2, 2), np.nan), [0.0, 1.0]),
    ],
)
def test_default_contrast_limits(data: np.ndarray, limits: list[float]) -> None:
    assert _validate.default_contrast_limits(data) == limits


def test_data_over_the_daemon_limit_goes_through_a_scratch_pyramid(
    viewer: napari_cuda.Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The daemon's message limit (if this test starts the daemon, it gets it too; 1024 is its minimum):
    # with room for the header nothing fits, so the bridge must not send the array in a message.
    monkeypatch.setenv("NAPARI_CUDA_MAX_MESSAGE_BYTES", "4096")
    data = np.arange(1600, dtype=np.uint8).reshape(40, 40)
    layer = viewer.add_image(data)
    assert isinstance(layer._source, ZarrSource) and layer._source.scratch is not None
    np.testing.assert_array_equal(layer.data, data)


def test_the_layer_size_limit_follows_the_message_limit_not_the_memory_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # NAPARI_CUDA_MAX_DATA_BYTES is the daemon's budget for all layers (checked by the daemon); the
    # bridge sizes one inline layer by the per-message limit alone, less room for the header.
    monkeypatch.setenv("NAPARI_CUDA_MAX_DATA_BYTES", "1000")
    assert _max_data_bytes() == CONTROL_MAX_MESSAGE_BYTES - 64 * 1024
    monkeypatch.setenv("NAPARI_CUDA_MAX_DATA_BYTES", str(8 * 1024**3))
    assert _max_data_bytes() == CONTROL_MAX_MESSAGE_BYTES - 64 * 1024
    monkeypatch.setenv("NAPARI_CUDA_MAX_MESSAGE_BYTES", str(1024**2))
    assert _max_data_bytes() == 1024**2 - 64 * 1024
    monkeypatch.setenv("NAPARI_CUDA_MAX_MESSAGE_BYTES", "1000")
    assert _max_data_bytes() == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rendering": "volume"}, "unknown rendering 'volume'"),
        ({"attenuation": -0.5}, r"attenuation must be in \[0, "),
        ({"iso_threshold": "half"}, "iso_threshold must be a real number"),
        ({"channel_axis": 5}, r"channel_axis must be in \[-2, 1\]"),
        ({"multiscale": 1}, "multiscale must be None, True or False"),
    ],
)
def test_bad_new_keywords(bare_viewer: napari_cuda.Viewer, kwargs: dict, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        bare_viewer.add_image(IMG, **kwargs)
    assert len(bare_viewer.layers) == 0
