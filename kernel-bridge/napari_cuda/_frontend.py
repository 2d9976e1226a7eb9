"""Which widget code a Viewer's model names: the prebuilt extension, or the ES module the kernel sends.

JupyterLab, Notebook 7, Voilà and the classic notebook load the widget from the wheel (the prebuilt
labextension, or the nbextension). Google Colab fetches third-party widget code only from a CDN by
npm name, where napari-cuda is not published; VS Code's Jupyter extension fetches it from a CDN or,
where the user allows it, from the kernel environment's nbextensions folder. anywidget's code is on
that CDN and is a route both document for widgets that are not; there the model names anywidget and
carries the widget as an ES module in its `_esm` trait (napari_cuda/_esm/widget.js, built from
src/widget/esm.ts).

NAPARI_CUDA_FRONTEND=auto|extension|esm (default auto: esm in VS Code and Colab, else extension).
VS Code is told by VSCODE_PID, which a JupyterLab started from VS Code's terminal inherits too: its
viewers then take the ES module, which works there as well (NAPARI_CUDA_FRONTEND=extension forces the
extension).
Those pages have no Jupyter server proxy either and are not served from localhost, so the transport
`auto` ends on the kernel's comm relay there (_link.connect_mode).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

log = logging.getLogger("napari_cuda")

FRONTEND_VAR = "NAPARI_CUDA_FRONTEND"
FRONTEND_MODES = ("auto", "extension", "esm")
ESM_RESOURCE = "_esm/widget.js"


@dataclass(frozen=True)
class Frontend:
    """The chosen widget code (`extension` or `esm`) and why, for viewer.info()."""

    mode: str
    reason: str


def host_frontend(environ: Mapping[str, str] | None = None, modules: Mapping[str, Any] | None = None) -> str | None:
    """The frontend this kernel serves when it is one that fetches widget code from a CDN, else None.

    Colab: its kernel has imported google.colab. VS Code: it starts kernels with VSCODE_PID set
    (tqdm's autonotebook reads the same).
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if "google.colab" in modules:
        return "Colab"
    if environ.get("VSCODE_PID"):
        return "VS Code"
    return None


def choose(environ: Mapping[str, str] | None = None, modules: Mapping[str, Any] | None = None) -> Frontend:
    """The widget code for new viewers, from NAPARI_CUDA_FRONTEND; a bad value raises ValueError naming it."""
    environ = os.environ if environ is None else environ
    mode = environ.get(FRONTEND_VAR, "").strip().lower() or "auto"
    if mode not in FRONTEND_MODES:
        raise ValueError(f"{FRONTEND_VAR} must be one of {', '.join(FRONTEND_MODES)}, got {mode!r}")
    if mode != "auto":
        return Frontend(mode, f"{FRONTEND_VAR}={mode}")
    host = host_frontend(environ, modules)
    if host is not None:
        why = f"{host} fetches widget code from a CDN, where napari-cuda is not: the ES module, through anywidget"
        return Frontend("esm", why)
    return Frontend("extension", "the prebuilt extension from the wheel (JupyterLab, Notebook, Voilà)")


@cache
def esm_source() -> str:
    """The widget's ES module, as built into the package; a clear error where the build is missing."""
    try:
        return resources.files("napari_cuda").joinpath(ESM_RESOURCE).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuntimeError(
            f"napari_cuda/{ESM_RESOURCE} is missing: this install was built without the widget's ES "
            f"module (npm run build:esm), so {FRONTEND_VAR}=esm cannot work; use extension"
        ) from None


def anywidget_version() -> str:
    """The semver range of anywidget's own frontend code that the model names (its Python package's)."""
    from anywidget import AnyWidget

    return str(AnyWidget.class_traits()["_model_module_version"].default_value)


def esm_model_state() -> dict[str, str]:
    """Trait values that make the model anywidget's, carrying our ES module (see AnyWidget's)."""
    version = anywidget_version()
    return {
        "_model_name": "AnyModel",
        "_model_module": "anywidget",
        "_model_module_version": version,
        "_view_name": "AnyView",
        "_view_module": "anywidget",
        "_view_module_version": version,
    }


def repr_metadata() -> dict[str, Any]:
    """The display metadata anywidget adds in Colab (its custom widget manager's URL); {} elsewhere."""
    if "google.colab" not in sys.modules:
        return {}
    try:
        from anywidget._util import get_repr_metadata

        return dict(get_repr_metadata())
    except Exception as exc:  # an anywidget or Colab we do not know: the view may still render
        log.warning("napari-cuda: no Colab widget metadata from anywidget: %s", exc)
        return {}


_colab_enabled = False


def enable_colab_widgets() -> None:
    """Colab renders third-party widgets only once its custom widget manager is on (once per kernel)."""
    global _colab_enabled
    if _colab_enabled or "google.colab" not in sys.modules:
        return
    _colab_enabled = True
    try:
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()
    except Exception as exc:  # not the Colab we know: say so, and the view may stay blank
        log.warning("napari-cuda: could not enable Colab's custom widget manager: %s", exc)
