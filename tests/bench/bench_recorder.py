"""In-page recording for the benchmark: meta changes and displayed frames of view 0, and a drag driver.

An in-page recorder polls the view (every 2 ms by default) and logs meta changes (levels, loading)
and displayed frames with their header's level; a frame counts for a condition when its header and
the meta the view held when it showed (sent just before the frame, same socket) agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench_common import READ_STATS, frame_stats

# Starts the recorder on view 0, polling every `ms`; returns performance.timeOrigin (epoch ms of the page's
# clock zero).
REC_START = """(ms) => {
  const v = globalThis.__napariCuda.views[0];
  const rec = {events: [], stop: false};
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
      rec.events.push({k: 'frame', t: v.lastFrameAt, n: f, lv: st.level, lc: st.level_count});
    }
    setTimeout(tick, ms);
  };
  tick();
  if (globalThis.__ncRec) globalThis.__ncRec.stop = true;
  globalThis.__ncRec = rec;
  return performance.timeOrigin;
}"""
REC_TAKE = "() => { const r = globalThis.__ncRec; const e = r.events; r.events = []; return e; }"
REC_STOP = "() => { if (globalThis.__ncRec) globalThis.__ncRec.stop = true; }"

# Drag-only input at 60 events/s, generated in the page (see bench.py's DRIVE for why).
# pan: 0.5 s strokes of 500 px; every 3 s the direction turns (right, down, left, up: the view travels
# a 3000 px square at 1:1, so new chunks keep coming into view). orbit: 1 s horizontal strokes of
# 400 px, alternating direction.
DRAG = """async ([seconds, mode]) => {
  const c = globalThis.__napariCuda.views[0].canvas;
  c.scrollIntoView({block: 'center'});
  const r = c.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const ptr = (type, x, y, buttons) => c.dispatchEvent(new PointerEvent(type, {
    clientX: x, clientY: y, pointerId: 1, pointerType: 'mouse', isPrimary: true, button: 0, buttons,
    bubbles: true, cancelable: true}));
  const dirs = [[-1, 0], [0, -1], [1, 0], [0, 1]];
  const stroke = mode === 'pan' ? 0.5 : 1.0, len = mode === 'pan' ? 500 : 400;
  const t0 = performance.now();
  let s = -1, k = 0, x = cx, y = cy;
  while (performance.now() - t0 < seconds * 1000) {
    const t = (performance.now() - t0) / 1000;
    const d = mode === 'pan' ? dirs[Math.floor(t / 3) % 4] : [Math.floor(t) % 2 === 0 ? 1 : -1, 0];
    const u = (t % stroke) / stroke;
    const nx = cx + d[0] * len * (u - 0.5), ny = cy + d[1] * len * (u - 0.5);
    if (Math.floor(t / stroke) !== s) {
      if (s >= 0) ptr('pointerup', x, y, 0);
      s = Math.floor(t / stroke);
      x = nx; y = ny;
      ptr('pointerdown', x, y, 1);
    } else {
      x = nx; y = ny;
      ptr('pointermove', x, y, 1);
    }
    k++;
    await new Promise((res) => setTimeout(res, Math.max(0, t0 + k * 1000 / 60 - performance.now())));
  }
  ptr('pointerup', x, y, 0);
  return k;
}"""


class Recorder:
    """The page's meta/frame log, accumulated here; times in page ms (performance.now())."""

    def __init__(self, page, poll_ms: float = 2) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.origin = float(page.evaluate(REC_START, poll_ms))
        self.events: list[dict] = []

    def take(self) -> list[dict]:
        """Events logged since the last call (also kept in self.events)."""
        new = self.page.evaluate(REC_TAKE)
        self.events += new
        return new

    def page_ms(self, epoch_s: float) -> float:
        """A kernel time.time() on the page's clock."""
        return epoch_s * 1000 - self.origin

    def wait(self, ok: Callable[[dict, dict], bool], since: float, timeout: float = 60) -> float:
        """Display time (page ms) of the first frame at or after `since` for which ok(meta, frame) holds.

        meta: the latest meta the view had when the frame was seen; frame: {lv, lc}, the level and
        level count in the frame's header (lc is 1 until the daemon drew the pyramid layer).
        """
        deadline = time.monotonic() + timeout
        while True:
            self.take()
            found = self._find(ok, since)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                last = next((e["meta"] for e in reversed(self.events) if e["k"] == "meta"), None)
                raise TimeoutError(f"no such frame within {timeout}s; last meta {last}")
            time.sleep(0.05)

    def _find(self, ok: Callable[[dict, dict], bool], since: float) -> float | None:
        meta: dict | None = None
        for e in self.events:
            if e["k"] == "meta":
                meta = e["meta"]
            elif meta is not None and e["t"] >= since and ok(meta, e):
                return float(e["t"])
        return None

    def stop(self) -> None:
        self.page.evaluate(REC_STOP)


def has_layer(m: dict) -> bool:
    return len(m.get("layers") or []) > 0


def shows_layer(m: dict, f: dict) -> bool:
    """The frame was rendered with the pyramid layer in the scene (its header has the level count)."""
    return has_layer(m) and f["lc"] > 1


def complete(m: dict, f: dict) -> bool:
    """Every visible chunk at the chosen level is drawn (a meta sent before the view ever rendered the layer
    also says `loaded`, so the frame's own header must show the layer at that level)."""
    layer = m["layers"][0] if has_layer(m) else None
    return shows_layer(m, f) and layer["loaded"] and m["loading"] == 0 and f["lv"] == layer["data_level"]


def at_level0(m: dict, f: dict) -> bool:
    return shows_layer(m, f) and f["lv"] == 0


def sharp(m: dict, f: dict) -> bool:
    return complete(m, f) and f["lv"] == 0


def drag(page, seconds: float, mode: str) -> dict:  # type: ignore[no-untyped-def]
    """Drive `mode` drags for `seconds`; the frame statistics of that window, and how many of its frames
    showed a coarser level than the chosen one or were drawn while chunks were loading (10 ms polls)."""
    page.evaluate("() => globalThis.__napariCuda.views[0].reset()")
    seq0 = page.evaluate("() => globalThis.__napariCuda.views[0].seq")
    rec = Recorder(page, poll_ms=10)
    t0 = time.monotonic()
    events = int(page.evaluate(DRAG, [seconds, mode]))
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
        elif meta is not None and shows_layer(meta, e):
            polled += 1
            coarser += not meta["layers"][0]["loaded"]
            loading += meta["loading"] > 0
    return {
        **frame_stats(s, elapsed),
        "input_events": events,
        "states_sent": s["seq"] - seq0,
        "frames_polled": polled,
        "frames_not_at_chosen_level": coarser,
        "frames_while_loading": loading,
    }
