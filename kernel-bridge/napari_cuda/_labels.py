"""Labels layers (napari's): integer data drawn in napari's label colours, 0 transparent.

The data path is the Image layer's (inline arrays, scratch pyramids, lazy arrays, OME-Zarr files);
coarser levels that napari-cuda computes take every other pixel (nearest), never a mean, so every
level holds only labels that exist. Colours: napari's `label_colormap(num_colors, seed)` (see
napari_cuda._label_colors); the daemon draws them (src/daemon/render/label-palette.ts).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from . import _events
from . import _layer_props as props
from . import _validate as v
from ._arrays import inline_limit, is_location, location_uri
from ._errors import public
from ._label_colors import label_color, label_color_table
from ._label_edit import Edit, LabelEditor, PaintError, check_brush, check_label, patch_fields, stroke_centres
from ._label_store import Box, LabelStore, SaveError
from ._layers import Image
from ._protocol import MAX_CONTOUR
from ._sources import ArraySource, ZarrSource

# Image properties a Labels layer does not have (napari's Labels has none of them either).
_IMAGE_ONLY = (
    "contrast_limits",
    "contrast_limits_range",
    "gamma",
    "interpolation",
    "attenuation",
    "iso_threshold",
    "reset_contrast_limits",
)
MAX_TABLE_ROWS = 2**16


def _int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    out = int(value)
    if not lo <= out <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {out}")
    return out


def selected_label(value: Any) -> int:
    return _int("selected_label", value, -(2**53) + 1, 2**53 - 1)


def show_selected_label(value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"show_selected_label must be True or False, got {value!r}")
    return bool(value)


def contour(value: Any) -> int:
    return _int("contour", value, 0, MAX_CONTOUR)


def num_colors(value: Any) -> int:
    return _int("num_colors", value, 1, MAX_TABLE_ROWS - 1)


def seed(value: Any) -> float:
    return props.v.finite_float("seed", value)


# napari's Labels modes that napari-cuda has (napari also has pick, polygon, transform).
MODES = ("pan_zoom", "paint", "erase", "fill")


def mode(value: Any) -> str:
    name = str(getattr(value, "value", value))
    if name not in MODES:
        raise ValueError(f"a Labels layer's mode must be one of {', '.join(MODES)}, got {value!r}")
    return name


SETTERS = {
    "mode": mode,
    "brush_size": check_brush,
    "selected_label": selected_label,
    "show_selected_label": show_selected_label,
    "contour": contour,
    "num_colors": num_colors,
    "seed": seed,
}
# What a view may write back to a Labels layer.
VIEW_KEYS = (
    "name",
    "visible",
    "opacity",
    "blending",
    "selected_label",
    "show_selected_label",
    "contour",
    "mode",
    "brush_size",
)


class LabelsEvents(_events.LabelsEvents):
    """labels.events: napari's Labels events, with data (fires once per edit), mode and brush_size."""

    data = _events._signal()
    mode = _events._signal()
    brush_size = _events._signal()


def _label_prop(key: str, doc: str) -> property:
    def get(self: Labels) -> Any:
        return self._state[key]

    def set_(self: Labels, value: Any) -> None:
        self._set(**{key: value})

    return property(get, public(set_), doc=doc)


def _absent(name: str) -> property:
    def get(self: Labels) -> Any:
        raise AttributeError(f"a Labels layer has no {name!r} (napari's neither): it draws label colours")

    return property(get, doc=f"Not on Labels layers ({name} is an Image property).")


