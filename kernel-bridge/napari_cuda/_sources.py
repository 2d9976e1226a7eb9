"""Where a layer's pixels come from, and the control request that hands them to the daemon.

ArraySource: a small numpy array, sent as the bytes of one `set_layer_data` message.
ZarrSource: an OME-Zarr image (a user's path/URL, or a pyramid the bridge wrote in a scratch
directory) that the daemon opens with `open_layer` and reads chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._scratch import ScratchDir


@dataclass(frozen=True)
class Level:
    """One pyramid level: shape, chunk shape, downsample factors vs level 0 (all axes)."""

    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    factors: tuple[float, ...]


class ArraySource:
    """A numpy array held in the kernel and sent whole (exact bytes, one level)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.levels = [Level(array.shape, array.shape, (1.0,) * array.ndim)]

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    def request(self) -> tuple[str, dict[str, Any]]:
        """The control op and its fields (without viewer_id / layer_id)."""
        return "set_layer_data", {
            "dtype": self.array.dtype.name,
            "shape": list(self.array.shape),
            "nbytes": int(self.array.nbytes),
            "payload": memoryview(self.array).cast("B"),  # no copy: the array's own buffer
        }

    def opened(self, _result: Any) -> None:
        """Nothing to learn from set_layer_data's reply."""

    @property
    def data(self) -> np.ndarray:
        view = self.array.view()
        view.flags.writeable = False
        return view

    def close(self) -> None:
        """Nothing to free (the array belongs to the kernel)."""


class ZarrSource:
    """An OME-Zarr image the daemon opens (`uri`, with `select` fixing e.g. the channel axis).

    `scratch`: the private directory the bridge wrote it to (released on close); `array`: the
    kernel's own level-0 array when there is one (what `layer.data` returns).
    """

    def __init__(
        self,
        uri: str,
        select: list[dict[str, int]] | None = None,
        *,
        scratch: ScratchDir | None = None,
        array: Any = None,
    ) -> None:
        self.uri = uri
        self.select = list(select or [])
        self.scratch = scratch.acquire() if scratch is not None else None
        # Written by the bridge (its metadata carries no user scale/axes) rather than the user's file.
        self.kernel_written = scratch is not None
        self.array = array
        self.info: dict[str, Any] = {}
        self.levels: list[Level] = []

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.info["dtype"])

    def request(self) -> tuple[str, dict[str, Any]]:
        return "open_layer", {"uri": self.uri, "select": [dict(s) for s in self.select]}

    def opened(self, result: Any) -> None:
        """Take open_layer's result (dtype, axes, levels, transform, contrast range, names)."""
        if not isinstance(result, dict) or not isinstance(result.get("levels"), list) or not result["levels"]:
            raise ValueError(f"open_layer returned no levels for {self.uri}: {result!r:.300}")
        self.info = result
        self.levels = [
            Level(tuple(int(n) for n in lv["shape"]), tuple(int(n) for n in lv["chunks"]), tuple(lv["factors"]))
            for lv in result["levels"]
        ]

    @property
    def data(self) -> Any:
        """Level 0, lazily: the kernel's array, else the zarr array (a dask view when axes are selected).

        Opened with zarr-python in the kernel on first access (http(s) needs fsspec and aiohttp).
        """
        if self.array is None:
            self.array = self._open_level0()
        return self.array

    def _open_level0(self) -> Any:
        import zarr

        try:
            group = zarr.open_group(self.uri, mode="r")
            attrs = dict(group.attrs)
            ome = attrs.get("ome", attrs)  # NGFF 0.5 nests it under "ome"; 0.4 keeps it at the top
            level0 = group[ome["multiscales"][0]["datasets"][0]["path"]]
        except Exception as exc:
            raise ValueError(f"cannot open level 0 of {self.uri} in the kernel: {exc}") from exc
        if not self.select:
            return level0
        import dask.array as da

        index: list[Any] = [slice(None)] * level0.ndim
        for s in self.select:
            index[s["axis"]] = s["index"]
        return da.from_zarr(level0)[tuple(index)]

    def close(self) -> None:
        """Release the scratch directory (deleted with its last layer). Idempotent."""
        scratch, self.scratch = self.scratch, None
        if scratch is not None:
            scratch.release()


Source = ArraySource | ZarrSource
