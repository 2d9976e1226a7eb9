"""Write OME-Zarr test fixtures with the reference Python libraries (ome-zarr-py, zarr-python).

Usage: python ome_fixtures.py OUTDIR

Writes pyramids (NGFF 0.4 on Zarr v2 and 0.5 on Zarr v3, several dtypes, axis orders and
codecs), plain Zarr arrays, and broken datasets for the error tests. For every level of every
readable fixture, the level as zarr-python reads it back is saved as raw little-endian C-order
bytes under OUTDIR/refs, the reference the TypeScript reader is compared with. Prints a JSON
manifest {name: {path, dtype, levels: [{shape, ref}]}} (paths relative to OUTDIR) on stdout.
"""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from pathlib import Path

import numcodecs
import numcodecs.zarr3
import numpy as np
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.writer import write_image
from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

warnings.filterwarnings("ignore")


def data(shape: tuple[int, ...], dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.normal(10, 5, shape).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, shape, endpoint=True, dtype=dt)


def pyramid(out: Path, name: str, arr: np.ndarray, axes: str, version: str, chunks, compressor, **kw) -> Path:
    path = out / f"{name}.ome.zarr"
    fmt = FormatV04() if version == "0.4" else FormatV05()
    group = zarr.open_group(str(path), mode="w", zarr_format=2 if version == "0.4" else 3)
    options = {"chunks": chunks, "compressors": compressor, **kw.pop("storage", {})}
    write_image(arr, group, axes=axes, fmt=fmt, method="nearest", storage_options=options, **kw)
    return path


def write_all(out: Path) -> dict:
    fixtures: dict[str, Path] = {}
    # NGFF 0.4 / Zarr v2
    fixtures["v04_yx_u8_blosc"] = pyramid(
        out,
        "v04_yx_u8_blosc",
        data((70, 90), "u1", 1),
        "yx",
        "0.4",
        (32, 32),
        numcodecs.Blosc(cname="zstd", shuffle=numcodecs.Blosc.BITSHUFFLE),
        scale_factors=[2, 4],
        scale={"y": 0.5, "x": 0.25},
        axes_units={"y": "micrometer", "x": "micrometer"},
    )
    fixtures["v04_cyx_u16_lz4"] = pyramid(
        out,
        "v04_cyx_u16_lz4",
        data((3, 100, 130), "u2", 2),
        "cyx",
        "0.4",
        (1, 32, 48),
        numcodecs.LZ4(),
        scale_factors=[2, 4],
        omero={
            "channels": [
                {"label": "DAPI", "color": "0000FF", "window": {"start": 10, "end": 500, "min": 0, "max": 65535}},
                {"label": "GFP", "color": "00FF00", "window": {"start": 0, "end": 1000, "min": 0, "max": 65535}},
                {"label": "RFP", "color": "FF0000", "window": {"start": 5, "end": 50, "min": 0, "max": 65535}},
            ]
        },
    )
    fixtures["v04_zyx_i16_gzip"] = pyramid(
        out,
        "v04_zyx_i16_gzip",
        data((20, 40, 50), "i2", 3),
        "zyx",
        "0.4",
        (8, 16, 16),
        numcodecs.GZip(level=5),
        scale_factors=[{"z": 2, "y": 2, "x": 2}],
        scale={"z": 2.0, "y": 0.5, "x": 0.5},
    )
    fixtures["v04_yx_f64_zstd"] = pyramid(
        out,
        "v04_yx_f64_zstd",
        data((33, 47), "f8", 4),
        "yx",
        "0.4",
        (16, 16),
        numcodecs.Zstd(level=3),
        scale_factors=[2],
    )
    # NGFF 0.5 / Zarr v3
    f32 = data((2, 2, 6, 40, 50), "f4", 5)
    f32[0, 0, 0, 0, 0] = np.nan
    f32[1, 1, 5, 39, 49] = np.inf
    fixtures["v05_tczyx_f32_zstd_sharded"] = pyramid(
        out,
        "v05_tczyx_f32_zstd_sharded",
        f32,
        "tczyx",
        "0.5",
        (1, 1, 3, 16, 16),
        ZstdCodec(level=1),
        scale_factors=[2],
        storage={"shards": (1, 1, 6, 32, 32)},
    )
    fixtures["v05_cyx_i32_blosc"] = pyramid(
        out,
        "v05_cyx_i32_blosc",
        data((2, 60, 70), "i4", 6),
        "cyx",
        "0.5",
        (1, 25, 30),
        BloscCodec(cname="lz4", shuffle="shuffle"),
        scale_factors=[2, 4],
    )
    fixtures["v05_zyx_u32_gzip"] = pyramid(
        out,
        "v05_zyx_u32_gzip",
        data((5, 30, 40), "u4", 7),
        "zyx",
        "0.5",
        (2, 16, 16),
        GzipCodec(level=1),
        scale_factors=[2],
    )
    fixtures["v05_yx_i8_lz4"] = pyramid(
        out, "v05_yx_i8_lz4", data((50, 60), "i1", 8), "yx", "0.5", (20, 20), numcodecs.zarr3.LZ4(), scale_factors=[2]
    )
    # Plain Zarr v2 array: big-endian, Fortran order, fill value 7 in a chunk that is never written.
    plain = data((40, 50), "u2", 9).astype(">u2")
    plain[16:32, 0:16] = 7
    p = out / "plain_v2_be_forder.zarr"
    a = zarr.create_array(
        str(p),
        shape=plain.shape,
        chunks=(16, 16),
        dtype=">u2",
        zarr_format=2,
        order="F",
        fill_value=7,
        compressors=numcodecs.Zstd(level=1),
    )
    a[:] = plain
    assert not (p / "1.0").exists(), "the fill-value chunk must be missing"
    fixtures["plain_v2_be_forder"] = p
    # Plain Zarr v3 array with dimension names.
    p = out / "plain_v3_names.zarr"
    a = zarr.create_array(
        str(p), shape=(3, 20, 30), chunks=(1, 8, 8), dtype="u2", zarr_format=3, dimension_names=["c", "y", "x"]
    )
    a[:] = data((3, 20, 30), "u2", 10)
    fixtures["plain_v3_names"] = p

    manifest = {}
    refs = out / "refs"
    refs.mkdir(exist_ok=True)
    for name, path in fixtures.items():
        node = zarr.open(str(path), mode="r")
        arrays = [node] if isinstance(node, zarr.Array) else [node[d["path"]] for d in _datasets(node)]
        levels = []
        for i, arr in enumerate(arrays):
            values = np.ascontiguousarray(arr[...]).astype(arr.dtype.newbyteorder("<"))
            ref = refs / f"{name}.L{i}.bin"
            ref.write_bytes(values.tobytes())
            levels.append({"shape": list(values.shape), "ref": str(ref.relative_to(out))})
        manifest[name] = {
            "path": str(path.relative_to(out)),
            "dtype": str(np.dtype(arrays[0].dtype).newbyteorder("=").name),
            "levels": levels,
        }
    write_broken(out, fixtures)
    return manifest


