"""The Viewer widget: napari-like API in the kernel, rendered by the daemon, shown by the view."""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any

import ipywidgets
import numpy as np
from traitlets import Bunch, Dict, Instance, Int, TraitError, Unicode, default, validate

from . import _validate as v
from ._camera import Camera, fit_camera
from ._control import DaemonError
from ._dims import Dims
from ._layers import Image, LayerList
from ._link import DaemonLink
from ._protocol import CANVAS_MAX, CANVAS_MIN, CONTROL_MAX_MESSAGE_BYTES, MAX_LAYERS
from ._version import __version__

log = logging.getLogger("napari_cuda")

DEFAULT_WIDTH = 800  # CSS px assumed for a viewer that follows its output area but was never shown


def _max_data_bytes() -> int:
    """The daemon's limit for one layer's bytes (its NAPARI_CUDA_MAX_DATA_BYTES, else the default)."""
    try:
        return int(os.environ.get("NAPARI_CUDA_MAX_DATA_BYTES", CONTROL_MAX_MESSAGE_BYTES))
    except ValueError:
        return CONTROL_MAX_MESSAGE_BYTES


def _to_json(component: Any, _widget: Any) -> Any:
    return component._wire()


def _from_json(name: str) -> Any:
    """from_json for a component trait: update the existing object in place and keep it."""

    def apply(value: Any, widget: Viewer) -> Any:
        component = getattr(widget, name)
        try:
            component._apply_wire(value)
        except (ValueError, NotImplementedError) as exc:
            log.warning("napari-cuda: ignored %s from a view: %s", name, exc)
            widget._resend.add(name)
        return component

    return apply


def _component(klass: type, name: str) -> Instance:
    return Instance(klass, read_only=True).tag(sync=True, to_json=_to_json, from_json=_from_json(name))


