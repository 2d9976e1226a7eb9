"""Browser end-to-end: the example notebooks under Run All, in a real JupyterLab and a real Chromium.

Each notebook (quickstart, multiscale, lazy) is opened fresh (as `make demo` lays them out) and
run with Run All Cells. Then: no cell raised, every viewer the notebook made is displayed and
streaming (frames arrive when its camera moves), and the quickstart's camera animation reached the
canvas while it played: the view followed the kernel's camera, displayed frames carried the new
states' seqs, and the pixels changed. The lazy notebook's dask layers stayed lazy, reached level 0
at 1:1, and were computed on its LocalCluster.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator

import pytest

from support.browser import cell_errors, open_notebook, run_all_cells, wait_run_all_done, wait_until
from support.lab import LabServer, run_code

# Samples every view of the page every 100 ms into globalThis.__ncSamples: frames displayed, the
# seq of the last state sent and of the last frame shown, the view's camera centre, and a
# fingerprint of the canvas (a 32x24 thumbnail, cheap enough to take this often).
SAMPLER = """() => {
  const samples = (globalThis.__ncSamples = []);
  const thumb = document.createElement('canvas');
  thumb.width = 32;
  thumb.height = 24;
  const ctx = thumb.getContext('2d', { willReadFrequently: true });
  globalThis.__ncSampler = setInterval(() => {
    const views = (globalThis.__napariCuda && globalThis.__napariCuda.views) || [];
    for (const v of views) {
      let print = null;
      const c = v.canvas;
      if (c && c.width > 0 && c.height > 0) {
        ctx.drawImage(c, 0, 0, 32, 24);
        print = Array.from(ctx.getImageData(0, 0, 32, 24).data).join(',');
      }
      samples.push({ view: v.viewId, frames: v.frames, seq: v.seq, shown: v.stats().last_seq,
                     center: v.camera.center, print });
    }
  }, 100);
}"""


def kernel_viewers(kc) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """model_id -> variable name of every napari_cuda.Viewer in the notebook's namespace."""
    out = run_code(
        kc,
        "import json as _j, napari_cuda as _nc\n"
        "print(_j.dumps({v.model_id: k for k, v in globals().items()"
        " if isinstance(v, _nc.Viewer) and not k.startswith('_')}))",
    )
    return json.loads(out)


def views(page) -> list[dict]:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "() => globalThis.__napariCuda.views.map((v) => ({model: v.modelId, status: v.status, frames: v.frames,"
        " error: v.error}))"
    )


