"""The Python package, its widget module version and package.json agree."""

from __future__ import annotations

import json

import tomllib
from nc_support import BRIDGE, REPO

import napari_cuda


def test_version_matches_package_json() -> None:
    package = json.loads((REPO / "package.json").read_text())
    assert napari_cuda.__version__ == package["version"]


def test_version_matches_pyproject() -> None:
    pyproject = tomllib.loads((BRIDGE / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == napari_cuda.__version__
    assert pyproject["project"]["name"] == "napari-cuda"


def test_widget_module_names() -> None:
    traits = napari_cuda.Viewer.class_traits()
    assert traits["_model_module"].default_value == "napari-cuda"
    assert traits["_view_module"].default_value == "napari-cuda"
    assert traits["_model_name"].default_value == "ViewerModel"
    assert traits["_view_name"].default_value == "ViewerView"
    assert traits["_model_module_version"].default_value == napari_cuda.__version__
    assert traits["_view_module_version"].default_value == napari_cuda.__version__
