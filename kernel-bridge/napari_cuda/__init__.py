"""napari-cuda: a napari-style Jupyter viewer rendered by a local daemon, streamed as H.264.

The public names load on first use (PEP 562), so the Jupyter server, which imports this package
only for its server extension, does not load numpy, ipywidgets and the viewer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._colormaps import available_colormaps
    from ._control import DaemonError, DataSourceError
    from ._labels import Labels
    from ._layer_list import LayerList
    from ._layers import Image
    from ._points import Points
    from ._protocol import BLENDINGS, COLORMAPS, INTERPOLATIONS, RENDERINGS
    from .viewer import Viewer

_LAZY = {
    "available_colormaps": "._colormaps",
    "BLENDINGS": "._protocol",
    "COLORMAPS": "._protocol",
    "INTERPOLATIONS": "._protocol",
    "RENDERINGS": "._protocol",
    "DaemonError": "._control",
    "DataSourceError": "._control",
    "Image": "._layers",
    "Labels": "._labels",
    "LayerList": "._layer_list",
    "Points": "._points",
    "Viewer": ".viewer",
}

__all__ = [
    "available_colormaps",
    "BLENDINGS",
    "COLORMAPS",
    "INTERPOLATIONS",
    "RENDERINGS",
    "DaemonError",
    "DataSourceError",
    "Image",
    "Labels",
    "LayerList",
    "Points",
    "Viewer",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'napari_cuda' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The Jupyter server extension that tunes proxied and comm-relayed view streams (``_proxy_nodelay``)."""
    return [{"module": "napari_cuda._proxy_nodelay"}]
