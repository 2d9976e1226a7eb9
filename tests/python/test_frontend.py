"""Which widget code a Viewer's model names (napari_cuda._frontend): the extension, or the ES module."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

import napari_cuda
from napari_cuda import _frontend


def test_auto_is_the_extension_in_jupyter_and_the_es_module_in_vs_code_and_colab() -> None:
    assert _frontend.choose({}, {}).mode == "extension"
    vscode = _frontend.choose({"VSCODE_PID": "4242"}, {})
    assert vscode.mode == "esm" and "VS Code" in vscode.reason
    colab = _frontend.choose({}, {"google.colab": types.ModuleType("google.colab")})
    assert colab.mode == "esm" and "Colab" in colab.reason
    assert _frontend.choose({"NAPARI_CUDA_FRONTEND": " Auto "}, {}).mode == "extension"


def test_the_variable_forces_a_choice_and_a_bad_value_is_named() -> None:
    forced = _frontend.choose({"NAPARI_CUDA_FRONTEND": "extension", "VSCODE_PID": "1"}, {})
    assert forced == _frontend.Frontend("extension", "NAPARI_CUDA_FRONTEND=extension")
    assert _frontend.choose({"NAPARI_CUDA_FRONTEND": "ESM"}, {}).mode == "esm"
    with pytest.raises(ValueError, match=r"NAPARI_CUDA_FRONTEND must be one of auto, extension, esm, got 'cdn'"):
        _frontend.choose({"NAPARI_CUDA_FRONTEND": "cdn"}, {})


def test_the_es_module_is_built_into_the_package_and_exports_a_render(tmp_path: Path) -> None:
    source = _frontend.esm_source()
    assert len(source) > 10_000
    module = tmp_path / "widget.mjs"
    module.write_text(source)
    code = "const m = await import(process.argv[1]); console.log(typeof m.default.render, typeof m.render)"
    node = subprocess.run(
        ["node", "--input-type=module", "-e", code, module.as_uri()], capture_output=True, text=True, timeout=60
    )
    assert node.returncode == 0, node.stderr
    # anywidget takes a module with a named render down its deprecated route (with a warning).
    assert node.stdout.split() == ["function", "undefined"], "only the default export's render"


def test_the_model_names_anywidgets_code_at_its_installed_version() -> None:
    anywidget = pytest.importorskip("anywidget")
    state = _frontend.esm_model_state()
    expected = anywidget.AnyWidget.class_traits()["_model_module_version"].default_value
    assert state["_model_module"] == state["_view_module"] == "anywidget"
    assert (state["_model_name"], state["_view_name"]) == ("AnyModel", "AnyView")
    assert state["_model_module_version"] == state["_view_module_version"] == expected


def test_a_viewer_carries_the_es_module_only_where_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VSCODE_PID", raising=False)
    monkeypatch.setenv("NAPARI_CUDA_FRONTEND", "esm")
    viewer = napari_cuda.Viewer()
    try:
        state = viewer.get_state()
        assert state["_model_module"] == "anywidget" and state["_esm"] == _frontend.esm_source()
        assert state["_anywidget_id"] == "napari_cuda.Viewer"
        assert state["_napari_cuda_model_id"] == viewer.model_id, "the view finds the model behind anywidget's"
        assert viewer._frontend.mode == "esm"
    finally:
        viewer.close()
    monkeypatch.setenv("NAPARI_CUDA_FRONTEND", "extension")
    viewer = napari_cuda.Viewer()
    try:
        state = viewer.get_state()
        assert state["_model_module"] == "napari-cuda" and state["_esm"] == ""
    finally:
        viewer.close()


def test_colab_widgets_are_enabled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append(1))
    colab = types.ModuleType("google.colab")
    colab.output = output  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(_frontend, "_colab_enabled", False)
    _frontend.enable_colab_widgets()
    _frontend.enable_colab_widgets()
    assert calls == [1]


def test_in_colab_the_display_carries_anywidgets_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    from anywidget import _util

    monkeypatch.delenv("VSCODE_PID", raising=False)
    monkeypatch.setenv("NAPARI_CUDA_FRONTEND", "esm")
    viewer = napari_cuda.Viewer()
    try:
        assert isinstance(viewer._repr_mimebundle_(), dict), "no metadata outside Colab"
        meta = {"application/vnd.jupyter.widget-view+json": {"colab": {"custom_widget_manager": {"url": "u"}}}}
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
        monkeypatch.setattr(_util, "get_repr_metadata", lambda: meta)
        data, metadata = viewer._repr_mimebundle_()
        assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == viewer.model_id
        assert metadata == meta
    finally:
        viewer.close()