class Labels(Image):
    """A labels layer: integer data (segmentations) in napari's label colours, 0 transparent.

    napari's names: `selected_label`, `show_selected_label` (draw only the selected label),
    `contour` (> 0: outlines this many screen pixels wide), `opacity` (default 0.7), `blending`,
    `visible`, `num_colors` and `seed` (the colours: napari's label_colormap(num_colors, seed)),
    `get_color(label)`. Multiscale properties and events as Image layers.
    """

    selected_label = _label_prop("selected_label", "The label drawn alone when show_selected_label is set.")
    show_selected_label = _label_prop("show_selected_label", "Draw only selected_label.")
    contour = _label_prop("contour", "> 0: draw only outlines this many screen pixels wide; 0: filled.")
    num_colors = _label_prop("num_colors", "Colours of the cyclic table (napari's label_colormap; default 49).")
    seed = _label_prop("seed", "Seed of the colour sequence (napari's label_colormap; default 0.5).")
    mode = _label_prop("mode", "napari's mode: 'pan_zoom' (default), 'paint', 'erase' or 'fill' (views follow).")
    brush_size = _label_prop("brush_size", "Diameter of the paint brush in data pixels (napari's; default 10).")
    rendering = property(lambda self: "iso_categorical", doc="3D: the first label along each ray (napari's).")
    colormap = property(
        lambda self: label_color_table(self.num_colors, self.seed),
        doc="The colour table, (num_colors + 1, 4) uint8 RGBA (row 0 unused); set num_colors/seed.",
    )

    def __init__(self, layer_id: str, source: Any, state: dict[str, Any]) -> None:
        super().__init__(layer_id, source, state)
        self.events = LabelsEvents(self)
        self._view_keys = VIEW_KEYS
        self._setters = SETTERS
        self._editor = LabelEditor()
        # A file-backed layer, once painted: its store, the boxes edited since the last save.
        self._store: LabelStore | None = None
        self._unsaved: list[Box] = []
        self._write_through = False

    def __repr__(self) -> str:
        return f"<Labels layer {self.name!r} shape={self.shape} dtype={self.dtype}>"

    def get_color(self, label: Any) -> tuple[float, float, float, float] | None:
        """napari's: the RGBA colour (floats in [0, 1]) `label` is drawn with; None when it is not
        drawn (the background 0, or another label while show_selected_label is set)."""
        value = _int("label", label, -(2**63), 2**64 - 1)
        rgba = label_color(
            value,
            label_color_table(self.num_colors, self.seed),
            selected_label=self.selected_label,
            show_selected_label=self.show_selected_label,
        )
        return None if rgba[3] == 0 else tuple(c / 255 for c in rgba)  # type: ignore[return-value]

    # -- painting (napari's API; the views' edits come here too, through napari_cuda._annotate) --
    @public
    def paint(self, coord: Any, new_label: Any, refresh: bool = True) -> None:
        """napari's: paint a disc of `brush_size` data pixels with `new_label` centred at `coord`
        (data coordinates, all axes; the disc lies on the plane of the last two axes). One edit:
        undoable, patched into the view, `events.data` fires once."""
        self.paint_stroke([coord], new_label)

    @public
    def paint_stroke(self, coords: Any, new_label: Any) -> bool:
        """Paint discs along a stroke through `coords` (k data coordinates, napari's spacing of a
        quarter brush), as one edit. Returns whether any pixel changed."""
        data = self._paintable()
        pts = _coords(coords, self.ndim)
        label = check_label(new_label, data.dtype)
        lead = np.round(pts[:, :-2])
        if not (lead == lead[0]).all():
            raise PaintError("a stroke lies on one plane: every coordinate needs the same leading (sliced) axes")
        along = stroke_centres(pts[:, -2:], self.brush_size)
        full = np.concatenate([np.tile(lead[0], (len(along), 1)), along], axis=1)
        return self._commit(self._editor.paint(data, full, label, self.brush_size, self.scale))

    @public
    def fill(self, coord: Any, new_label: Any, refresh: bool = True) -> None:
        """napari's: replace the 4-connected region of the label at `coord` (data coordinates) on the
        plane of the last two axes with `new_label`. One edit, as paint."""
        data = self._paintable()
        label = check_label(new_label, data.dtype)
        self._commit(self._editor.fill(data, _coords([coord], self.ndim)[0], label))

    @public
    def undo(self) -> None:
        """napari's: take back the last edit (a stroke, a fill); nothing when there is none."""
        self._commit(self._editor.undo(self._paintable()))

    @public
    def redo(self) -> None:
        """napari's: apply the last undone edit again."""
        self._commit(self._editor.redo(self._paintable()))

    def _paintable(self) -> np.ndarray:
        """The layer's array to paint into; PaintError (a ValueError) for data that is not one.

        A layer read from a Zarr store (an OME-Zarr path, a scratch pyramid) is loaded once, its
        level 0 into the kernel and the daemon as one in-memory array, when it fits the inline
        budget; the store is written only by save() or with write_through."""
        if isinstance(self._source, ZarrSource):
            self._load_for_painting(self._source)
        if not isinstance(self._source, ArraySource):
            raise PaintError(
                f"painting needs labels in memory or in a Zarr store; layer {self.name!r} holds "
                f"{type(self.data).__name__} data computed in the kernel (dask, h5py, ...): "
                "add_labels(np.asarray(data)) to paint a copy"
            )
        array = self._source.array
        if not array.flags.writeable:
            raise PaintError(f"layer {self.name!r}: the labels array is read-only; pass a writable copy")
        return array

    def _load_for_painting(self, source: ZarrSource) -> None:
        if source.select:
            raise PaintError(f"layer {self.name!r} is one channel of a file: paint a copy, add_labels(np.asarray(...))")
        shape = self.shape
        nbytes = int(np.prod(shape, dtype=np.int64)) * source.dtype.itemsize
        limit = inline_limit()
        if nbytes > limit:
            raise PaintError(
                f"layer {self.name!r}: painting loads level 0 ({nbytes / 2**20:.0f} MiB, shape {shape}) into "
                f"memory, over the inline budget of {limit / 2**20:.0f} MiB (NAPARI_CUDA_INLINE_BYTES); raise it, "
                "or paint a crop: add_labels(np.asarray(layer.data[...]))"
            )
        array = v.coerce_data(np.asarray(source.data))  # the file's level 0, read once
        if not (array.flags.owndata and array.flags.writeable):
            array = array.copy()  # a view of the kernel's own (read-only) array: paint a copy
        loaded = ArraySource(array)
        viewer = self._viewer()
        if viewer is not None:
            viewer._link.upload_source(self._id, loaded)  # replaces the dataset in the daemon
        self._store = None if source.kernel_written else LabelStore(source.uri)
        self._source = loaded
        self._data_level = 0
        self._state = {**self._state, "locked_data_level": None}  # one level now
        source.close()

    @property
    def write_through(self) -> bool:
        """A layer read from a Zarr store: True writes each edit (paint, fill, undo) to the store at
        once; False (default) keeps edits in memory until save()."""
        return self._write_through

    @write_through.setter
    @public
    def write_through(self, value: Any) -> None:
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"write_through must be True or False, got {value!r}")
        if value and self._store_uri() is None:
            raise ValueError(f"layer {self.name!r} was not read from a Zarr store: nothing to write through to")
        self._write_through = bool(value)
        if self._write_through:
            self.save()

    @property
    def unsaved(self) -> bool:
        """True while edits of a file-backed layer are not in its store yet (see save())."""
        return bool(self._unsaved)

    @public
    def save(self, path: Any = None) -> list[str]:
        """Write the edits since the last save back to the Zarr store the layer was read from: level 0
        and, in the edited boxes, every coarser level (nearest: the level-0 pixel at each pixel's
        centre). Returns [the store's location] as napari's save does. `path`, if given, must name
        that store. Raises ValueError for a layer without a store; nothing is lost when writing
        fails (the edits stay in memory and unsaved)."""
        uri = self._store_uri()
        if uri is None:
            raise ValueError(
                f"layer {self.name!r} holds an array from the kernel, not a Zarr store; write layer.data "
                "with zarr or ome-zarr-py"
            )
        if path is not None and (not is_location(path) or location_uri(path).rstrip("/") != uri.rstrip("/")):
            raise ValueError(f"save writes back to {uri}; to write elsewhere use ome-zarr-py with layer.data")
        if self._store is not None and self._unsaved:
            try:
                self._store.write(self._source.array, self._unsaved)
            except SaveError as exc:
                raise PaintError(f"layer {self.name!r}: {exc}; the edits are kept in memory (layer.data)") from exc
            self._unsaved = []
            if self._owner is not None:
                self._owner._layer_changed()  # the views' store row: saved
        return [uri]

    def _wire(self) -> dict[str, Any]:
        """The layer trait, plus for labels read from a Zarr store its location and whether edits
        are unsaved (the views show it; the daemon ignores both)."""
        wire = super()._wire()
        uri = self._store_uri()
        if uri is not None:
            wire["store"] = _shown_location(uri)
            wire["unsaved"] = bool(self._unsaved)
        return wire

    def _store_uri(self) -> str | None:
        if self._store is not None:
            return self._store.uri
        source = self._source
        if isinstance(source, ZarrSource) and not source.kernel_written and not source.select:
            return source.uri
        return None

    def _commit(self, edit: Edit | None) -> bool:
        """Patch the changed box into the daemon, then bump `data_version` (each view sends its state
        again under a new seq, so the first frame with that seq shows the edit), then fire data."""
        if edit is None:
            return False
        viewer = self._viewer()
        if viewer is not None:
            fields = patch_fields(self._source.array, edit.box)
            viewer._link.request("patch_layer_data", viewer_id=viewer._link.viewer_id, layer_id=self._id, **fields)
        self._state = {**self._state, "data_version": int(self._state.get("data_version", 0)) + 1}
        if self._store is not None:
            self._unsaved.append(edit.box)
        if self._owner is not None:
            self._owner._layer_changed()
        _events.fire(self.events, ["data"], self)
        if self._store is not None and self._write_through:
            self.save()
        return True


