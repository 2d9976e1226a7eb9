"""node and ffmpeg are never taken from the kernel's working directory (a shared project folder)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import imageio_ffmpeg  # the real one, before a test puts a planted one first on sys.path
import pytest

from napari_cuda._launch import child_env, find_node, imageio_ffmpeg_exe, which


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
    with pytest.raises(RuntimeError, match="no `node` on PATH"):
        find_node()
    ffmpeg = child_env().get("NAPARI_CUDA_FFMPEG")
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
