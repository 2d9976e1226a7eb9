"""napari-cuda: a napari-style Jupyter viewer rendered by a local daemon, streamed as H.264."""

from ._control import DaemonError
from ._layers import Image, LayerList
from ._protocol import BLENDINGS, COLORMAPS, INTERPOLATIONS
from ._version import __version__
from .viewer import Viewer

__all__ = [
    "BLENDINGS",
    "COLORMAPS",
    "INTERPOLATIONS",
    "DaemonError",
    "Image",
    "LayerList",
    "Viewer",
    "__version__",
]
