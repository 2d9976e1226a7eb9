"""The wheel's tag tells the truth: platform code (the native GPU addon) makes a manylinux wheel.

Each wheel is built from a copy of kernel-bridge/ (its own pyproject.toml and build hook), once without
the addon and once with it: the real addon where scripts/build-native.mjs built one, else a stand-in
shared library compiled here, so both cases run with or without nvcc.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from nc_support import BRIDGE, REPO
from packaging.tags import sys_tags

ADDON = "napari_cuda/_daemon/native/build/napari_cuda_gpu.node"
BUILT_ADDON = REPO / "native/build/napari_cuda_gpu.node"


def build_wheel(tmp: Path, addon: Path | None) -> Path:
    """Build the wheel from a copy of kernel-bridge (beside links to ../labextension, ../jupyter-config)."""
    for needed in (REPO / "labextension/package.json", BRIDGE / "napari_cuda/_daemon/daemon.js"):
        if not needed.is_file():
            pytest.fail(f"{needed} is missing: run `npm run build` first")
    for shared in ("labextension", "jupyter-config"):
        (tmp / shared).symlink_to(REPO / shared, target_is_directory=True)
    project = tmp / "kernel-bridge"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", "*.node")
    shutil.copytree(BRIDGE, project, ignore=skip)
    if addon is not None:
        (project / ADDON).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(addon, project / ADDON)
    out = tmp / "dist"
    # The npm build already ran (checked above); the jupyter-builder hook must not run npm here.
    env = {**os.environ, "SKIP_JUPYTER_BUILDER": "1"}
    code = "import sys; from hatchling.build import build_wheel; print(build_wheel(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(out)], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


def wheel_file(wheel: Path) -> str:
    """The WHEEL metadata file of `wheel`."""
    with zipfile.ZipFile(wheel) as z:
        return z.read("napari_cuda-0.1.0.dist-info/WHEEL").decode()


@pytest.fixture(scope="module")
def addon(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built addon, else a stand-in: a shared library needing only glibc (as the real one)."""
    if BUILT_ADDON.is_file():
        return BUILT_ADDON
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no native addon built and no C compiler for a stand-in")
    src = tmp_path_factory.mktemp("standin") / "standin.c"
    src.write_text("#include <pthread.h>\nint napi_register_module_v1(void) { return (int)pthread_self(); }\n")
    lib = src.with_suffix(".node")
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True, timeout=120)
    return lib


def test_without_the_addon_the_wheel_is_pure_python(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, None)
    assert wheel.name == "napari_cuda-0.1.0-py3-none-any.whl"
    meta = wheel_file(wheel)
    assert "Root-Is-Purelib: true" in meta and "Tag: py3-none-any" in meta
    with zipfile.ZipFile(wheel) as z:
        assert not [n for n in z.namelist() if n.endswith(".node")]


def test_with_the_addon_the_wheel_is_manylinux_for_the_glibc_it_needs(tmp_path: Path, addon: Path) -> None:
    wheel = build_wheel(tmp_path, addon)
    # The newest glibc symbol version named in the addon's dynamic string table (not the hook's ELF reader).
    minors = [int(m) for m in re.findall(rb"GLIBC_2\.(\d+)", addon.read_bytes())]
    tag = f"py3-none-manylinux_2_{max([17, *minors])}_x86_64"
    assert wheel.name == f"napari_cuda-0.1.0-{tag}.whl"
    meta = wheel_file(wheel)
    assert "Root-Is-Purelib: false" in meta and f"Tag: {tag}" in meta
    with zipfile.ZipFile(wheel) as z:
        assert z.read(ADDON) == addon.read_bytes()
    # This machine's pip would install it (the glibc it needs is here).
    assert tag in {str(t) for t in sys_tags()}


@pytest.mark.skipif(not BUILT_ADDON.is_file(), reason="native addon not built (no nvcc here)")
def test_the_built_addon_needs_nothing_from_the_cuda_toolkit() -> None:
    sys.path.insert(0, str(BRIDGE))
    try:
        from hatch_build import SYSTEM_LIBS, read_dynamic
    finally:
        sys.path.remove(str(BRIDGE))
    arch, needed, versions = read_dynamic(BUILT_ADDON.read_bytes())
    assert arch == "x86_64"
    # libcuda.so.1 (driver) and libEGL.so.1 (glvnd) are dlopened; cudart and libstdc++ are linked in.
    assert set(needed) <= SYSTEM_LIBS, needed
    assert not [v for v in versions if v.startswith(("GLIBCXX_", "CXXABI_"))], versions
    ldd = shutil.which("ldd")
    if ldd:
        resolved = subprocess.run([ldd, str(BUILT_ADDON)], capture_output=True, text=True, timeout=30).stdout
        assert not re.search(r"cuda|nvrtc|libstdc\+\+", resolved), resolved
