"""Where a layer's pixels come from, and the control request that hands them to the daemon.

ArraySource: a small numpy array, sent as the bytes of one `set_layer_data` message.
ZarrSource: an OME-Zarr image (a user's path/URL, or a pyramid the bridge wrote in a scratch
directory) that the daemon opens with `open_layer` and reads chunk by chunk.
KernelSource: a lazy array (dask, zarr-python, h5py, xarray, ...) whose chunks the kernel computes
when the daemon asks for them (`open_kernel_layer`; served by the daemon's ChunkServer).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._chunk_server import process_server_id
from ._scratch import ScratchDir

if TYPE_CHECKING:
    from ._chunk_server import ChunkServer
    from ._daemon_process import DaemonProcess


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
            node = zarr.open(self.uri, mode="r")
            if isinstance(node, zarr.Array):  # a plain Zarr array: one level
                level0 = node
            else:
                attrs = dict(node.attrs)
                ome = attrs.get("ome", attrs)  # NGFF 0.5 nests it under "ome"; 0.4 keeps it at the top
                level0 = node[ome["multiscales"][0]["datasets"][0]["path"]]
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


def _level(lv: dict[str, Any]) -> Level:
    return Level(tuple(int(n) for n in lv["shape"]), tuple(int(n) for n in lv["chunks"]), tuple(lv["factors"]))


class KernelSource:
    """A lazy array computed in this kernel chunk by chunk (a LazyImage), opened with open_kernel_layer.

    `attach(daemon)` registers it with that daemon's chunk server (again for a restarted daemon);
    `close()` unregisters it.
    """

    kernel_written = False  # its axes, transform and names are the user's, as given

    def __init__(self, lazy: Any) -> None:
        self.lazy = lazy
        self.source_id = uuid.uuid4().hex
        self.levels = [_level(lv) for lv in lazy.levels]
        self.info: dict[str, Any] = {
            "dtype": np.dtype(lazy.dtype).name,
            "axes": [dict(a) for a in lazy.axes],
            "levels": [{k: list(lv[k]) for k in ("shape", "chunks", "factors")} for lv in lazy.levels],
            "scale": [float(v) for v in lazy.scale],
            "translate": [float(v) for v in lazy.translate],
            "contrast_range": [float(v) for v in lazy.contrast_range],
            "name": lazy.name,
        }
        self._server: ChunkServer | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<KernelSource {self.source_id} {self.lazy!r:.120}>"

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.info["dtype"])

    def attach(self, daemon: DaemonProcess) -> None:
        """Serve this source from `daemon`'s chunk server (before open_kernel_layer names it)."""
        if self._closed:
            raise RuntimeError(f"source {self.source_id} of layer {self.lazy.label!r} was closed")
        server = daemon.chunk_server
        if server is self._server:
            return
        if self._server is not None:
            self._server.unregister(self.source_id)
        server.register(self.source_id, self.lazy)
        self._server = server

    def request(self) -> tuple[str, dict[str, Any]]:
        lazy = self.lazy
        server_id = self._server.server_id if self._server is not None else process_server_id()
        return "open_kernel_layer", {
            "server_id": server_id,
            "source_id": self.source_id,
            "dtype": self.info["dtype"],
            "levels": [{k: list(lv[k]) for k in ("shape", "chunks", "factors", "offset")} for lv in lazy.levels],
            "axes": self.info["axes"],
            "scale": self.info["scale"],
            "translate": self.info["translate"],
            "name": self.info["name"],
            "contrast_range": self.info["contrast_range"],
        }

    def opened(self, result: Any) -> None:
        """Take open_kernel_layer's result (what was sent, as the daemon understood it)."""
        if not isinstance(result, dict) or not isinstance(result.get("levels"), list) or not result["levels"]:
            raise ValueError(f"open_kernel_layer returned no levels for layer {self.lazy.label!r}: {result!r:.300}")
        self.info = {**self.info, **result}
        self.levels = [_level(lv) for lv in result["levels"]]

    @property
    def data(self) -> Any:
        """What the user handed in (level 0: the dask array, zarr array, DataArray, ...)."""
        return self.lazy.data

    def close(self) -> None:
        """Stop serving the chunks (the layer is gone) and free the kernel's cached tiles. Idempotent."""
        if self._closed:
            return
        self._closed = True
        server, self._server = self._server, None
        if server is not None:
            server.unregister(self.source_id)
        close = getattr(self.lazy, "close", None)
        if close is not None:
            close()


Source = ArraySource | ZarrSource | KernelSource
