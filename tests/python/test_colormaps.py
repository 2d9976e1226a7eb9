"""Colormaps: every name napari accepts and custom ones resolve to the reference tables
(matplotlib / napari's colours / cmap), and the daemon draws exactly those tables."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from nc_support import REPO, run_node
from ome_fixtures import write_ome

import napari_cuda
from napari_cuda import _colormaps, _validate
from napari_cuda._protocol import COLORMAP_LUT_HEX_CHARS, COLORMAPS
from support.colormaps import X, cmap_lut, interp_lut, lut, matplotlib_lut, quantize

cmap = pytest.importorskip("cmap")
matplotlib = pytest.importorskip("matplotlib")


class NapariLikeColormap:
    """Stands in for napari.utils.Colormap (napari is not a dependency): the attributes it has."""

    def __init__(self, colors: Any, name: str = "custom", controls: Any = None, interpolation: str = "linear"):
        self.colors = np.asarray(colors, np.float32)
        self.name = name
        n = len(self.colors) + (interpolation == "zero")
        self.controls = np.linspace(0, 1, n, dtype=np.float32) if controls is None else np.asarray(controls)
        self.interpolation = interpolation
        self.low_color = self.high_color = None


def table(value: Any) -> np.ndarray:
    """The (256, 3) table `resolve` sends for a custom colormap."""
    name, hex_lut = _colormaps.resolve(value)
    assert hex_lut is not None, f"{value!r} resolved to the built-in {name!r}"
    assert len(hex_lut) == COLORMAP_LUT_HEX_CHARS and hex_lut == hex_lut.lower()
    return _colormaps.from_hex(hex_lut)


# -- the built-in tables -------------------------------------------------------------------------
def test_committed_ts_tables_equal_a_fresh_generation() -> None:
    spec = importlib.util.spec_from_file_location("gen_colormaps", REPO / "scripts" / "gen-colormaps.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (REPO / "src" / "protocol" / "colormap-data.ts").read_text() == gen.render()


def test_ts_tables_equal_the_reference_bit_for_bit() -> None:
    script = (
        "const m = await import('./src/protocol/index.ts');"
        "console.log(JSON.stringify(Object.fromEntries(m.COLORMAP_NAMES.map("
        "(n) => [n, Buffer.from(m.colormapRgb(n)).toString('hex')]))));"
    )
    tables = run_node(script)
    assert list(tables) == list(COLORMAPS)
    for name, hex_lut in tables.items():
        np.testing.assert_array_equal(_colormaps.from_hex(hex_lut), lut(name), err_msg=name)


def test_matplotlib_built_ins_are_napari_tables() -> None:
    # napari builds these from matplotlib's colours at linspace(0, 1, 256): the i-th listed colour.
    for name in ("viridis", "magma", "inferno", "plasma", "turbo"):
        np.testing.assert_array_equal(lut(name), quantize(matplotlib.colormaps[name](np.arange(256))), name)
    # twilight has 510 colours: napari's entry i is matplotlib's colour floor(i / 255 * 510).
    twilight = matplotlib.colormaps["twilight"]
    np.testing.assert_array_equal(lut("twilight")[:255], quantize(twilight(2 * np.arange(255))))


# -- resolving names -----------------------------------------------------------------------------
def test_built_in_names_need_no_table() -> None:
    assert napari_cuda.COLORMAPS == COLORMAPS and len(COLORMAPS) == 30
    for name in COLORMAPS:
        assert _colormaps.resolve(name) == (name, None)
    # napari's names, spelled loosely, stay napari's (not cmap's look-alikes: its "i_blue" differs).
    for loose, name in [("i blue", "I Blue"), ("bop_orange", "bop orange"), ("Viridis", "viridis"), ("hilo", "HiLo")]:
        assert _colormaps.resolve(loose) == (name, None)


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("cividis", "cividis"),
        ("PiYG_r", "PiYG_r"),
        ("jet", "jet"),
        ("cmocean:thermal", "cmocean:thermal"),
        ("tab10", "tab10"),  # a listed ("nearest") colormap
        ("RdBu", "vispy:RdBu"),  # napari looks in vispy before matplotlib
        ("husl", "vispy:husl"),
    ],
)
def test_other_names_are_cmap_tables(name: str, reference: str) -> None:
    assert _colormaps.resolve(name)[0] == name
    np.testing.assert_array_equal(table(name), cmap_lut(reference))


def test_every_matplotlib_name_is_within_one_of_matplotlib() -> None:
    # cmap holds matplotlib's data; only these sample differently (a jump, or 510 colours reversed).
    loose = {"gist_stern", "gist_stern_r", "twilight_r", "twilight_shifted_r"}
    # napari takes these from vispy, or as colours ("pink": a ramp from black to pink), before matplotlib.
    shadowed = {*_colormaps.VISPY_NAMES, "pink", "grey"} - set(COLORMAPS)
    exact = 0
    for name in sorted(set(matplotlib.colormaps) - shadowed):
        resolved, hex_lut = _colormaps.resolve(name)
        got = lut(name) if hex_lut is None else _colormaps.from_hex(hex_lut)
        diff = int(np.abs(got.astype(int) - matplotlib_lut(name).astype(int)).max())
        exact += diff == 0
        if name not in loose:
            assert diff <= 1, f"{name}: max difference {diff}"
    assert exact >= 100, exact


def test_vispy_names_napari_finds_first() -> None:
    np.testing.assert_array_equal(table("blues"), interp_lut([[1, 1, 1], [0, 0, 1]]))  # not matplotlib's Blues
    np.testing.assert_array_equal(table("autumn"), interp_lut([[1, 0, 0], [1, 1, 0]]))
    np.testing.assert_array_equal(table("Blues"), cmap_lut("Blues"))
    assert table("cubehelix")[0].tolist() == [255, 255, 255]  # vispy's is reversed: white to black
    assert table("cubehelix")[-1].tolist() == [0, 0, 0]


def test_colours_become_ramps_from_black() -> None:
    np.testing.assert_array_equal(table("orange"), interp_lut([[0, 0, 0], [1, 165 / 255, 0]]))
    assert _colormaps.resolve("#FF8800")[0] == "#ff8800"
    # napari reuses its own colormap when the colours are the same.
    assert _colormaps.resolve("#ff0000") == ("red", None)
    assert _colormaps.resolve("white") == ("gray", None)
    assert _colormaps.resolve("black") == ("gray_r", None)


def test_custom_colormaps() -> None:
    three = [[0, 0, 0], [0.9, 0.2, 0.1], [1, 1, 1]]
    assert _colormaps.resolve(np.array(three))[0] == "custom"
    np.testing.assert_array_equal(table(np.array(three)), interp_lut(three))
    np.testing.assert_array_equal(table(three), interp_lut(three))
    np.testing.assert_array_equal(table(["black", "orange"]), table("orange"))
    np.testing.assert_array_equal(table((0.5, 0.25, 1.0)), interp_lut([[0, 0, 0], [0.5, 0.25, 1.0]]))
    np.testing.assert_array_equal(table(np.array([[0, 0, 0, 1], [0, 0.5, 1, 0.5]])), interp_lut([[0] * 3, [0, 0.5, 1]]))
    assert _colormaps.resolve({"colors": three, "name": "mine"})[0] == "mine"
    np.testing.assert_array_equal(table({"colors": three, "name": "mine"}), interp_lut(three))
    assert _colormaps.resolve(NapariLikeColormap(three, name="fancy"))[0] == "fancy"
    np.testing.assert_array_equal(table(NapariLikeColormap(three)), interp_lut(three))
    assert _colormaps.resolve(("named", NapariLikeColormap(three)))[0] == "named"
    assert _colormaps.resolve({"k": NapariLikeColormap(three)})[0] == "k"
    mpl = cmap.Colormap("magma")
    assert _colormaps.resolve(mpl)[0] == mpl.name
    np.testing.assert_array_equal(table(mpl), lut("magma"))
    # A custom colormap never takes a built-in name unless it has exactly that colormap's colours.
    assert _colormaps.resolve({"colors": three, "name": "gray"})[0] == "gray (1)"
    assert _colormaps.resolve({"colors": [[0, 0, 0], [1, 1, 1]], "name": "gray"}) == ("gray", None)
    assert _colormaps.resolve([[0, 0, 0], [0, 1, 0]]) == ("green", None)


def test_control_points_and_zero_interpolation() -> None:
    colors = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    got = table(NapariLikeColormap(colors, controls=[0, 0.25, 1]))
    expected = quantize(np.stack([np.interp(X, [0, 0.25, 1], np.array(colors)[:, k]) for k in range(3)], -1))
    np.testing.assert_array_equal(got, expected)
    zero = table(NapariLikeColormap(colors, controls=[0, 0.5, 0.75, 1], interpolation="zero"))
    bins = np.clip(np.searchsorted([0, 0.5, 0.75, 1], X, side="right") - 1, 0, 2)
    np.testing.assert_array_equal(zero, quantize(np.array(colors, float)[bins]))
    hilo = {"colors": [[0, 0, 0], [1, 1, 1]], "low_color": [0, 0, 1], "high_color": [1, 0, 0], "name": "hl"}
    assert table(hilo)[0].tolist() == [0, 0, 255] and table(hilo)[255].tolist() == [255, 0, 0]


def test_a_string_equal_to_the_current_name_keeps_the_current_table() -> None:
    name, hex_lut = _colormaps.resolve([[0, 0, 0], [0.5, 0.5, 1]])
    assert _colormaps.resolve("custom", (name, hex_lut)) == (name, hex_lut)
    assert _colormaps.resolve("viridis", (name, hex_lut)) == ("viridis", None)


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ("virdis", ValueError, r"unknown colormap 'virdis'; valid names: blue, bop blue, .*did you mean 'viridis'"),
        ("nope", ValueError, r"unknown colormap 'nope'; valid names: .*or an \(N, 3\|4\) array of colours$"),
        ("x" * 200, ValueError, "colormap name must have at most 128 characters"),
        (3, TypeError, "colormap must be a name, a colour, an .N, 3.4. array"),
        ([[0, 0, 2]], ValueError, r"colours must be finite numbers in \[0, 1\]"),
        (np.zeros((2, 5)), ValueError, r"must be an \(N, 3\) or \(N, 4\) array of colours, got shape \(2, 5\)"),
        (["black", "nocolour"], ValueError, "colormap colours must be colour names or hex strings, got 'nocolour'"),
        ({"colors": [[0, 0, 0], [1, 1, 1]], "controls": [0, 0.7]}, ValueError, "controls must be 2 increasing"),
        ({"colors": [[0, 0, 0]], "colour": 1}, ValueError, "colormap dict has unknown keys"),
        ({}, ValueError, "colormap dict is empty"),
    ],
)
def test_bad_colormaps_say_why(value: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        _colormaps.resolve(value)


def test_available_colormaps_cover_napari_matplotlib_and_cmap() -> None:
    names = set(_colormaps.available_colormaps())
    assert {*COLORMAPS, "PiYG", "jet", "cividis", "RdBu", "blues", "coolwarm"} <= names


# -- validators of the initial state keys ---------------------------------------------------------
def test_state_validators() -> None:
    hex_lut = "ab" * 768
    assert _validate.colormap_lut(None) is None and _validate.colormap_lut(hex_lut) == hex_lut
    for bad in ("AB" * 768, "ab" * 767, 5):
        with pytest.raises(ValueError, match="colormap_lut must be None or 1536 lowercase hex characters"):
            _validate.colormap_lut(bad)
    assert _validate.contrast_limits_range((0, 255)) == [0.0, 255.0]
    with pytest.raises(ValueError, match="contrast_limits_range must be increasing"):
        _validate.contrast_limits_range((3, 3))
    assert _validate.units(None, 2) == ["", ""] and _validate.units("um", 2) == ["um", "um"]
    assert _validate.units(["s", None], 2) == ["s", ""]
    with pytest.raises(ValueError, match="units must be 3 strings"):
        _validate.units(["um", "um"], 3)
    assert _validate.bounding_box({"visible": np.True_}) == {"visible": True}
    with pytest.raises(ValueError, match="bounding_box.visible must be True or False"):
        _validate.bounding_box({"visible": "yes"})
    assert _validate.colormap("PiYG_r") == "PiYG_r"


# -- through the daemon --------------------------------------------------------------------------
RAMP8 = np.arange(256, dtype=np.uint8).reshape(16, 16)  # value v shows entry v at limits (0, 255)
SCREENSHOT_CASES: list[tuple[str, Any, np.ndarray | None]] = [(n, n, None) for n in COLORMAPS] + [
    ("cividis", "cividis", cmap_lut("cividis")),
    ("PiYG_r", "PiYG_r", cmap_lut("PiYG_r")),
    ("jet", "jet", cmap_lut("jet")),
    ("tab10", "tab10", cmap_lut("tab10")),
    ("thermal", "cmocean:thermal", cmap_lut("cmocean:thermal")),
    ("array", np.array([[0, 0, 0], [0.9, 0.2, 0.1], [0.3, 0.6, 1.0], [1, 1, 1]]), None),
    ("two-colours", ["#203040", "orange"], None),
    ("cmap-object", cmap.Colormap(["navy", "gold", "white"]), None),
]


def _expected(value: Any, reference: np.ndarray | None) -> np.ndarray:
    if reference is not None:
        return reference
    if isinstance(value, str):
        return lut(value)
    if isinstance(value, np.ndarray):
        return interp_lut(value)
    if isinstance(value, list):
        return interp_lut([cmap.Color(c).rgba for c in value])
    return quantize(value(X))


def _shot(viewer: napari_cuda.Viewer, data: np.ndarray, **kwargs: Any) -> np.ndarray:
    layer = viewer.add_image(data, **kwargs)
    h, w = data.shape
    viewer.camera.update(center=((h - 1) / 2, (w - 1) / 2), zoom=1)
    try:
        shot = viewer.screenshot(size=(h, w))
    finally:
        viewer.layers.remove(layer)
    assert (shot[..., 3] == 255).all()
    return shot[..., :3]


@pytest.mark.parametrize(("label", "value", "reference"), SCREENSHOT_CASES, ids=[c[0] for c in SCREENSHOT_CASES])
def test_screenshot_draws_the_reference_table(
    viewer: napari_cuda.Viewer, label: str, value: Any, reference: np.ndarray | None
) -> None:
    expected = _expected(value, reference)[RAMP8]
    # uint8 / uint16 go through the folded value table, float32 through the per-pixel path.
    np.testing.assert_array_equal(_shot(viewer, RAMP8, colormap=value, contrast_limits=(0, 255)), expected)
    wide = RAMP8.astype(np.uint16) * 257
    np.testing.assert_array_equal(_shot(viewer, wide, colormap=value, contrast_limits=(0, 65535)), expected)
    floats = (RAMP8.astype(np.float32) + 0.5) / 256
    np.testing.assert_array_equal(_shot(viewer, floats, colormap=value, contrast_limits=(0, 1)), expected)


def test_setting_a_layer_colormap_sends_its_table(viewer: napari_cuda.Viewer) -> None:
    layer = viewer.add_image(RAMP8, contrast_limits=(0, 255))
    layer.colormap = "PiYG_r"
    wire = layer._wire()
    assert (wire["colormap"], wire["colormap_lut"]) == ("PiYG_r", _colormaps.to_hex(cmap_lut("PiYG_r")))
    viewer.camera.update(center=(7.5, 7.5), zoom=1)
    np.testing.assert_array_equal(viewer.screenshot(size=(16, 16))[..., :3], cmap_lut("PiYG_r")[RAMP8])
    layer.colormap = "magma"
    assert layer._wire()["colormap_lut"] is None
    np.testing.assert_array_equal(viewer.screenshot(size=(16, 16))[..., :3], lut("magma")[RAMP8])


# -- initial layer state --------------------------------------------------------------------------
def test_initial_state_keys(viewer: napari_cuda.Viewer) -> None:
    data = np.arange(30, dtype=np.uint16).reshape(5, 6) + 10
    state = viewer.add_image(data)._wire()
    assert state["colormap_lut"] is None and state["bounding_box"] == {"visible": False}
    assert state["units"] == ["", ""]
    assert state["contrast_limits_range"] == state["contrast_limits"] == [10.0, 39.0]  # numpy: data range
    custom = viewer.add_image(data, colormap="jet")._wire()
    assert custom["colormap"] == "jet" and custom["colormap_lut"] == _colormaps.to_hex(cmap_lut("jet"))


@pytest.mark.parametrize(
    ("make", "kwargs", "expected"),
    [
        (lambda: np.array([[3, 7], [9, 12]], np.uint8), {}, [0.0, 255.0]),  # uint8: always 0..255
        (lambda: np.array([[3, 7], [9, 1200]], np.int16), {}, [3.0, 1200.0]),
        (lambda: np.array([[3.5, 7], [9, 12]], np.float32), {}, [3.5, 12.0]),
        (lambda: np.array([[3, 7], [9, 12]], np.uint16), {"contrast_limits": (5, 6)}, [5.0, 6.0]),
        (lambda: _dask(np.array([[3, 7], [9, 12]], np.int16)), {}, [-32768.0, 32767.0]),  # lazy int: dtype
        (lambda: _dask(np.array([[3, 7], [9, 12]], np.float32)), {}, [3.0, 12.0]),
    ],
)
def test_contrast_limits_range_follows_napari(
    viewer: napari_cuda.Viewer, make: Any, kwargs: Any, expected: Any
) -> None:
    state = viewer.add_image(make(), **kwargs)._wire()
    assert state["contrast_limits_range"] == expected
    lo, hi = state["contrast_limits"]
    assert expected[0] <= lo < hi <= expected[1]


def _dask(arr: np.ndarray) -> Any:
    da = pytest.importorskip("dask.array")
    return da.from_array(arr, chunks=1)


def test_units_and_range_from_an_ome_zarr_file(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    data = (np.arange(64 * 48, dtype=np.uint16).reshape(64, 48) * 7) % 5000
    path = write_ome(tmp_path / "units.ome.zarr", data, scale_factors=(2,))
    group = zarr.open_group(str(path), mode="r+")  # ome-zarr-py's writer drops axis units: add them
    ome = dict(group.attrs["ome"])
    ome["multiscales"][0]["axes"] = [{"name": a, "type": "space", "unit": "micrometer"} for a in "yx"]
    group.attrs["ome"] = ome
    state = viewer.add_image(str(path))._wire()
    assert state["units"] == ["micrometer", "micrometer"]
    assert state["contrast_limits_range"] == [0.0, 65535.0]  # a file of integers: the dtype's range
    assert json.loads(json.dumps(state)) == state  # the trait is plain JSON
