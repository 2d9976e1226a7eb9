"""Painting labels read from a Zarr store (issue 14): edits show at once, reach the store only on
save() or with write_through, at level 0 and (nearest) at every coarser level; too-large or
unwritable stores are refused with the reason, and nothing is lost. Stores are written by
ome-zarr-py's label writer and zarr-python."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import napari_cuda
from napari_cuda._label_edit import PaintError

zarr = pytest.importorskip("zarr")
ome_zarr_writer = pytest.importorskip("ome_zarr.writer")


def labels_store(tmp_path: Path, shape: tuple[int, int] = (96, 128)) -> tuple[Path, np.ndarray]:
    """An OME-Zarr image with a multiscale labels/cells group (ome-zarr-py); returns its path and data."""
    rng = np.random.default_rng(21)
    labels = np.repeat(np.repeat(rng.integers(0, 6, (shape[0] // 8, shape[1] // 8)), 8, 0), 8, 1).astype(np.uint16)
    root = zarr.open_group(str(tmp_path / "img.zarr"), mode="w")
    ome_zarr_writer.write_image(np.zeros(shape, np.uint8), root, axes="yx")
    ome_zarr_writer.write_labels(labels, root, name="cells", axes="yx")
    return tmp_path / "img.zarr" / "labels" / "cells", labels


def store_levels(path: Path) -> list[np.ndarray]:
    group = zarr.open_group(str(path), mode="r")
    attrs = dict(group.attrs)
    return [np.asarray(group[d["path"]]) for d in attrs.get("ome", attrs)["multiscales"][0]["datasets"]]


def shot(viewer: napari_cuda.Viewer, shape: tuple[int, int]) -> np.ndarray:
    viewer.camera.update(center=((shape[0] - 1) / 2, (shape[1] - 1) / 2), zoom=1)
    return viewer.screenshot(size=shape)


def test_paint_shows_at_once_and_reaches_the_store_only_on_save(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    path, original = labels_store(tmp_path)
    before = store_levels(path)
    assert len(before) > 2, "the fixture is a pyramid"
    layer = viewer.add_labels(str(path), opacity=1.0)
    assert layer.multiscale and not layer.unsaved
    layer.brush_size = 15
    layer.paint((40, 60), 9)
    painted = np.asarray(layer.data)
    assert (painted[40, 53:68] == 9).all() and (painted != original).sum() > 100
    assert layer.unsaved
    # The view shows the edit (level 0, now in memory) ...
    pixels = shot(viewer, original.shape)
    assert (pixels[40, 60, :3] == np.round(np.array(layer.get_color(9))[:3] * 255)).all()
    # ... while the store is untouched.
    for old, now in zip(before, store_levels(path), strict=True):
        np.testing.assert_array_equal(old, now)
    assert layer.save() == [str(path)]
    assert not layer.unsaved
    after = store_levels(path)
    np.testing.assert_array_equal(after[0], painted)
    # Coarser levels: ome-zarr-py's rule (the last pixel of each 2x2, level by level) on the painted data.
    for k in range(1, len(after)):
        f = 2**k
        sub = painted[f - 1 :: f, f - 1 :: f]
        expected = before[k].copy()
        expected[: sub.shape[0], : sub.shape[1]] = sub
        np.testing.assert_array_equal(after[k], expected, err_msg=f"level {k}")
        np.testing.assert_array_equal(before[k], original[f - 1 :: f, f - 1 :: f][: before[k].shape[0]])
    # undo is an edit too: saved again, the store is back to the original.
    layer.undo()
    layer.save()
    np.testing.assert_array_equal(store_levels(path)[0], original)


def test_write_through(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    path, original = labels_store(tmp_path)
    layer = viewer.add_labels(str(path))
    layer.fill((4, 4), 7)
    assert layer.unsaved
    layer.write_through = True  # writes what is pending, then every edit at once
    assert not layer.unsaved
    np.testing.assert_array_equal(store_levels(path)[0], np.asarray(layer.data))
    # A stroke from a view (the annotate message the widget sends) goes the same way.
    viewer.send = lambda content, buffers=None: None  # type: ignore[method-assign]
    msg = {"type": "annotate", "id": "e-1", "layer_id": layer._id, "op": "paint", "step": [0, 0]}
    viewer._on_view_msg(viewer, {**msg, "positions": [[80.0, 90.0], [80.0, 110.0]], "label": 3, "brush_size": 5}, [])
    assert not layer.unsaved
    level0 = store_levels(path)[0]
    assert (level0[80, 90:111] == 3).all() and (level0 != original).any()
    np.testing.assert_array_equal(level0, np.asarray(layer.data))


def test_plain_zarr_array_and_events(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    data = np.zeros((40, 50), np.int32)
    arr = zarr.open_array(str(tmp_path / "seg.zarr"), mode="w", shape=data.shape, chunks=(16, 16), dtype="int32")
    arr[:] = data
    layer = viewer.add_labels(str(tmp_path / "seg.zarr"))
    seen: list[int] = []
    layer.events.data.connect(lambda e: seen.append(int(np.asarray(e.value).sum())))
    layer.paint((20, 25), 2)
    assert len(seen) == 1 and seen[0] > 0
    layer.save(str(tmp_path / "seg.zarr"))
    np.testing.assert_array_equal(np.asarray(zarr.open_array(str(tmp_path / "seg.zarr"), mode="r")), layer.data)


def test_refusals_name_the_reason_and_lose_nothing(
    viewer: napari_cuda.Viewer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, original = labels_store(tmp_path)
    layer = viewer.add_labels(str(path))
    with pytest.raises(ValueError, match="save writes back to"):
        layer.save(str(tmp_path / "elsewhere.zarr"))
    in_memory = viewer.add_labels(np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match="not read from a Zarr store"):
        in_memory.write_through = True
    with pytest.raises(ValueError, match="holds an array from the kernel"):
        in_memory.save()
    monkeypatch.setenv("NAPARI_CUDA_INLINE_BYTES", "1000")
    with pytest.raises(PaintError, match="over the inline budget"):
        layer.paint((10, 10), 4)
    monkeypatch.delenv("NAPARI_CUDA_INLINE_BYTES")
    layer.paint((10, 10), 4)
    # The store is gone (moved away) while the edit is pending: save fails with the reason, the edit
    # stays in memory and unsaved, and a later save (store back) writes it.
    moved = path.with_name("cells-away")
    path.rename(moved)
    try:
        with pytest.raises(PaintError, match="kept in memory"):
            layer.save()
    finally:
        moved.rename(path)
    assert layer.unsaved and np.asarray(layer.data)[10, 10] == 4
    layer.save()
    assert store_levels(path)[0][10, 10] == 4
    np.testing.assert_array_equal(np.asarray(store_levels(path)[0])[40:], original[40:])


def test_removing_a_layer_with_unsaved_edits_warns_and_save_still_works(
    viewer: napari_cuda.Viewer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, original = labels_store(tmp_path)
    layer = viewer.add_labels(str(path))
    layer.paint((50, 50), 5)
    with caplog.at_level(logging.WARNING, logger="napari_cuda"):
        viewer.layers.remove(layer)
    assert "edits not saved" in caplog.text and repr(layer.name) in caplog.text
    assert layer.save() == [str(path)] and not layer.unsaved
    assert store_levels(path)[0][50, 50] == 5


def test_views_are_told_whether_edits_are_saved(viewer: napari_cuda.Viewer, tmp_path: Path) -> None:
    """The layer trait carries the store's location and `unsaved` (the panel's store row); a layer
    from the kernel's own array carries neither."""
    path, _ = labels_store(tmp_path)
    layer = viewer.add_labels(str(path))

    def wire() -> dict:
        return next(w for w in viewer.get_state()["layers"] if w["id"] == layer._id)

    assert wire()["store"] == str(path) and wire()["unsaved"] is False
    layer.paint((30, 30), 4)
    assert wire()["unsaved"] is True
    layer.save()
    assert wire()["unsaved"] is False
    in_memory = viewer.add_labels(np.zeros((8, 8), np.uint8))
    assert "store" not in next(w for w in viewer.get_state()["layers"] if w["id"] == in_memory._id)


def test_a_signed_url_is_not_put_in_widget_state() -> None:
    from napari_cuda._labels import _shown_location

    signed = "https://me:secret@bucket.example.org:8443/a/seg.zarr?X-Amz-Signature=abc#frag"
    assert _shown_location(signed) == "https://bucket.example.org:8443/a/seg.zarr"
    assert _shown_location("/data/seg.zarr") == "/data/seg.zarr"
