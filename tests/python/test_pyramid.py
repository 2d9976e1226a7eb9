"""The bridge's scratch pyramids, read back with zarr-python; routing of add_image data; channel helpers.

No daemon: these test what the kernel writes and decides before the daemon is asked anything.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import dask.array as da
import numpy as np
import pytest
import zarr
from nc_support import child_env

from napari_cuda import _arrays, _channels, _plan, _pyramid
from napari_cuda._scratch import ScratchDir, live_scratch_dirs


def read_levels(path: Path) -> tuple[dict, list[np.ndarray]]:
    group = zarr.open_group(str(path), mode="r")
    ome = group.attrs["ome"]
    paths = [d["path"] for d in ome["multiscales"][0]["datasets"]]
    return ome, [group[p][...] for p in paths]


def reference_mean(level: np.ndarray) -> np.ndarray:
    """2x2 block mean with edge replication, rounded for integers: what each coarser level must hold."""
    h, w = level.shape[-2:]
    pad = [(0, 0)] * (level.ndim - 2) + [(0, h % 2), (0, w % 2)]
    p = np.pad(level.astype(np.float64), pad, mode="edge")
    out = (p[..., 0::2, 0::2] + p[..., 1::2, 0::2] + p[..., 0::2, 1::2] + p[..., 1::2, 1::2]) / 4
    return np.rint(out).astype(level.dtype) if level.dtype.kind in "iu" else out.astype(level.dtype)


def test_plan_shapes_halve_yx_until_1024() -> None:
    assert _pyramid.plan_shapes((5, 4000, 3000)) == [(5, 4000, 3000), (5, 2000, 1500), (5, 1000, 750)]
    assert _pyramid.plan_shapes((1025, 7)) == [(1025, 7), (513, 4)]
    assert _pyramid.plan_shapes((1024, 1024)) == [(1024, 1024)]
    assert _pyramid.plan_shapes((33, 17), max_px=8) == [(33, 17), (17, 9), (9, 5), (5, 3)]


def test_numpy_pyramid_levels_are_block_means(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pyramid, "MAX_LEVEL_PX", 100)
    monkeypatch.setattr(_pyramid, "TILE_PX", 64)  # several tiles per level, odd edges
    rng = np.random.default_rng(3)
    data = rng.integers(0, 65535, (2, 301, 211)).astype(np.uint16)
    shapes = _pyramid.write_pyramid(tmp_path / "p", [data], downsample=True, name="img")
    ome, levels = read_levels(tmp_path / "p")
    assert shapes == [(2, 301, 211), (2, 151, 106), (2, 76, 53)]
    assert [lv.shape for lv in levels] == shapes
    np.testing.assert_array_equal(levels[0], data)
    for k in (1, 2):
        np.testing.assert_array_equal(levels[k], reference_mean(levels[k - 1]))
    assert ome["version"] == "0.5"
    ms = ome["multiscales"][0]
    assert ms["name"] == "img"
    assert [a["name"] for a in ms["axes"]] == ["z", "y", "x"]
    t1 = ms["datasets"][1]["coordinateTransformations"]
    assert t1[0] == {"type": "scale", "scale": [1.0, 301 / 151, 211 / 106]}
    # Block-mean pixels are centred on the level-0 pixels they average.
    assert t1[1]["translation"] == pytest.approx([0.0, (301 / 151 - 1) / 2, (211 / 106 - 1) / 2])
    assert zarr.open_group(str(tmp_path / "p"), mode="r")["0"].metadata.zarr_format == 3


def test_float_and_converted_dtypes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pyramid, "MAX_LEVEL_PX", 16)
    f = np.linspace(-1, 1, 40 * 30).reshape(40, 30).astype(">f4")  # big-endian: stored little-endian
    _pyramid.write_pyramid(tmp_path / "f", [f], downsample=True)
    _, levels = read_levels(tmp_path / "f")
    assert levels[0].dtype == np.dtype("<f4")
    np.testing.assert_array_equal(levels[0], f)
    np.testing.assert_allclose(levels[1], reference_mean(levels[0]), rtol=1e-6)
    big = np.array([[0, 2**40], [1, 2]], np.int64)
    _pyramid.write_pyramid(tmp_path / "i", [big], downsample=True)
    assert read_levels(tmp_path / "i")[1][0].dtype == np.float64
    fits = np.array([[0, 7], [1, -2]], np.int64)
    _pyramid.write_pyramid(tmp_path / "j", [fits], downsample=True)
    np.testing.assert_array_equal(read_levels(tmp_path / "j")[1][0], fits.astype(np.int32))
    _pyramid.write_pyramid(tmp_path / "b", [np.eye(3, dtype=bool)], downsample=True)
    assert read_levels(tmp_path / "b")[1][0].dtype == np.uint8


def test_dask_is_written_block_by_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pyramid, "MAX_LEVEL_PX", 64)
    seen: list[int] = []

    def block(x: np.ndarray, block_info=None) -> np.ndarray:
        seen.append(x.size)
        (y0, _), (x0, _) = block_info[0]["array-location"]
        yy, xx = np.indices(x.shape)
        return ((yy + y0) * 3 + (xx + x0)).astype(np.uint16)

    lazy = da.zeros((300, 500), np.uint16, chunks=(70, 90)).map_blocks(block, dtype=np.uint16)
    _pyramid.write_pyramid(tmp_path / "d", [lazy], downsample=True)
    _, levels = read_levels(tmp_path / "d")
    yy, xx = np.indices((300, 500))
    np.testing.assert_array_equal(levels[0], (yy * 3 + xx).astype(np.uint16))
    np.testing.assert_array_equal(levels[1], reference_mean(levels[0]))
    assert [lv.shape for lv in levels] == [(300, 500), (150, 250), (75, 125), (38, 63)]
    assert seen and max(seen) <= 70 * 90 < 300 * 500  # never the whole array at once


def test_multiscale_list_written_as_given(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    levels_in = [rng.random((40, 60), np.float32), rng.random((20, 30), np.float32), rng.random((7, 9), np.float32)]
    shapes = _pyramid.write_pyramid(tmp_path / "m", levels_in, downsample=False)
    ome, levels = read_levels(tmp_path / "m")
    assert shapes == [(40, 60), (20, 30), (7, 9)]
    for got, want in zip(levels, levels_in, strict=True):
        np.testing.assert_array_equal(got, want)
    scales = [d["coordinateTransformations"][0]["scale"] for d in ome["multiscales"][0]["datasets"]]
    assert scales == [[1.0, 1.0], [2.0, 2.0], [40 / 7, 60 / 9]]
    # Levels given by the user: no offset (napari's convention for multiscale lists).
    assert all(len(d["coordinateTransformations"]) == 1 for d in ome["multiscales"][0]["datasets"])


@pytest.mark.parametrize(
    ("levels", "error", "match"),
    [
        (np.zeros((4, 4)), TypeError, "list of arrays"),
        ([], ValueError, "at least one level"),
        ([np.zeros((4, 4)), np.zeros((4, 4))], ValueError, r"level 1 has shape \(4, 4\), level 0 has \(4, 4\)"),
        ([np.zeros((4, 4)), np.zeros((2, 8))], ValueError, "must get smaller"),
        ([np.zeros((4, 4)), np.zeros((2, 2, 2))], ValueError, "level 1 has ndim 3"),
        ([np.zeros((4,))], ValueError, "multiscale level 0 must have ndim >= 2"),
    ],
)
def test_bad_multiscale_lists(levels: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        _arrays.check_multiscale(levels)


def test_routing_by_inline_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    small = np.zeros((10, 10), np.uint16)  # 200 bytes
    assert _plan.plan(None, small, None, None, inline_limit=200).kind == "inline"
    assert _plan.plan(None, small, None, None, inline_limit=199).kind == "pyramid"
    # Lazy data (issue 13): served by the kernel, whatever its size, and so is a list holding any.
    assert _plan.plan(None, da.from_array(small), None, None, inline_limit=10**9).kind == "kernel"
    p = _plan.plan(None, [small, small[::2, ::2]], None, None, inline_limit=10**9)
    assert p.kind == "pyramid" and not p.downsample and len(p.arrays) == 2
    assert _plan.plan(None, [small, da.from_array(small[::2, ::2])], None, None, 10**9).kind == "kernel"
    assert _plan.plan(None, [[1, 2], [3, 4]], None, None, inline_limit=10**9).kind == "inline"
    monkeypatch.setenv("NAPARI_CUDA_INLINE_BYTES", "123")
    assert _arrays.inline_budget() == 123
    monkeypatch.setenv("NAPARI_CUDA_INLINE_BYTES", "lots")
    with pytest.raises(ValueError, match="NAPARI_CUDA_INLINE_BYTES must be a number of bytes"):
        _arrays.inline_budget()
    monkeypatch.delenv("NAPARI_CUDA_INLINE_BYTES")
    assert _arrays.inline_budget() == 256 * 2**20


def test_locations_become_absolute_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    p = _plan.plan(None, "data/img.ome.zarr", None, None, inline_limit=0)
    assert (p.kind, p.uri) == ("location", str(tmp_path / "data" / "img.ome.zarr"))
    assert p.default_name() == "img"
    assert _plan.plan(None, Path("x.zarr/"), None, None, 0).default_name() == "x"
    url = "https://example.org/a/b.ome.zarr"
    assert _plan.plan(None, url, None, None, 0).uri == url
    assert _plan.plan(None, "file:///data/c.zarr", None, None, 0).uri == "file:///data/c.zarr"
    with pytest.raises(ValueError, match="path must not be empty"):
        _plan.plan(None, "  ", None, None, 0)


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "match"),
    [
        (np.zeros((3, 4, 5)), {"channel_axis": 3}, ValueError, r"channel_axis must be in \[-3, 2\]"),
        (np.zeros((3, 4, 5)), {"channel_axis": 1.0}, TypeError, "channel_axis must be an integer"),
        (np.zeros((4, 5)), {"channel_axis": 0}, ValueError, "channel_axis needs data with ndim >= 3"),
        (np.zeros((4, 5)), {"multiscale": "yes"}, TypeError, "multiscale must be None, True or False"),
        (np.zeros((4, 5)), {"multiscale": True}, TypeError, "list of arrays"),
        (None, {}, TypeError, "add_image needs data"),
        (da.zeros((4, 5), dtype=np.complex64), {}, ValueError, "dtype complex64"),
    ],
)
def test_bad_plans(data: object, kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        _plan.plan(None, data, kwargs.get("channel_axis"), kwargs.get("multiscale"), inline_limit=10**9)


def test_channel_defaults_are_napari_s() -> None:
    assert _channels.default_colormaps(1) == ["gray"]
    assert _channels.default_colormaps(2) == ["magenta", "green"]
    assert _channels.default_colormaps(7) == ["cyan", "yellow", "magenta", "red", "green", "blue", "cyan"]
    assert _channels.omero_colormap({"color": "ff0000"}) == "red"
    assert _channels.omero_colormap({"color": "123456"}) is None
    assert _channels.omero_colormap(None) is None


def test_per_channel_keywords() -> None:
    assert _channels.per_channel("colormap", ["red", "blue"], 2) == ["red", "blue"]
    assert _channels.per_channel("colormap", "red", 3) == ["red"] * 3
    assert _channels.per_channel("contrast_limits", (0, 10), 2) == [(0, 10), (0, 10)]
    assert _channels.per_channel("contrast_limits", [(0, 1), (2, 3)], 2) == [(0, 1), (2, 3)]
    assert _channels.per_channel("scale", (1, 2), 2) == [(1, 2), (1, 2)]
    with pytest.raises(ValueError, match="colormap has 2 values but channel_axis splits the data into 3"):
        _channels.per_channel("colormap", ["red", "blue"], 3)


def test_scratch_dirs_are_private_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAPARI_CUDA_SCRATCH_DIR", str(tmp_path / "scratch"))
    s = ScratchDir()
    assert s.path.parent == tmp_path / "scratch"
    assert stat.S_IMODE(os.stat(s.path).st_mode) == 0o700
    s.acquire()
    s.acquire()
    (s.path / "f").write_bytes(b"x")
    s.release()
    assert s.path.exists() and s.path in live_scratch_dirs()
    s.release()
    assert not s.path.exists() and s.path not in live_scratch_dirs()
    s.remove()  # idempotent


def test_scratch_dirs_are_removed_at_interpreter_exit(tmp_path: Path) -> None:
    script = "from napari_cuda._scratch import ScratchDir; s = ScratchDir().acquire(); print(s.path)"
    env = {**child_env(), "NAPARI_CUDA_SCRATCH_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    path = Path(out.stdout.strip())
    assert path.parent == tmp_path and not path.exists()
