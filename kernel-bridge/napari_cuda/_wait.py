"""Viewer actions that build on the rest: wait_for_view's wait and its messages, viewer.open."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from ._pump import in_kernel, pump_until

# Files napari opens with reader plugins; napari-cuda reads OME-Zarr only.
OTHER_IMAGE_SUFFIXES = frozenset(
    {".tif", ".tiff", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".czi", ".nd2", ".lif", ".lsm", ".ims", ".h5", ".npy"}
)


def _streaming(info: Any) -> bool:
    if not isinstance(info, dict):
        return False
    frames = info.get("frames")
    return (
        info.get("status") == "streaming"
        and isinstance(frames, int | float)
        and not isinstance(frames, bool)
        and frames >= 1
    )


def _status_text(info: dict[str, Any]) -> str:
    status = info.get("status") or "unknown"
    error = info.get("error")
    frames = info.get("frames")
    text = f"status {status!r}"
    if isinstance(frames, int | float):
        text += f", {int(frames)} frames"
    if isinstance(error, str) and error:
        text += f", error: {error}"
    return text


def timeout_text(viewer: Any, timeout: float) -> str:
    """Why wait_for_view gave up: no view at all, or a view that showed no frame (and its status)."""
    info = viewer.stream_info
    if not viewer._view_seen and not info:
        return (
            f"no view of this viewer was displayed within {timeout:g} s: show it first (`viewer` as "
            "the last line of a cell, or display(viewer)), then wait_for_view()"
        )
    if not info:
        return f"a view of this viewer connected but reported no stream within {timeout:g} s"
    return f"a view of this viewer is displayed but showed no frame within {timeout:g} s ({_status_text(info)})"


def wait_for_frames(viewer: Any, timeout: Any) -> None:
    """viewer.wait_for_view: until stream_info says streaming with frames >= 1."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not math.isfinite(timeout) or timeout < 0:
        raise ValueError(f"timeout must be a finite number of seconds >= 0, got {timeout!r}")
    if viewer._link.closed:
        raise RuntimeError("this napari_cuda.Viewer is closed")
    if _streaming(viewer.stream_info):
        return
    if not in_kernel():
        raise RuntimeError(
            "wait_for_view needs a Jupyter kernel: no view can be displayed here (viewer.screenshot() works anywhere)"
        )

    def done() -> bool:
        info = viewer.stream_info
        if isinstance(info, dict) and info.get("status") == "unsupported":  # this browser never will
            raise RuntimeError(f"the view cannot show this viewer ({_status_text(info)})")
        return _streaming(info)

    if not pump_until(done, float(timeout)):
        raise TimeoutError(timeout_text(viewer, float(timeout)))


def _is_url(text: str) -> bool:
    return "://" in text


def open_paths(
    viewer: Any, path: Any, *, stack: bool, plugin: str | None, layer_type: str | None, kwargs: dict[str, Any]
) -> list[Any]:
    """viewer.open: add_image for each OME-Zarr path or URL (layer_type "labels": add_labels), and
    as napari-ome-zarr does, a local image's `labels/` group as Labels layers; the new layers."""
    if stack:
        raise NotImplementedError("napari-cuda's viewer.open has no stack=True: stack the arrays and use add_image")
    if layer_type not in (None, "image", "labels"):
        raise NotImplementedError(f"napari-cuda opens image and labels layers only, got layer_type={layer_type!r}")
    if plugin not in (None, "napari-ome-zarr"):
        raise NotImplementedError(f"napari-cuda has no reader plugins (plugin={plugin!r}); it reads OME-Zarr itself")
    paths = [path] if isinstance(path, str | os.PathLike) else path
    if not isinstance(paths, list | tuple) or not paths:
        raise TypeError(f"path must be a path or URL string, or a list of them, got {path!r}")
    for p in paths:
        if not isinstance(p, str | os.PathLike):
            raise TypeError(f"path must be a path or URL string, got {p!r}")
        text = os.fspath(p)
        local = Path(text) if not _is_url(text) else None
        if local is not None and (local.is_file() or local.suffix.lower() in OTHER_IMAGE_SUFFIXES):
            raise NotImplementedError(
                f"napari-cuda reads OME-Zarr images only, not {text!r}: load it into an array "
                "(e.g. with tifffile or imageio) and use viewer.add_image(array)"
            )
    layers: list[Any] = []
    for p in paths:
        if layer_type == "labels":
            layers.append(viewer.add_labels(p, **kwargs))
            continue
        added = viewer.add_image(p, **kwargs)
        layers.extend(added if isinstance(added, list) else [added])
        if layer_type is None:
            layers.extend(viewer.add_labels(f"{os.fspath(p).rstrip('/')}/labels/{name}") for name in label_names(p))
    return layers


def label_names(path: Any) -> list[str]:
    """The label images an OME-Zarr image lists in its `labels/` group (NGFF 0.4 `.zattrs` or 0.5
    `zarr.json` attributes); local paths only, [] when there are none."""
    text = os.fspath(path)
    if _is_url(text) and not text.startswith("file://"):
        return []
    group = Path(text.removeprefix("file://")) / "labels"
    for meta in (group / "zarr.json", group / ".zattrs"):
        try:
            attrs = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        attrs = attrs.get("attributes", attrs) if meta.name == "zarr.json" else attrs
        names = attrs.get("ome", attrs).get("labels") if isinstance(attrs, dict) else None
        if isinstance(names, list):
            return [n for n in names if isinstance(n, str) and n and "/" not in n and n not in (".", "..")]
    return []