def _shown_location(uri: str) -> str:
    """A store's location as the views may show it (widget state can be saved in the notebook): a URL
    without user, password, query or fragment, where signed URLs and tokens live."""
    if "://" not in uri:
        return uri
    parts = urlsplit(uri)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _coords(value: Any, ndim: int) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise PaintError(f"coordinates must be numbers, got {value!r}") from None
    if arr.ndim != 2 or arr.shape[1] != ndim or len(arr) == 0:
        raise PaintError(f"a coordinate has {ndim} values (the layer's ndim), got {value!r:.80}")
    if not np.isfinite(arr).all():
        raise PaintError("coordinates must be finite")
    return arr


for _name in _IMAGE_ONLY:
    setattr(Labels, _name, _absent(_name))


def label_fields(p: dict[str, Any]) -> dict[str, Any]:
    """The LayerState entries of a new labels layer from add_labels keywords (validated)."""
    return {
        "kind": "labels",
        "num_colors": num_colors(49 if p.get("num_colors") is None else p["num_colors"]),
        "seed": seed(0.5 if p.get("seed") is None else p["seed"]),
        "selected_label": 1,
        "show_selected_label": False,
        "contour": 0,
        "mode": "pan_zoom",
        "brush_size": 10.0,
        "data_version": 0,
    }


def check_label_dtype(dtype: Any) -> None:
    """Labels hold integers: ValueError for anything else (bool counts as 0/1)."""
    dt = np.dtype(dtype)
    if dt.kind not in "iub":
        raise ValueError(f"labels data must be integers (or bool), got dtype {dt}; round or cast it first")


def check_plan_dtype(plan: Any) -> None:
    """Reject non-integer labels before anything is written or sent (a file's dtype is checked
    once the daemon has opened it)."""
    if plan.kind in ("inline", "pyramid"):
        check_label_dtype(plan.arrays[0].dtype)
    elif plan.kind == "kernel" and plan.lazy is not None:
        check_label_dtype(plan.lazy.levels[0].dtype)
