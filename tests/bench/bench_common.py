"""Helpers shared by the benchmark scenarios: notebooks, percentiles, daemon memory and metrics."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
from jupyter_client import BlockingKernelClient

from support.lab import LabServer, run_code

READ_STATS = """() => {
  const v = globalThis.__napariCuda.views[0];
  const st = v.stats();
  return {frames: st.frames, width: st.width, height: st.height, bytes: v.bytes, seq: v.seq,
          m2p: v.m2p, renderMs: v.renderMs, encodeMs: v.encodeMs, decodeMs: v.decodeMs,
          frameSizes: v.frameSizes};
}"""


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(math.ceil(q / 100 * len(s))) - 1)], 2)


def write_notebook(lab: LabServer, name: str, *cells: str) -> str:
    """Write `name`.ipynb with these code cells into the lab's root; returns its path relative to root."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, lab.root / f"{name}.ipynb")
    return f"{name}.ipynb"


def frame_stats(s: dict, elapsed: float) -> dict:
    """The interactive-rate fields of a READ_STATS result over `elapsed` seconds."""
    return {
        "fps": round(s["frames"] / elapsed, 1),
        "m2p_p50_ms": pct(s["m2p"], 50),
        "m2p_p95_ms": pct(s["m2p"], 95),
        "render_ms_p50": pct(s["renderMs"], 50),
        "encode_ms_p50": pct(s["encodeMs"], 50),
        "decode_ms_p50": pct(s["decodeMs"], 50),
        "bytes_per_s": round(s["bytes"] / elapsed),
        "frames": s["frames"],
        # Coded sizes displayed: a moving view on a slow node is streamed at half resolution.
        "frame_sizes": s.get("frameSizes", {}),
    }


def proc_status_kb(pid: int, key: str) -> int | None:
    """A `kB` field of /proc/<pid>/status (VmHWM: peak resident set, VmRSS: current), or None."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else None


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (the daemon's encoders), from /proc."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def memory_fields(pid: int) -> dict:
    """Peak and current resident memory of the daemon, and the peak of its child processes, in MiB."""

    def mib(kb: int | None) -> float | None:
        return None if kb is None else round(kb / 1024, 1)

    kids = [proc_status_kb(c, "VmHWM") for c in children(pid)]
    return {
        "daemon_peak_rss_mb": mib(proc_status_kb(pid, "VmHWM")),
        "daemon_rss_mb": mib(proc_status_kb(pid, "VmRSS")),
        "encoder_peak_rss_mb": mib(sum(k for k in kids if k is not None)) if kids else None,
    }


METRICS_CODE = """\
import urllib.request as _u
_d = viewer._link.ensure()
_r = _u.Request(f"http://{_d.host}:{_d.port}/metrics", headers={"Authorization": f"Bearer {_d.view_token}"})
print(_u.urlopen(_r, timeout=10).read().decode())
"""


def daemon_metrics(kc: BlockingKernelClient) -> dict[str, float]:
    """The daemon's Prometheus metrics (fetched by the kernel, which holds the token), summed over labels.

    Histograms give `<name>_sum` and `<name>_count`. Empty when the daemon has no /metrics.
    """
    try:
        text = run_code(kc, METRICS_CODE)
    except RuntimeError:
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$", line)
        if m and not line.startswith("#"):
            try:
                out[m.group(1)] = out.get(m.group(1), 0.0) + float(m.group(3))
            except ValueError:
                pass
    return out


def cache_fields(metrics: dict[str, float]) -> dict:
    """Chunk loading and cache fields from daemon_metrics() (None where the daemon does not export them)."""

    def get(name: str) -> float | None:
        return metrics.get(name)

    dwell_n = get("napari_cuda_ms_switch_dwell_ms_count")
    dwell_sum = get("napari_cuda_ms_switch_dwell_ms_sum")
    loaded_bytes = get("napari_cuda_chunk_bytes_loaded_total")
    cache_bytes = get("napari_cuda_chunk_cache_bytes")
    return {
        "chunks_loaded": None
        if get("napari_cuda_chunks_loaded_total") is None
        else int(metrics["napari_cuda_chunks_loaded_total"]),
        # None while the daemon counts chunks but not their bytes (napari_cuda_chunk_bytes_loaded_total stays 0).
        "chunk_mb_loaded": None if not loaded_bytes else round(loaded_bytes / 2**20, 1),
        "chunk_cache_mb": None if cache_bytes is None else round(cache_bytes / 2**20, 1),
        "ms_auto_switches": None
        if get("napari_cuda_ms_auto_switches") is None
        else int(metrics["napari_cuda_ms_auto_switches"]),
        "ms_switch_dwell_ms_mean": round(dwell_sum / dwell_n, 1) if dwell_n and dwell_sum is not None else None,
    }


def viewer_info(kc: BlockingKernelClient, name: str = "viewer") -> dict:
    return json.loads(run_code(kc, f"import json; print(json.dumps({name}.info(), default=str))"))
