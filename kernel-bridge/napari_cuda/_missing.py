"""napari calls napari-cuda does not have yet: each raises NotImplementedError saying what exists.

A napari user's first `viewer.add_points(...)` should read as "not yet, here is what there is",
not as a bare AttributeError that looks like a broken install.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ._errors import public

AVAILABLE = (
    "available: viewer.add_image(...) (arrays, dask arrays, pyramids, OME-Zarr paths and URLs) "
    "viewer.add_labels(...) and viewer.add_points(...)"
)


def not_yet(what: str, planned: bool = False) -> NoReturn:
    """Raise the NotImplementedError for a missing napari feature."""
    when = " yet (planned)" if planned else ""
    raise NotImplementedError(f"napari-cuda has no {what}{when}; {AVAILABLE}. See the README.")


class NapariNotYet:
    """The rest of napari's Viewer API, each raising NotImplementedError that names what exists."""

    @public
    def add_shapes(self, *args: Any, **kwargs: Any) -> NoReturn:
        """napari's Shapes layers: not in napari-cuda."""
        not_yet("Shapes layers")

    @public
    def add_surface(self, *args: Any, **kwargs: Any) -> NoReturn:
        """napari's Surface layers: not in napari-cuda."""
        not_yet("Surface layers")

    @public
    def add_tracks(self, *args: Any, **kwargs: Any) -> NoReturn:
        """napari's Tracks layers: not in napari-cuda."""
        not_yet("Tracks layers")

    @public
    def add_vectors(self, *args: Any, **kwargs: Any) -> NoReturn:
        """napari's Vectors layers: not in napari-cuda."""
        not_yet("Vectors layers")

    @property
    def grid(self) -> NoReturn:
        """napari's grid mode (layers side by side): not in napari-cuda."""
        _grid()


@public
def _grid() -> NoReturn:
    not_yet("grid mode (viewer.grid)")
