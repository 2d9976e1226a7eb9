"""Short tracebacks for the public API: an error napari-cuda raises ends at the user's own call.

A failing `viewer.add_image("missing.ome.zarr")` used to show ten frames of napari-cuda internals
(daemon link, control client, reply parsing) before the message. `public` re-raises the errors we
raise on purpose (bad input, a daemon's error reply, a timeout) without those frames, and gives them
IPython's `_render_traceback_` hook, so a notebook shows only the user's frames and the message.

Errors raised inside other libraries (numpy, zarr, dask, a user's callback) keep their whole
traceback: those frames tell the user something. NAPARI_CUDA_FULL_TRACEBACKS=1 turns the shortening
off, for debugging napari-cuda itself.
"""

from __future__ import annotations

import functools
import os
import traceback
import types
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# What napari-cuda raises on purpose; DaemonError and DataSourceError are RuntimeErrors.
USER_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    NotImplementedError,
    TimeoutError,
    ConnectionError,
    RuntimeError,
)


def full_tracebacks() -> bool:
    """True when NAPARI_CUDA_FULL_TRACEBACKS asks for untouched tracebacks."""
    return os.environ.get("NAPARI_CUDA_FULL_TRACEBACKS", "").strip().lower() in ("1", "true", "yes", "on")


def _ours(frame: types.FrameType) -> bool:
    name = frame.f_globals.get("__name__", "")
    return isinstance(name, str) and (name == "napari_cuda" or name.startswith("napari_cuda."))


def _raised_by_us(exc: BaseException) -> bool:
    """True when the innermost Python frame of the traceback is napari-cuda's."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return _ours(tb.tb_frame)


def user_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    """A copy of `tb` cut before the first napari-cuda frame (the whole of `tb` if it starts with one)."""
    kept = []
    while tb is not None and not _ours(tb.tb_frame):
        kept.append(tb)
        tb = tb.tb_next
    if not kept:
        return tb
    out = None
    for entry in reversed(kept):
        out = types.TracebackType(out, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return out


def _render(exc: BaseException) -> list[str]:
    """IPython's traceback for `exc` without napari-cuda's frames (its `_render_traceback_` hook)."""
    tb = user_frames(exc.__traceback__)
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.InteractiveTB.structured_traceback(type(exc), exc, tb)
    except Exception:
        pass  # never fail while showing an error: plain formatting below
    return [line.rstrip("\n") for line in traceback.format_exception(type(exc), exc, tb)]


def shorten(exc: BaseException) -> None:
    """Give `exc` the short IPython rendering (an instance attribute: builtin types work too)."""
    exc._render_traceback_ = functools.partial(_render, exc)  # type: ignore[attr-defined]


def public(fn: F) -> F:
    """Decorate a public API function: its deliberate errors reach the caller without our frames.

    Plain Python then shows the caller's frames plus this wrapper's one line; IPython and Jupyter
    show the caller's frames only (through `_render_traceback_`).
    """

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as exc:
            if full_tracebacks() or not _raised_by_us(exc):
                raise
            shorten(exc)
            raise exc.with_traceback(None) from None  # internal frames left out: NAPARI_CUDA_FULL_TRACEBACKS=1

    return call  # type: ignore[return-value]