def run_notebook(lab: LabServer, browser, name: str) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """Open `name`, start the sampler, Run All; yield (page, client on its kernel, browser console)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    open_notebook(page, lab.url, lab.token, name)
    page.evaluate(SAMPLER)
    t0 = time.monotonic()
    run_all_cells(page)
    kc = None
    try:
        wait_run_all_done(page, timeout=600)
        print(f"{name}: Run All took {time.monotonic() - t0:.1f} s")
        kc = lab.kernel_client(name)
        yield page, kc, console
    finally:
        if kc is not None:
            kc.stop_channels()
        page.close()
        lab.shutdown_kernels()  # each kernel's daemon exits with it: the next notebook gets the CPU


def assert_every_viewer_streams(page, kc, console: list[str], lab: LabServer) -> None:  # type: ignore[no-untyped-def]
    """Each viewer in the kernel has a live view on the page that shows new frames when its camera moves."""
    viewers = kernel_viewers(kc)
    assert viewers, "the notebook made no napari_cuda.Viewer"
    try:
        wait_until(
            lambda: (
                {v["model"] for v in views(page) if v["status"] == "streaming" and v["frames"] >= 1} >= set(viewers)
            ),
            timeout=60,
        )
    except TimeoutError:
        raise AssertionError(
            f"not every viewer streams: kernel {viewers}, page {views(page)}\nbrowser console:\n"
            + "\n".join(console[-30:])
            + "\nserver:\n"
            + lab.log_tail()
        ) from None
    for model, name in viewers.items():
        shown = [v for v in views(page) if v["model"] == model]
        assert all(v["error"] is None for v in shown), shown
        before = max(v["frames"] for v in shown)
        run_code(kc, f"{name}.camera.zoom = {name}.camera.zoom * 1.25")
        try:
            wait_until(
                lambda m=model, n=before: max(v["frames"] for v in views(page) if v["model"] == m) > n, timeout=30
            )
        except TimeoutError:
            raise AssertionError(f"{name}'s view showed no new frame after a camera change: {views(page)}") from None


# One class per notebook, each with a class-scoped run: it ends (page closed, kernels shut down)
# before the next class starts, so no two notebooks share the machine's CPU.
@pytest.fixture(scope="class")
def quickstart_run(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    yield from run_notebook(lab, browser, "quickstart.ipynb")


@pytest.fixture(scope="class")
def multiscale_run(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    yield from run_notebook(lab, browser, "multiscale.ipynb")


@pytest.fixture(scope="class")
def lazy_run(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    yield from run_notebook(lab, browser, "lazy.ipynb")


class TestQuickstart:
    def test_runs_all_cells_and_every_viewer_streams(self, quickstart_run, lab: LabServer) -> None:  # type: ignore[no-untyped-def]
        page, kc, console = quickstart_run
        assert cell_errors(page) == [], cell_errors(page)
        assert_every_viewer_streams(page, kc, console, lab)

    def test_animation_reaches_the_canvas(self, quickstart_run) -> None:  # type: ignore[no-untyped-def]
        page, kc, _ = quickstart_run
        h, w = json.loads(run_code(kc, "import json as _j; print(_j.dumps([h, w]))"))
        samples = page.evaluate("() => globalThis.__ncSamples")

        # The animation moves the centre around an ellipse (radii 200, 300) about the image centre.
        def on_path(c: list[float]) -> bool:
            return abs(math.hypot((c[0] - h / 2) / 200, (c[1] - w / 2) / 300) - 1) < 0.02

        playing = [s for s in samples if on_path(s["center"])]
        assert playing, "the view's camera never took the animation's path"
        centres = {tuple(s["center"]) for s in playing}
        assert len(centres) >= 5, f"the view followed only {len(centres)} animation steps"
        first, last = playing[0], playing[-1]
        # Displayed frames carried the animation's states: the seq shown moved on past the first step's.
        shown = {s["shown"] for s in playing if s["shown"] >= first["seq"]}
        assert len(shown) >= 3, f"frames showed {len(shown)} of the animation's states (seqs {sorted(shown)})"
        assert last["frames"] - first["frames"] >= 3, (first, last)
        prints = {s["print"] for s in playing if s["print"] is not None}
        assert len(prints) >= 3, f"the canvas changed {len(prints) - 1} times while the animation played"


class TestMultiscale:
    def test_runs_all_cells_and_every_viewer_streams(self, multiscale_run, lab: LabServer) -> None:  # type: ignore[no-untyped-def]
        page, kc, console = multiscale_run
        assert cell_errors(page) == [], cell_errors(page)
        assert len(kernel_viewers(kc)) == 3, kernel_viewers(kc)
        assert_every_viewer_streams(page, kc, console, lab)


class TestLazy:
    def test_runs_all_cells_and_every_viewer_streams(self, lazy_run, lab: LabServer) -> None:  # type: ignore[no-untyped-def]
        page, kc, console = lazy_run
        assert cell_errors(page) == [], cell_errors(page)
        assert len(kernel_viewers(kc)) == 2, kernel_viewers(kc)
        # The dask layers stayed lazy (layer.data is the user's array) and followed the camera to level 0,
        # and the chunks were computed on the notebook's LocalCluster.
        code = (
            "import json as _j\n"
            "_ran = client.run(lambda dask_worker: dask_worker.state.executed_count)\n"
            "print(_j.dumps([cells.data is smooth, cells.data_level, land.data_level, len(_ran),"
            " sum(_ran.values()) > 0]))"
        )
        # Polled: the views report the level they draw, and one may still draw a coarser cached level
        # while the last cell's level-0 chunks load (the newest report wins).
        outs: list[list] = []
        try:
            wait_until(lambda: outs.append(json.loads(run_code(kc, code))) or outs[-1] == [True, 0, 0, 2, True], 60)
        except TimeoutError:
            raise AssertionError(f"lazy notebook state {outs[-1]}") from None
        assert_every_viewer_streams(page, kc, console, lab)
