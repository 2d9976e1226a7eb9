"""Pieces of the `lazy` benchmark scenario (bench_lazy.py): the kernel code that builds procedural dask
arrays, a block-call log shared by the kernel and the dask workers, an in-page recorder that also
measures how much of the canvas shows data, and a memory sampler for the kernel, its dask workers and
the daemon.

Every block call appends one fixed-size record (start epoch s, duration s, pid) to a log file opened
with O_APPEND: one small write() each, so the kernel's threads and the LocalCluster's worker
processes can all append without a lock, and the benchmark reads the counts from outside.
"""

from __future__ import annotations

import struct
import threading
import time
from pathlib import Path

import psutil
from bench_common import READ_STATS, frame_stats
from bench_recorder import DRAG, Recorder

RECORD = struct.Struct("<ddq")  # start (epoch s), duration (s), pid

# Kernel code: `tera_levels` (a 1 TiB uint16 level 0, 2**19 x 2**20, and coarser levels down to
# 1024 x 2048, all 1024^2 blocks) and `flat_array` (one level). A block evaluates a procedural field
# at its level-0 coordinates (level k samples every 2**k-th point), then sleeps up to COST_S: the
# cost of a real reader or filter, on a 2-core machine without burning its CPU. Sleeping releases
# the GIL, so the kernel's chunk threads and the dask workers' threads overlap as real I/O would.
KERNEL_CODE = """\
import os as _os, struct as _struct, time as _time
import numpy as np
import dask.array as da

BLOCK_LOG = {log!r}
CHUNK = 1024


def field(y, x):
    \"\"\"Values in 900..3700 at level-0 coordinates (float32, y a column, x a row): tiles of 8192 px,
    blobs of ~100 px and a fine ripple, so every level looks different. Separable: the sines are
    taken on the 1-D axes, the 2-D work is a few multiply-adds.\"\"\"
    tiles = np.float32(600) * ((y // 8192) % 2 != (x // 8192) % 2)
    out = 900 * np.sin(x / 97.0) * np.cos(y / 61.0)
    out += 200 * (np.sin(x / 5.0) * np.cos(y / 5.0)) + 200 * (np.cos(x / 5.0) * np.sin(y / 5.0))
    out += tiles
    out += 2000
    return out.astype(np.uint16)


def block_fn(level, shape, cost_s):
    \"\"\"map_blocks function for one level (block_id only: block_info would cost seconds per call
    on a 2**19-block array, it is built for every block).\"\"\"
    step = 2**level

    def block(block_id=None):
        t0 = _time.time()
        i, j = block_id
        y0, x0 = i * CHUNK, j * CHUNK
        h, w = min(CHUNK, shape[0] - y0), min(CHUNK, shape[1] - x0)
        yy = (np.arange(y0, y0 + h, dtype=np.float32) * step)[:, None]
        xx = (np.arange(x0, x0 + w, dtype=np.float32) * step)[None, :]
        out = field(yy, xx)
        left = cost_s - (_time.time() - t0)
        if left > 0:
            _time.sleep(left)
        fd = _os.open(BLOCK_LOG, _os.O_WRONLY | _os.O_APPEND | _os.O_CREAT, 0o600)
        try:
            _os.write(fd, _struct.pack("<ddq", t0, _time.time() - t0, _os.getpid()))
        finally:
            _os.close(fd)
        return out

    return block


def lazy_level(shape, level, cost_s):
    chunks = tuple(tuple(min(CHUNK, n - k) for k in range(0, n, CHUNK)) for n in shape)
    return da.map_blocks(block_fn(level, shape, cost_s), dtype=np.uint16, chunks=chunks)


def tera_levels(cost_s, ny=2**19, nx=2**20, coarsest=1024):
    levels, k = [], 0
    while True:
        shape = (ny >> k, nx >> k)
        levels.append(lazy_level(shape, k, cost_s))
        if min(shape) <= coarsest:
            return levels
        k += 1


def flat_array(ny, nx, cost_s):
    return lazy_level((ny, nx), 0, cost_s)
"""

CLUSTER_CODE = """\
from dask.distributed import Client, LocalCluster
cluster = LocalCluster(n_workers=2, threads_per_worker={threads}, processes=True, dashboard_address=None)
client = Client(cluster)
client.submit(sum, [1, 2]).result()  # the workers are up
print(len(client.scheduler_info()["workers"]))
"""

