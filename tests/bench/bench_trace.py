"""A Chrome trace of one pan_zoom pattern (BENCH_TRACE=<folder>), and where the page's main thread went.

The trace holds the renderer's main thread, the compositor, workers and the GPU process; open it in
https://ui.perfetto.dev (or chrome://tracing). The driver marks every input with
`performance.mark("ncInput")`, so each input can be found on the timeline. The summary counts what
every changed canvas costs the main thread: each commit (cc's `Commit`, the main thread blocked
while the compositor takes the frame) and, inside it, `Canvas2DResourceProvider::ProduceCanvasResource`
(a changed 2D canvas handed to the compositor; with a GPU canvas the main thread waits for the GPU
process to draw it, which in this machine's software Chromium is SwiftShader on the CPU).
"""

from __future__ import annotations

import json
from pathlib import Path

CATEGORIES = [
    "toplevel",
    "cc",
    "gpu",
    "blink",
    "blink.user_timing",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.frame",
]
INPUT_MARK = "ncInput"


def start(page, folder: Path, pattern: str) -> Path:  # type: ignore[no-untyped-def]
    """Start tracing the page; the path the trace will be written to."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"trace-{pattern}-{page.evaluate('() => Date.now()')}.json"
    page.context.browser.start_tracing(page=page, path=str(path), categories=CATEGORIES)
    return path


def stop(page, path: Path) -> dict:  # type: ignore[no-untyped-def]
    """Stop tracing; the main thread's summary (also written beside the trace as *.summary.json)."""
    page.context.browser.stop_tracing()
    summary = summarize(json.loads(path.read_text()))
    path.with_suffix(".summary.json").write_text(json.dumps(summary))
    return summary


def summarize(trace: dict | list) -> dict:
    """Per second of the pattern: commits and changed canvases on the page's main thread, and their ms."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    marks = [e for e in events if e.get("name") == INPUT_MARK and "user_timing" in e.get("cat", "")]
    if not marks:
        return {"inputs": 0}
    pid, tid = marks[0]["pid"], marks[0]["tid"]
    main = [e for e in events if e.get("pid") == pid and e.get("tid") == tid and e.get("ph") == "X"]
    seconds = max((max(m["ts"] for m in marks) - min(m["ts"] for m in marks)) / 1e6, 1e-3)

    def per_s(name: str) -> tuple[float, float]:
        xs = [e for e in main if e["name"] == name]
        return round(len(xs) / seconds, 1), round(sum(e.get("dur", 0) for e in xs) / 1e3 / seconds, 1)

    commits, commit_ms = per_s("Commit")
    canvases, canvas_ms = per_s("Canvas2DResourceProvider::ProduceCanvasResource")
    return {
        "inputs": len(marks),
        "seconds": round(seconds, 2),
        "commits_per_s": commits,
        "commit_ms_per_s": commit_ms,
        "canvas_resources_per_s": canvases,
        "canvas_resource_ms_per_s": canvas_ms,
    }
