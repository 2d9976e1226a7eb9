"""napari-cuda: a napari-style Jupyter viewer rendered by a local daemon, streamed as H.264."""

from ._control import DaemonError, DataSourceError
from ._layer_list import LayerList
from ._layers import Image
from ._protocol import BLENDINGS, COLORMAPS, INTERPOLATIONS, RENDERINGS
from ._version import __version__
from .viewer import Viewer

__all__ = [
    "BLENDINGS",
    "COLORMAPS",
    "INTERPOLATIONS",
    "RENDERINGS",
    "DaemonError",
    "DataSourceError",
    "Image",
    "LayerList",
    "Viewer",
    "__version__",
]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The Jupyter server extension that tunes proxied view streams (see ``_proxy_nodelay``)."""
    return [{"module": "napari_cuda._proxy_nodelay"}]