# Layer stats of the kernel's LazyImage (helper K2's `stats`), wherever the layer's source keeps it.
LAZY_STATS = """\
import json as _j
def _find_stats(obj, depth=0):
    s = getattr(obj, "stats", None)
    if isinstance(s, dict):
        return s
    if depth < 2:
        for name in ("lazy", "_lazy", "image", "_image"):
            if hasattr(obj, name):
                found = _find_stats(getattr(obj, name), depth + 1)
                if found is not None:
                    return found
    return None
print(_j.dumps(_find_stats({layer}._source), default=float))
"""


class BlockLog:
    """The block calls logged so far in the file the kernel's block functions append to."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self) -> list[tuple[float, float, int]]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        n = len(data) // RECORD.size
        return [RECORD.unpack_from(data, i * RECORD.size) for i in range(n)]

    def count(self) -> int:
        try:
            return self.path.stat().st_size // RECORD.size
        except FileNotFoundError:
            return 0

    def summary(self, since: int = 0, until: int | None = None) -> dict:
        """Calls [since, until): how many, their mean duration (ms), and how many ran in each pid."""
        recs = self.records()[since:until]
        pids: dict[int, int] = {}
        for _, _, pid in recs:
            pids[pid] = pids.get(pid, 0) + 1
        return {
            "blocks": len(recs),
            "block_ms_mean": round(1000 * sum(r[1] for r in recs) / len(recs), 1) if recs else None,
            "pids": pids,
        }


# Recorder (bench_recorder.py) whose frame events also carry `cover`: the fraction of a 64 x 36
# thumbnail of the canvas that is not black (chunks not computed yet are drawn as 0, black in the
# gray colormap; every computed value is >= 900, dark grey or brighter at the contrast limits used here).
REC_START_COVER = """(ms) => {
  const v = globalThis.__napariCuda.views[0];
  const rec = {events: [], stop: false};
  const thumb = document.createElement('canvas');
  thumb.width = 64; thumb.height = 36;
  const tctx = thumb.getContext('2d', {willReadFrequently: true});
  const cover = () => {
    const c = v.canvas;
    if (!c || c.width === 0) return 0;
    tctx.drawImage(c, 0, 0, 64, 36);
    const d = tctx.getImageData(0, 0, 64, 36).data;
    let n = 0;
    for (let k = 0; k < d.length; k += 4) if (d[k] + d[k + 1] + d[k + 2] > 60) n++;
    return n / (64 * 36);
  };
  let frames = v.frames, text = JSON.stringify(v.meta);
  rec.events.push({k: 'meta', t: performance.now(), meta: v.meta});
  const tick = () => {
    if (rec.stop) return;
    const m = v.meta, s = JSON.stringify(m);
    if (s !== text) { text = s; rec.events.push({k: 'meta', t: performance.now(), meta: m}); }
    const f = v.frames;
    if (f !== frames) {
      frames = f;
      const st = v.stats();
      rec.events.push({k: 'frame', t: v.lastFrameAt, n: f, lv: st.level, lc: st.level_count, cover: cover()});
    }
    setTimeout(tick, ms);
  };
  tick();
  if (globalThis.__ncRec) globalThis.__ncRec.stop = true;
  globalThis.__ncRec = rec;
  return performance.timeOrigin;
}"""


class CoverRecorder(Recorder):
    """A Recorder whose frame events have `cover` (see REC_START_COVER)."""

    def __init__(self, page, poll_ms: float = 2) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.origin = float(page.evaluate(REC_START_COVER, poll_ms))
        self.events: list[dict] = []


def layer_meta(m: dict) -> dict | None:
    layers = m.get("layers") or []
    return layers[0] if layers else None


def shows_data(m: dict, f: dict) -> bool:
    """The layer is in the scene and some computed data is on the canvas."""
    return layer_meta(m) is not None and f.get("cover", 0) > 0.01


def complete_cover(m: dict, f: dict) -> bool:
    """Every visible chunk at the chosen level drawn, with data on the canvas (no level count
    needed: a single-level lazy layer may have one level)."""
    layer = layer_meta(m)
    return (
        layer is not None
        and layer["loaded"]
        and m["loading"] == 0
        and f["lv"] == layer["data_level"]
        and f.get("cover", 0) > 0.01
    )


class MemorySampler:
    """Resident memory of the kernel, its other descendants (dask workers) and the daemon, every
    `interval` seconds on a thread, in MiB."""

    def __init__(self, kernel_pid: int, daemon_pid: int, interval: float = 1.0) -> None:
        self.kernel = psutil.Process(kernel_pid)
        self.daemon_pid = daemon_pid
        self.interval = interval
        self.samples: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> dict:
        mib = 2**20
        daemon_tree: set[int] = {self.daemon_pid}
        try:
            daemon = psutil.Process(self.daemon_pid)
            daemon_tree |= {c.pid for c in daemon.children(recursive=True)}
            daemon_rss = daemon.memory_info().rss / mib
        except psutil.Error:
            daemon_rss = None
        workers = 0.0
        for c in self.kernel.children(recursive=True):
            if c.pid not in daemon_tree:
                try:
                    workers += c.memory_info().rss / mib
                except psutil.Error:
                    pass
        return {
            "t": time.monotonic(),
            "kernel": self.kernel.memory_info().rss / mib,
            "workers": workers,
            "daemon": daemon_rss,
        }

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.sample())

    def fields(self, prefix: str) -> dict:
        """Start, end and peak per process group, and the kernel's growth (mean of the last 10 s
        of samples minus the first 10 s: 'flat' is within 32 MiB or 10%)."""
        s = self.samples
        if not s:
            return {}
        out: dict = {}
        for key in ("kernel", "workers", "daemon"):
            vals = [x[key] for x in s if x[key] is not None]
            if vals:
                out[f"{prefix}{key}_rss_start_mb"] = round(vals[0], 1)
                out[f"{prefix}{key}_rss_end_mb"] = round(vals[-1], 1)
                out[f"{prefix}{key}_rss_peak_mb"] = round(max(vals), 1)
        span = max(1, int(round(10 / self.interval)))
        head = [x["kernel"] for x in s[:span]]
        tail = [x["kernel"] for x in s[-span:]]
        growth = sum(tail) / len(tail) - sum(head) / len(head)
        out[f"{prefix}kernel_rss_growth_mb"] = round(growth, 1)
        out[f"{prefix}kernel_rss_flat"] = growth <= max(32.0, 0.1 * head[0])
        out[f"{prefix}rss_samples"] = len(s)
        return out


# bench_recorder.py's pan drag, but always onward: left for 3 s, up for 3 s, ... The view drifts
# diagonally (about 1000 px/s at 1:1), so new blocks keep coming into view for as long as it runs.
_TURNS = "const dirs = [[-1, 0], [0, -1], [1, 0], [0, 1]];"
_TURN = "dirs[Math.floor(t / 3) % 4]"
assert _TURNS in DRAG and _TURN in DRAG, "bench_recorder.DRAG changed: update DRIFT"
DRIFT = DRAG.replace(_TURNS, "const dirs = [[-1, 0], [0, -1]];").replace(_TURN, "dirs[Math.floor(t / 3) % 2]")


def drift(page, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    """Drift-pan for `seconds` (DRIFT): frame statistics of that window and how many frames showed
    a coarser level than the chosen one or were drawn while chunks were loading."""
    page.evaluate("() => globalThis.__napariCuda.views[0].reset()")
    seq0 = page.evaluate("() => globalThis.__napariCuda.views[0].seq")
    rec = Recorder(page, poll_ms=10)
    t0 = time.monotonic()
    events = int(page.evaluate(DRIFT, [seconds, "pan"]))
    time.sleep(0.5)  # let the last frames land
    elapsed = time.monotonic() - t0
    s = page.evaluate(READ_STATS)
    rec.take()
    rec.stop()
    meta: dict | None = None
    polled = coarser = loading = 0
    for e in rec.events:
        if e["k"] == "meta":
            meta = e["meta"]
        elif meta is not None and layer_meta(meta) is not None:
            polled += 1
            coarser += not meta["layers"][0]["loaded"]
            loading += meta["loading"] > 0
    stats = frame_stats(s, elapsed)
    stats.pop("frame_sizes")
    return {
        **stats,
        "input_events": events,
        "states_sent": s["seq"] - seq0,
        "frames_polled": polled,
        "frames_not_at_chosen_level": coarser,
        "frames_while_loading": loading,
    }