def _datasets(group: zarr.Group) -> list:
    attrs = dict(group.attrs)
    ms = attrs["ome"]["multiscales"] if "ome" in attrs else attrs["multiscales"]
    return ms[0]["datasets"]


def write_broken(out: Path, fixtures: dict[str, Path]) -> None:
    """Datasets that must fail to open or read, each with one thing wrong."""
    broken = out / "broken"
    broken.mkdir(exist_ok=True)
    # A Zarr v2 group and a Zarr v3 group without OME metadata.
    zarr.open_group(str(broken / "not_ome_v2.zarr"), mode="w", zarr_format=2).attrs["foo"] = 1
    zarr.open_group(str(broken / "not_ome_v3.zarr"), mode="w", zarr_format=3).attrs["foo"] = 1
    # Unknown codecs (v2 compressor id, v3 codec name).
    p = shutil.copytree(fixtures["v04_yx_u8_blosc"], broken / "unknown_codec_v2.ome.zarr")
    meta = json.loads((p / "s1" / ".zarray").read_text())
    meta["compressor"] = {"id": "frobnicate", "level": 1}
    (p / "s1" / ".zarray").write_text(json.dumps(meta))
    p = shutil.copytree(fixtures["v05_yx_i8_lz4"], broken / "unknown_codec_v3.ome.zarr")
    meta = json.loads((p / "s0" / "zarr.json").read_text())
    meta["codecs"].append({"name": "frobnicate", "configuration": {}})
    (p / "s0" / "zarr.json").write_text(json.dumps(meta))
    # A corrupt chunk (garbage bytes where a zstd frame should be), level 0, chunk (1, 0).
    p = shutil.copytree(fixtures["v04_yx_f64_zstd"], broken / "corrupt_chunk.ome.zarr")
    (p / "s0" / "1" / "0").write_bytes(b"this is not a zstd frame" * 10)
    # Unsupported dtypes.
    zarr.create_array(str(broken / "int64_v2.zarr"), shape=(4, 4), chunks=(4, 4), dtype="i8", zarr_format=2)
    zarr.create_array(str(broken / "float16_v3.zarr"), shape=(4, 4), chunks=(4, 4), dtype="f2", zarr_format=3)
    # OME metadata with a scale of the wrong length.
    p = shutil.copytree(fixtures["v04_cyx_u16_lz4"], broken / "bad_scale.ome.zarr")
    attrs = json.loads((p / ".zattrs").read_text())
    attrs["multiscales"][0]["datasets"][1]["coordinateTransformations"][0]["scale"] = [1, 2]
    (p / ".zattrs").write_text(json.dumps(attrs))
    # A pyramid whose level 1 array is missing.
    p = shutil.copytree(fixtures["v05_zyx_u32_gzip"], broken / "missing_level.ome.zarr")
    shutil.rmtree(p / "s1")


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    json.dump(write_all(out), sys.stdout)


if __name__ == "__main__":
    main()
