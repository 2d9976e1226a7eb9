"""Lazy inputs served by the kernel (issue 13): zarr-python v3 arrays, h5py datasets, xarray
DataArrays (dims, coords), OME-Zarr behind a memory:// URL, and dask arrays of any size. The
adapters alone, then through viewer.add_image: each screenshot equals numpy's of the same data."""

from __future__ import annotations

import threading
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import pytest
import zarr
from ome_fixtures import write_ome
from test_screenshot import at_zoom_one, reference

import napari_cuda
from napari_cuda import _lazy_inputs as li
from napari_cuda._lazy_ome import open_ome
from napari_cuda._plan import plan
from napari_cuda._sources import KernelSource

xr = pytest.importorskip("xarray")
h5py = pytest.importorskip("h5py")

DATA = ((np.arange(120 * 160, dtype=np.uint32).reshape(120, 160) * 37) % 4001).astype(np.uint16)
CUBE = np.stack([DATA, 4000 - DATA, DATA // 2])  # (3, 120, 160): channels on axis 0


def memory_ome(name: str, data: np.ndarray, **kwargs: Any) -> str:
    uri = f"memory://{name}.ome.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_ome(uri, data, **kwargs)  # the reference writer, into fsspec's in-memory filesystem
    return uri


class Counting:
    """An array with shape, dtype and numpy slicing that counts its reads."""

    def __init__(self, arr: np.ndarray) -> None:
        self.arr, self.shape, self.dtype, self.reads = arr, arr.shape, arr.dtype, 0

    def __getitem__(self, key: Any) -> np.ndarray:
        self.reads += 1
        return self.arr[key]


# -- adapters (no daemon) -------------------------------------------------------------------------
def test_xarray_dims_and_evenly_spaced_coords() -> None:
    arr = xr.DataArray(
        CUBE,
        dims=("c", "y", "x"),
        coords={"y": 10 + 0.5 * np.arange(120), "x": np.geomspace(1, 2, 160)},  # x not evenly spaced
    )
    arr.coords["y"].attrs["units"] = "µm"
    lazy = plan(None, arr, None, None, 10**9).lazy_images()[0]
    assert [a["name"] for a in lazy.axes] == ["c", "y", "x"] and lazy.axes[1]["unit"] == "µm"
    assert lazy.scale == [1.0, 0.5, 1.0] and lazy.translate == [0.0, 10.0, 0.0]
    assert lazy.data is arr and lazy.named_axes
    channels = plan(None, arr, 0, None, 10**9).lazy_images()
    assert [a["name"] for a in channels[1].axes] == ["y", "x"] and channels[1].scale == [0.5, 1.0]
    assert channels[1].data.dims == ("y", "x")
    np.testing.assert_array_equal(channels[1].compute(0, [0, 0], [120, 160], threading.Event()), CUBE[1])


def test_channel_axis_reads_nothing_until_asked() -> None:
    src = Counting(CUBE)
    lazies = plan(None, src, 0, None, 10**9).lazy_images()
    assert src.reads == 0 and [lz.levels[0]["shape"] for lz in lazies] == [[120, 160]] * 3
    np.testing.assert_array_equal(lazies[2].compute(0, [5, 7], [50, 70], threading.Event()), CUBE[2, 5:50, 7:70])
    assert src.reads == 1


def test_kernel_urls_and_ome_metadata() -> None:
    assert li.kernel_url("memory://a.zarr") and li.kernel_url("s3://bucket/a.zarr")
    assert not li.kernel_url("https://x/a.zarr") and not li.kernel_url("file:///a") and not li.kernel_url("/a/b")
    uri = memory_ome("k2-meta", DATA, version="0.4", scale_factors=(2,), scale={"y": 0.5, "x": 0.25})
    lazy = open_ome(uri)
    assert [a.shape for a in lazy.levels] == [(120, 160), (60, 80)]
    assert lazy.scale == [0.5, 0.25] and lazy.factors == [[1.0, 1.0], [2.0, 2.0]]
    assert [a["name"] for a in lazy.axes] == ["y", "x"]
    p = plan(None, uri, None, None, 0)
    assert p.kind == "kernel" and p.default_name() == "k2-meta"
    with pytest.raises(ValueError, match="memory://nothing-here.ome.zarr"):
        plan(None, "memory://nothing-here.ome.zarr", None, None, 0)


def test_a_4_gib_dask_array_is_planned_without_computing() -> None:
    calls: Counter[tuple[int, ...]] = Counter()

    def block(block_info: Any = None) -> np.ndarray:
        calls[tuple(block_info[None]["chunk-location"])] += 1
        return np.full(block_info[None]["chunk-shape"], 7, np.uint16)

    arr = da.map_blocks(block, chunks=da.core.normalize_chunks(1024, (32768, 65536)), dtype=np.uint16)
    p = plan(None, arr, None, None, 10**9)
    source = KernelSource(p.lazy_images()[0])  # samples the contrast range
    assert source.info["contrast_range"] == [7.0, 7.0] and sum(calls.values()) == 4
    assert source.info["levels"][-1]["shape"] == [512, 1024] and len(source.levels) == 7


# -- through the daemon ---------------------------------------------------------------------------
def shows(viewer: napari_cuda.Viewer, layer: napari_cuda.Image, expected: np.ndarray, limits=(0, 4000)) -> None:
    assert isinstance(layer._source, KernelSource)
    np.testing.assert_array_equal(at_zoom_one(viewer, expected), reference(expected, "gray", limits, 1.0))


def test_zarr_v3_array(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    z = zarr.create_array(str(tmp_path / "a.zarr"), shape=DATA.shape, chunks=(64, 64), dtype=DATA.dtype)
    z[...] = DATA
    layer = viewer.add_image(z, contrast_limits=(0, 4000))
    assert layer.data is z and layer.dtype == np.uint16
    shows(viewer, layer, DATA)


def test_h5py_dataset(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    with h5py.File(tmp_path / "a.h5", "w") as f:
        f.create_dataset("img", data=CUBE, chunks=(1, 60, 80))
    with h5py.File(tmp_path / "a.h5", "r") as f:
        layers = viewer.add_image(f["img"], channel_axis=0, contrast_limits=(0, 4000), colormap="gray")
        for i, layer in enumerate(layers):
            for other in layers:
                other.visible = other is layer
            shows(viewer, layer, CUBE[i])


def test_xarray_with_dims_and_coords(viewer: napari_cuda.Viewer) -> None:
    arr = xr.DataArray(DATA, dims=("row", "col"), coords={"row": 2.0 * np.arange(120), "col": np.arange(160) + 5})
    layer = viewer.add_image(arr, contrast_limits=(0, 4000))
    assert viewer.dims.axis_labels == ("row", "col")
    assert layer.scale == (2.0, 1.0) and layer.translate == (0.0, 5.0) and layer.data is arr
    layer.scale, layer.translate = (1, 1), (0, 0)
    shows(viewer, layer, DATA)


def test_memory_ome_zarr_opened_in_the_kernel(viewer: napari_cuda.Viewer) -> None:
    uri = memory_ome("k2-view", DATA, scale_factors=(2,))
    layer = viewer.add_image(uri, contrast_limits=(0, 4000))
    assert layer.name == "image" and layer.level_shapes.tolist() == [[120, 160], [60, 80]]
    shows(viewer, layer, DATA)


def test_dask_layer_default_contrast_and_reset(viewer: napari_cuda.Viewer) -> None:
    arr = da.from_array(DATA, chunks=(40, 64))
    layer = viewer.add_image(arr)
    assert layer.contrast_limits == (float(DATA.min()), float(DATA.max()))  # small: read whole
    assert layer.contrast_limits_range == (0.0, 65535.0)  # lazy integers: the dtype's range (napari)
    shows(viewer, layer, DATA, limits=layer.contrast_limits)
    viewer.camera.update(center=(20.5, 30.5), zoom=4)  # pixels 16..25 x 26..35, edges on pixel edges
    viewer.canvas = {"width": 40, "height": 40, "pixel_ratio": 1.0}
    seen: list[Any] = []
    layer.events.contrast_limits.connect(lambda e: seen.append(e.value))
    layer.reset_contrast_limits()
    crop = DATA[16:26, 26:36]
    assert layer.contrast_limits == (float(crop.min()), float(crop.max())) and seen == [layer.contrast_limits]