class Viewer(ipywidgets.DOMWidget):
    """A napari-style image viewer; its pixels are rendered by the napari-cuda daemon and streamed.

    `viewer.camera`, `viewer.dims` and `viewer.layers` follow napari's API; `viewer` as the
    last line of a cell displays it. `screenshot()` works without any browser.
    """

    _model_name = Unicode("ViewerModel").tag(sync=True)
    _view_name = Unicode("ViewerView").tag(sync=True)
    _model_module = Unicode("napari-cuda").tag(sync=True)
    _view_module = Unicode("napari-cuda").tag(sync=True)
    _model_module_version = Unicode(__version__).tag(sync=True)
    _view_module_version = Unicode(__version__).tag(sync=True)

    camera = _component(Camera, "camera")
    dims = _component(Dims, "dims")
    layers = _component(LayerList, "layers")
    width = Int(None, allow_none=True, help="CSS px; None follows the output area").tag(sync=True)
    height = Int(600, help="CSS px").tag(sync=True)
    canvas = Dict(help="written by the view: device px of its canvas").tag(sync=True)
    stream_info = Dict(help="written by the view: stream status").tag(sync=True)

    def __init__(self, *, width: int | None = None, height: int = 600, **kwargs: Any) -> None:
        self._resend: set[str] = set()
        super().__init__(width=width, height=height, **kwargs)
        # The comm id names this viewer in the daemon (kept: model_id fails after close()).
        self._link = DaemonLink(self.model_id, lambda: list(self.layers), self.send)
        self.on_msg(self._on_view_msg)

    def __repr__(self) -> str:
        return f"<napari_cuda.Viewer layers={[layer.name for layer in self.layers]}>"

    @default("camera")
    def _default_camera(self) -> Camera:
        return Camera(lambda old: self._changed("camera", old))

    @default("dims")
    def _default_dims(self) -> Dims:
        return Dims(lambda old: self._changed("dims", old))

    @default("layers")
    def _default_layers(self) -> LayerList:
        return LayerList(lambda old: self._changed("layers", old), self._layers_removed)

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
        self.notify_change(Bunch(name=name, old=old, new=new, owner=self, type="change"))

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply state from a view; invalid values are answered with the kernel's state."""
        super().set_state(sync_data)
        resend, self._resend = self._resend, set()
        for name in resend:
            self.send_state(name)

    def _layers_removed(self, layers: list[Image]) -> None:
        with self.hold_sync():
            self.dims._set_shapes([layer.shape for layer in self.layers], first_layer=False)
        self._link.remove(layers)

    def _on_view_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "connect":
            self._link.answer_connect()

    # -- public API -------------------------------------------------------------------------
    def add_image(
        self,
        data: Any,
        *,
        name: str | None = None,
        colormap: str = "gray",
        contrast_limits: Any = None,
        gamma: float = 1.0,
        opacity: float = 1.0,
        visible: bool = True,
        interpolation: str = "nearest",
        blending: str = "translucent",
        scale: Any = None,
        translate: Any = None,
    ) -> Image:
        """Add an image layer (numpy array or array-like, ndim >= 2, last two axes (y, x)).

        dtypes: uint8, int8, uint16, int16, uint32, int32, float32, float64; bool becomes uint8,
        float16 float32, int64/uint64 int32/uint32 when the values fit, else float64.
        contrast_limits default to the data's finite (min, max). The first layer resets the view.
        """
        arr = v.coerce_data(data)
        limit = _max_data_bytes()
        if arr.nbytes > limit:
            raise ValueError(
                f"image data is {arr.nbytes / 2**30:.2f} GiB; the daemon accepts at most "
                f"{limit / 2**30:.2f} GiB per layer (NAPARI_CUDA_MAX_DATA_BYTES)"
            )
        if len(self.layers) >= MAX_LAYERS:
            raise ValueError(f"a viewer holds at most {MAX_LAYERS} layers")
        limits = v.default_contrast_limits(arr) if contrast_limits is None else contrast_limits
        state = {
            "id": "l" + secrets.token_hex(8),
            "name": self.layers._unique_name(v.name("Image" if name is None else name)),
            "visible": v.visible(visible),
            "opacity": v.opacity(opacity),
            "colormap": v.colormap(colormap),
            "contrast_limits": v.contrast_limits(limits),
            "gamma": v.gamma(gamma),
            "interpolation": v.interpolation(interpolation),
            "blending": v.blending(blending),
            "scale": v.scale([1.0] * arr.ndim if scale is None else scale, arr.ndim),
            "translate": v.translate([0.0] * arr.ndim if translate is None else translate, arr.ndim),
        }
        layer = Image(state["id"], arr, state)
        first = len(self.layers) == 0
        self._link.upload(layer)
        with self.hold_sync():
            self.layers._append(layer)
            self.dims._set_shapes([lyr.shape for lyr in self.layers], first)
            if first:
                self.reset_view()
        return layer

    def reset_view(self, margin: float = 0.05) -> None:
        """Centre the camera on all layers and zoom so they fit the canvas."""
        boxes = []
        for layer in self.layers:
            (sy, sx), (ty, tx) = layer.scale[-2:], layer.translate[-2:]
            ny, nx = layer.shape[-2:]
            boxes.append((ty - 0.5 * sy, tx - 0.5 * sx, ty + (ny - 0.5) * sy, tx + (nx - 0.5) * sx))
        if not boxes:
            self.camera.update(center=[0.0, 0.0], zoom=1.0)
            return
        lo = (min(b[0] for b in boxes), min(b[1] for b in boxes))
        hi = (max(b[2] for b in boxes), max(b[3] for b in boxes))
        c = self._canvas()
        css = (c["width"] / c["pixel_ratio"], c["height"] / c["pixel_ratio"])
        center, zoom = fit_camera(list(self.camera.center), css, lo, hi, margin)
        self.camera.update(center=center, zoom=zoom)

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
        return np.frombuffer(bytearray(pixels), dtype=np.uint8).reshape(h, w, 4)

    def info(self) -> dict[str, Any]:
        """Daemon facts (version, backend, encoder, ffmpeg, pid, ...) plus what the view reports."""
        out = dict(self._link.request("info"))
        daemon = self._link.ensure()
        out["port"] = daemon.port
        out["log_file"] = str(daemon.log_path)
        out["viewer_id"] = self._link.viewer_id
        out["stream_info"] = dict(self.stream_info)
        return out

    def close(self) -> None:
        """Close the widget and free this viewer's data in the daemon."""
        link = getattr(self, "_link", None)  # absent if __init__ failed
        if link is not None:
            link.close()
        super().close()
