"""A notebook run in a real page: open it, Run All, wait until the kernel says it is ready and the
view decoded a frame (the e2e fixtures' shared start)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from support.browser import open_notebook, run_all_cells, wait_frames
from support.lab import LabServer, run_code


@contextmanager
def notebook_run(lab: LabServer, browser, notebook: str, ready: str, width: int = 1400) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """`notebook` opened in a new page with all its cells run, until `ready` (kernel code) passes
    and the first frame is decoded: (page, kernel client, console lines). Closes both after."""
    page = browser.new_page(viewport={"width": width, "height": 1000})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    open_notebook(page, lab.url, lab.token, notebook)
    run_all_cells(page)
    kc = lab.kernel_client(notebook)
    try:
        run_code(kc, ready, timeout=120)
        try:
            wait_frames(page, 1, timeout=60)
        except Exception as err:
            raise AssertionError(
                "no decoded frame; browser console:\n" + "\n".join(console[-40:]) + "\nserver:\n" + lab.log_tail()
            ) from err
        yield page, kc, console
    finally:
        kc.stop_channels()
        page.close()


@contextmanager
def setup_cell_run(lab: LabServer, browser, notebook: str, setup: str, ready: str) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """A one-cell notebook of `setup` code written to the lab's root and run as notebook_run does:
    (page, kernel client). Shuts the lab's kernels down afterwards."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(setup)]
    nbformat.write(nb, lab.root / notebook)
    try:
        with notebook_run(lab, browser, notebook, ready) as (page, kc, _console):
            yield page, kc
    finally:
        lab.shutdown_kernels()
