"""How the Viewer's parts are traits: components synced in place, and a class listing for help().

A component (camera, dims, layers, overlays) is one persistent object held by a read-only trait;
its wire form is what the views get, and what a view writes is applied to the same object (invalid
values are answered with the kernel's state).
"""

from __future__ import annotations

import logging
from typing import Any

import ipywidgets
from traitlets import BaseDescriptor, Instance

log = logging.getLogger("napari_cuda")


def _to_json(component: Any, _widget: Any) -> Any:
    return component._wire()


def _from_json(name: str) -> Any:
    """from_json for a component trait: update the existing object in place and keep it."""

    def apply(value: Any, widget: Any) -> Any:
        component = getattr(widget, name)
        try:
            component._apply_wire(value)
        except (ValueError, NotImplementedError) as exc:
            log.warning("napari-cuda: ignored %s from a view: %s", name, exc)
            widget._resend.add(name)
        return component

    return apply


def component(klass: type, name: str, doc: str) -> Instance:
    """A read-only trait holding a component (camera, dims, ...) synced as its wire form."""
    trait = Instance(klass, read_only=True, help=doc)
    return trait.tag(sync=True, to_json=_to_json, from_json=_from_json(name))


# Names ipywidgets has too, that are napari's API here.
_NAPARI_NAMES = frozenset({"open", "close"})


def _widget_machinery(cls: type, name: str) -> bool:
    """A public method or property of ipywidgets / traitlets (or our override of one), not a trait."""
    if name.startswith("_") or name in _NAPARI_NAMES:
        return False
    owners = [klass for klass in cls.__mro__ if name in klass.__dict__]
    if not owners or isinstance(owners[0].__dict__[name], BaseDescriptor):
        return False
    return any((getattr(k, "__module__", "") or "").startswith(("ipywidgets.", "traitlets.")) for k in owners)


class ViewerType(type(ipywidgets.DOMWidget)):  # type: ignore[misc]
    """dir(Viewer) without the widget machinery's public methods, so help(Viewer) shows
    napari-cuda's API rather than ~300 lines of ipywidgets. Only the class listing changes:
    instances keep every attribute, and traits and observers (descriptors) stay listed, since
    traitlets finds them through dir()."""

    def __dir__(cls) -> list[str]:
        return [name for name in super().__dir__() if not _widget_machinery(cls, name)]
