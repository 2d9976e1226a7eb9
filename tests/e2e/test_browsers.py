"""The widget elsewhere: Notebook 7, and a browser without WebCodecs (it must say so, not stay blank)."""

from __future__ import annotations

from support.browser import open_notebook, run_cell_code, wait_frames
from support.lab import LabServer


def test_notebook7_shows_frames(lab: LabServer, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        page.goto(f"{lab.url}notebooks/quickstart.ipynb?token={lab.token}", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_timeout(3000)  # cells run after the kernel is ready; this only avoids racing the page load
        # Run the first three cells (markdown, data, viewer) with Shift+Enter, as a user would.
        page.locator(".jp-Notebook .jp-Cell").first.click()
        for _ in range(3):
            page.keyboard.press("Shift+Enter")
        stats = wait_frames(page, 1, timeout=90)
        assert stats["frames"] >= 1
        assert stats["width"] > 0 and stats["height"] > 0
    finally:
        page.close()


def test_missing_webcodecs_is_explained(lab: LabServer, browser, quickstart) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.add_init_script("delete window.VideoDecoder; delete window.EncodedVideoChunk;")
    try:
        open_notebook(page, lab.url, lab.token, "quickstart.ipynb")
        run_cell_code(page, "viewer")
        message = page.wait_for_selector(".napari-cuda-message", timeout=60_000)
        text = message.inner_text()
        assert "WebCodecs" in text and "secure context" in text, text
    finally:
        page.close()
