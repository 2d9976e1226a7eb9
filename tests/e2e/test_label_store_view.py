"""Browser end-to-end: painting labels read from an OME-Zarr store (written by ome-zarr-py) in a real
JupyterLab. A stroke in the view changes `labels.data` in the kernel but not the store; the panel's
store row says the edits are unsaved until `labels.save()` writes them, level 0 and level 1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from support.browser import canvas_box, wait_until
from support.lab import LabServer, run_code
from support.notebook_run import setup_cell_run

pytest.importorskip("ome_zarr.writer")

SETUP = """\
import os, tempfile
import numpy as np
import zarr
from ome_zarr.writer import write_image, write_labels
import napari_cuda
tmp = tempfile.mkdtemp()
yy, xx = np.mgrid[0:128, 0:192]
seg = ((xx // 32 + yy // 32) % 3).astype(np.uint16)
root = zarr.open_group(os.path.join(tmp, "cells.zarr"), mode="w")
write_image((xx % 256).astype(np.uint8), root, axes="yx")
write_labels(seg, root, name="cells", axes="yx")
path = os.path.join(tmp, "cells.zarr", "labels", "cells")
g = zarr.open_group(path)
attrs = dict(g.attrs)
p0, p1 = [d["path"] for d in attrs.get("ome", attrs)["multiscales"][0]["datasets"][:2]]
viewer = napari_cuda.Viewer(width=384, height=256)
image, labels = viewer.open(os.path.join(tmp, "cells.zarr"))
labels.selected_label = 7
labels.brush_size = 9
viewer.camera.center = (63.5, 95.5)
viewer.camera.zoom = 2.0
viewer
"""
STATE = "document.querySelector('.napari-cuda-store-state')"


@pytest.fixture(scope="module")
def sv(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    with setup_cell_run(lab, browser, "label_store.ipynb", SETUP, "assert 'labels' in globals()") as (page, kc):
        page.locator(".napari-cuda-frame").scroll_into_view_if_needed()
        yield page, kc


def store_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate(f"() => {STATE} && {STATE}.textContent")


def test_paint_in_the_view_then_save(sv) -> None:  # type: ignore[no-untyped-def]
    page, kc = sv
    wait_until(lambda: store_text(page) == "saved", timeout=20)
    page.locator(".napari-cuda-mode-bar button[data-mode='paint']").first.click()
    wait_until(lambda: run_code(kc, "print(labels.mode)").strip() == "paint", timeout=10)
    box = canvas_box(page, 0)
    # World (y, x) = (40, 60) .. (40, 130) under the camera above (zoom 2 about (63.5, 95.5)).
    y = box["y"] + box["height"] / 2 + (40 - 63.5) * 2
    page.mouse.move(box["x"] + box["width"] / 2 + (60 - 95.5) * 2, y)
    page.mouse.down()
    for x in range(62, 131, 4):
        page.mouse.move(box["x"] + box["width"] / 2 + (x - 95.5) * 2, y)
    page.mouse.up()
    wait_until(lambda: store_text(page) == "unsaved edits: labels.save()", timeout=20)
    check = (
        "import json; d = np.asarray(labels.data); s0 = np.asarray(g[p0])\n"
        "print(json.dumps([labels.unsaved, int((d != seg).sum()), int(d[40, 60]), int(d[40, 130]), "
        "int((s0 != seg).sum())]))"
    )
    unsaved, changed, start, end, in_store = json.loads(run_code(kc, check))
    assert unsaved and changed > 300 and start == 7 and end == 7, (unsaved, changed, start, end)
    assert in_store == 0, "the store is written only by save()"
    run_code(kc, "labels.save()")
    wait_until(lambda: store_text(page) == "saved", timeout=20)
    saved = (
        "import json; d = np.asarray(labels.data)\n"
        "print(json.dumps([bool((np.asarray(g[p0]) == d).all()), int((np.asarray(g[p1]) != seg[1::2, 1::2]).sum())]))"
    )
    level0_equal, level1_changed = json.loads(run_code(kc, saved))
    assert level0_equal and level1_changed > 50, (level0_equal, level1_changed)
