"""Browser end-to-end: one viewer displayed in two outputs of a notebook and in a second page.

A drag in one view moves the others (the daemon fans the dragged view's camera out to every view
of the viewer); closing a view leaves the others streaming. The image is one bright vertical
stripe, so where a canvas shows it says which camera that canvas shows. An in-page sampler (one per
page, in requestAnimationFrame) records, per view, each change of the stripe's offset from the
canvas centre with its wall-clock time (comparable across the pages of one browser). The test
asserts order and consistency only; the measured lags are printed: behind what the dragged view
showed first (its own prediction, drawn before the daemon answers), and behind the daemon's frame in
the dragged view.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.browser import canvas_box, open_notebook, run_all_cells, run_cell_code, settle, wait_frames, wait_until
from support.lab import LabServer, run_code

NOTEBOOK = "multiview.ipynb"
CELLS = [
    "import numpy as np\nimport napari_cuda\n"
    "img = np.zeros((400, 1200), np.float32)\nimg[:, 760:776] = 1.0\n"
    "viewer = napari_cuda.Viewer()\n"
    "layer = viewer.add_image(img, colormap='gray', contrast_limits=(0, 1), name='stripe')",
    "display(viewer)\ndisplay(viewer)",
]
STEPS = 6
STEP_PX = 40

# Per view, [epoch ms, stripe offset from the canvas centre in CSS px (null: no stripe), a client-side
# prediction (a warped older frame) on screen] on each change.
SAMPLER = """() => {
  if (globalThis.__mvSamples) return;
  const out = (globalThis.__mvSamples = {});
  const scratch = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  const offset = (c) => {
    if (!c || c.width < 2) return null;
    scratch.canvas.width = c.width;
    scratch.canvas.height = 1;
    scratch.drawImage(c, 0, Math.floor(c.height / 2), c.width, 1, 0, 0, c.width, 1);
    const d = scratch.getImageData(0, 0, c.width, 1).data;
    let sum = 0, n = 0;
    for (let x = 0; x < c.width; x++) if (d[4 * x] > 128) { sum += x; n++; }
    // Moving frames may come at a smaller size, scaled up by CSS: measure in CSS px.
    return n === 0 ? null : Math.round(((sum / n - c.width / 2) * c.clientWidth) / c.width);
  };
  const tick = () => {
    const now = performance.timeOrigin + performance.now();
    for (const v of globalThis.__napariCuda.views) {
      const s = (out[v.viewId] ??= []);
      const o = offset(v.canvas);
      const last = s[s.length - 1];
      if (!last || last[1] !== o || last[2] !== v.predicting) s.push([now, o, v.predicting]);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def write_notebook(root: Path) -> None:
    cells = [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src} for src in CELLS
    ]
    spec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb = {"cells": cells, "metadata": {"kernelspec": spec}, "nbformat": 4, "nbformat_minor": 5}
    (root / NOTEBOOK).write_text(json.dumps(nb))


def view_ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("() => globalThis.__napariCuda.views.map((v) => v.viewId)")


def samples(page) -> dict[str, list[list[float | None]]]:  # type: ignore[no-untyped-def]
    return page.evaluate("() => globalThis.__mvSamples")


def offset_now(page, view: int) -> int | None:  # type: ignore[no-untyped-def]
    s = samples(page)[view_ids(page)[view]]
    return s[-1][1] if s else None


@pytest.fixture(scope="module")
def views(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """Page 1 with the viewer shown twice, page 2 showing it once more; plus a client on the kernel."""
    write_notebook(lab.root)
    page1 = browser.new_page(viewport={"width": 1200, "height": 1000})
    open_notebook(page1, lab.url, lab.token, NOTEBOOK)
    run_all_cells(page1)
    kc = lab.kernel_client(NOTEBOOK)
    page2 = browser.new_page(viewport={"width": 1200, "height": 1000})
    try:
        run_code(kc, "assert 'viewer' in globals()", timeout=120)
        wait_frames(page1, 1, view=0)
        wait_frames(page1, 1, view=1)
        open_notebook(page2, lab.url, lab.token, NOTEBOOK)
        run_cell_code(page2, "viewer")
        wait_frames(page2, 1, view=0)
        for page in (page1, page2):
            page.evaluate(SAMPLER)
        yield page1, page2, kc
    finally:
        kc.stop_channels()
        page1.close()
        if not page2.is_closed():
            page2.close()


def drag(page, steps: int, step_px: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Drag view 0 of `page` left in `steps` moves, resting between them; the epoch ms of each move."""
    box = canvas_box(page, 0)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    times = []
    for i in range(1, steps + 1):
        times.append(page.evaluate("() => performance.timeOrigin + performance.now()"))
        page.mouse.move(x - step_px * i, y, steps=3)
        time.sleep(0.5)
    page.mouse.up()
    return times


def reached(series: list[list], target: int, after: float, tol: int = 3) -> float | None:
    """When a view's stripe first showed within `tol` px of `target` at or after `after` (epoch ms)."""
    for t, o, _ in series:
        if t >= after and o is not None and abs(o - target) <= tol:
            return t
    return None


def lags(a: list[list], b: list[list], start: float, origin: int) -> list[float]:
    """For each position the dragged view showed from `start` on (away from its `origin` offset): how
    long after it the other view first showed it (whether a daemon frame or a client-side prediction;
    positions the other view skipped are left out)."""
    out = []
    for t, o, _ in a:
        if t < start or o is None or abs(o - origin) <= 3:
            continue
        ta = reached(a, o, start, tol=1)
        tb = reached(b, o, start, tol=1)
        if ta is not None and tb is not None and ta == t:
            out.append(round(tb - ta, 1))
    return out


def lags_behind_daemon(a: list[list], b: list[list], start: float, origin: int) -> list[float]:
    """As `lags`, but from when the dragged view showed each position in a daemon frame (not its own
    prediction): how long after the daemon's answer to the dragged view the other view showed it."""
    out = []
    for t, o, predicted in a:
        if t < start or o is None or predicted or abs(o - origin) <= 3:
            continue
        first = next((u for u, p, q in a if u >= start and not q and p is not None and abs(p - o) <= 1), None)
        tb = reached(b, o, start, tol=1)
        if first == t and tb is not None:
            out.append(round(tb - t, 1))
    return out


def summary(lags: list[float]) -> str:
    """Median and max of sorted lags, for the printed report."""
    return f"median {lags[len(lags) // 2]}, max {lags[-1]}" if lags else "none"


def all_views(page1, page2) -> list[tuple]:  # type: ignore[no-untyped-def]
    """(page, view index) of the three views."""
    return [(page1, 0), (page1, 1), (page2, 0)]


def settle_all(page1, page2) -> None:  # type: ignore[no-untyped-def]
    for page, n in ((page1, 2), (page2, 1)):
        for i in range(n):
            settle(page, view=i)


def test_drag_in_one_view_moves_the_others(views) -> None:  # type: ignore[no-untyped-def]
    page1, page2, kc = views
    settle_all(page1, page2)
    start = [offset_now(page1, 0), offset_now(page1, 1), offset_now(page2, 0)]
    assert None not in start, f"a view shows no stripe: {start}"
    assert max(start) - min(start) <= 3, f"the views start at different cameras: {start}"
    moves = drag(page1, STEPS, STEP_PX)
    settle_all(page1, page2)
    end = [offset_now(page1, 0), offset_now(page1, 1), offset_now(page2, 0)]
    print(f"stripe offsets before {start}, after {end}")
    # Consistency: every view ends where the dragged view ends.
    assert None not in end and max(end) - min(end) <= 3, f"the views disagree after the drag: {end}"
    assert end[0] < start[0] - STEP_PX, f"the dragged view did not move: {start[0]} -> {end[0]}"
    s1, s2 = samples(page1), samples(page2)
    a = s1[view_ids(page1)[0]]
    others = {"same page": s1[view_ids(page1)[1]], "second page": s2[view_ids(page2)[0]]}
    for name, series in others.items():
        moved = [o for t, o, _ in series if t >= moves[0] and o is not None]
        # Order: a follower moves only the way the drag went (no jump back from a late echo).
        back = [(p, q) for p, q in zip(moved, moved[1:], strict=False) if q > p + 3]
        print(f"{name}: {len(moved)} distinct offsets during the drag, steps back {back}")
        assert not back, f"{name} view jumped back during the drag: {back}"
        ls = sorted(lags(a, series, moves[0], start[0]))
        print(f"{name}: lag behind the dragged view (ms), {len(ls)} positions: {summary(ls)}; {ls}")
        assert ls, f"{name} view never showed the dragged view's positions"
        ds = sorted(lags_behind_daemon(a, series, moves[0], start[0]))
        what = "lag behind the daemon's frame in the dragged view (ms)"
        print(f"{name}: {what}, {len(ds)} positions: {summary(ds)}; {ds}")
    # The kernel ends with the dragged view's final camera, and so does every view's local state.
    local = [
        page.evaluate(f"() => globalThis.__napariCuda.views[{i}].camera.center") for page, i in all_views(page1, page2)
    ]

    def kernel_final() -> list | None:
        c = json.loads(run_code(kc, "import json; print(json.dumps(list(viewer.camera.center)))"))
        return c if all(abs(x - y) < 1e-6 for x, y in zip(c, local[0], strict=True)) else None

    final = wait_until(kernel_final, timeout=10)
    print(f"kernel camera centre after the drag: {final}; views' local centres {local}")
    assert all(all(abs(x - y) < 1e-6 for x, y in zip(c, final, strict=True)) for c in local), local


def test_closing_a_view_leaves_the_others_streaming(views) -> None:  # type: ignore[no-untyped-def]
    page1, page2, kc = views
    page2.close()
    settle(page1, view=0)
    settle(page1, view=1)
    before = [offset_now(page1, 0), offset_now(page1, 1)]
    frames = page1.evaluate("() => globalThis.__napariCuda.views[1].frames")
    drag(page1, 2, STEP_PX)
    settle(page1, view=0)
    settle(page1, view=1)
    after = [offset_now(page1, 0), offset_now(page1, 1)]
    print(f"after closing the second page: offsets {before} -> {after}")
    assert page1.evaluate("() => globalThis.__napariCuda.views[1].frames") > frames
    assert after[0] is not None and after[1] is not None and abs(after[0] - after[1]) <= 3, after
    assert after[0] < before[0], f"the dragged view did not move: {before} -> {after}"
    status = page1.evaluate("() => globalThis.__napariCuda.views.map((v) => v.status)")
    assert all(s == "streaming" for s in status), status
    wait_until(lambda: run_code(kc, "print(viewer.camera.center)").strip() != "", timeout=10)
