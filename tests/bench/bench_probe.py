"""Perceived motion-to-photon latency, measured in the page from the displayed canvas pixels.

The probe (PROBE_START) samples a grid of small patches of view 0's canvas after every animation
frame (a task queued from requestAnimationFrame runs after that frame's rendering, so every draw of
the frame is in), through the canvas's CSS transform if it has one, at whatever backing size the
canvas has (a moving view may be shown from a half-resolution frame). It never reads the widget's
bookkeeping of what it drew; it only reads `v.camera` right after each input to know where that
input asks the view to be.

When `match` is on (2D), the probe knows what each input should show: it keeps a full-resolution
reference read of the still view before the interaction and, for each input that moved the camera,
the patches' expected pixels (the reference resampled by the similarity transform from the reference
camera to that input's camera: pan and zoom about a point). Each read is compared with the expected
pixels of the inputs of the last `window_ms`; the read shows input j when j's expected pixels match
best (the latest such input when a view was revisited, e.g. zoom in then out). An input's perceived
latency is the time of the first read at or after it that shows it or a later input, minus the
event's timeStamp. Matching noise between neighbouring inputs (a few px apart) can err by about one
input interval (16 ms at 60 events/s): early for a lagging display, late for an up-to-date one.

It is per input, where the widget's true m2p is per displayed daemon frame (from the latest input the
frame includes): inputs that a frame skipped over wait for the next one, and a stall delays every
input during it but is one frame, so perceived p95 exceeds true p95 without prediction.

A naive "first changed read after the input" would credit a drag's input with the frame of an earlier
input (frames keep arriving while the pointer keeps moving); it is reported as `first_change_*`.
When `match` is off (3D orbits: no 2D transform predicts them), the perceived latency is measured on
gesture onsets only: inputs after `ONSET_GAP_MS` without input, while the canvas was still, to their
first changed read (`onset_*`, reported in 2D too).
"""

from __future__ import annotations

from bench_common import pct

ONSET_GAP_MS = 250
MISS_MS = 1000
# A read matches its best candidate when the mean absolute RGB error is at most this many levels or
# this fraction of the median candidate's error (prediction and video coding both add some).
GATE_ABS = 20.0
GATE_REL = 0.6

PROBE_START = """(o) => {
  const v = globalThis.__napariCuda.views[0];
  const c = v.canvas, ctx = c.getContext('2d');
  if (globalThis.__ncProbe) globalThis.__ncProbe.stop();
  const cssW = c.offsetWidth, cssH = c.offsetHeight, P = o.patch;
  const pts = [];  // sample points (CSS px, pixel centres), patch by patch
  for (let gy = 0; gy < o.ny; gy++) for (let gx = 0; gx < o.nx; gx++) {
    const px = Math.round(cssW * (o.x0 + (o.x1 - o.x0) * (gx + 0.5) / o.nx) - P / 2);
    const py = Math.round(cssH * (o.y0 + (o.y1 - o.y0) * (gy + 0.5) / o.ny) - P / 2);
    for (let j = 0; j < P; j++) for (let i = 0; i < P; i++) pts.push([px + i + 0.5, py + j + 0.5]);
  }
  const N = pts.length, PP = P * P;
  const refW = c.width, refH = c.height;
  const ref = o.match ? ctx.getImageData(0, 0, refW, refH).data : null;
  const cam0 = v.camera;
  const same = (a, b) => a.zoom === b.zoom && a.center.join() === b.center.join()
    && a.angles.join() === b.angles.join();
  // The reference's pixels that camera `cam` shows at each sample point (-1: not in the reference).
  const expect = (cam) => {
    const out = new Int16Array(N * 3).fill(-1);
    const [ay, ax] = cam0.center.slice(-2), [by, bx] = cam.center.slice(-2), k = cam0.zoom / cam.zoom;
    for (let s = 0; s < N; s++) {
      const qx = cssW / 2 + (bx - ax) * cam0.zoom + (pts[s][0] - cssW / 2) * k;
      const qy = cssH / 2 + (by - ay) * cam0.zoom + (pts[s][1] - cssH / 2) * k;
      const rx = Math.floor(qx * refW / cssW), ry = Math.floor(qy * refH / cssH);
      if (rx < 0 || ry < 0 || rx >= refW || ry >= refH) continue;
      const r = (ry * refW + rx) * 4;
      out[3 * s] = ref[r]; out[3 * s + 1] = ref[r + 1]; out[3 * s + 2] = ref[r + 2];
    }
    return out;
  };
  // The displayed pixel at each sample point: through the canvas's CSS transform, at its backing size.
  const read = () => {
    const bw = c.width, bh = c.height, sx = bw / cssW, sy = bh / cssH;
    const st = getComputedStyle(c);
    let m = null;
    if (st.transform && st.transform !== 'none') {
      const org = st.transformOrigin.split(' ').map(parseFloat);
      m = new DOMMatrix().translate(org[0], org[1]).multiply(new DOMMatrix(st.transform))
        .translate(-org[0], -org[1]).inverse();
    }
    const out = new Int16Array(N * 3);
    for (let p = 0; p < N; p += PP) {
      const bxy = [];
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (let s = p; s < p + PP; s++) {
        let [x, y] = pts[s];
        if (m !== null) { const q = m.transformPoint(new DOMPoint(x, y)); x = q.x; y = q.y; }
        const b = [Math.floor(x * sx), Math.floor(y * sy)];
        bxy.push(b);
        if (b[0] >= 0 && b[1] >= 0 && b[0] < bw && b[1] < bh) {
          x0 = Math.min(x0, b[0]); y0 = Math.min(y0, b[1]); x1 = Math.max(x1, b[0]); y1 = Math.max(y1, b[1]);
        }
      }
      if (x0 > x1) continue;  // the patch shows no canvas pixel: black
      const d = ctx.getImageData(x0, y0, x1 - x0 + 1, y1 - y0 + 1).data, w = x1 - x0 + 1;
      for (let s = p; s < p + PP; s++) {
        const [x, y] = bxy[s - p];
        if (x < x0 || y < y0 || x > x1 || y > y1) continue;
        const r = ((y - y0) * w + (x - x0)) * 4;
        out[3 * s] = d[r]; out[3 * s + 1] = d[r + 1]; out[3 * s + 2] = d[r + 2];
      }
    }
    return {px: out, transformed: m !== null, size: bw + 'x' + bh};
  };
  const err = (a, e) => {
    let sum = 0, n = 0;
    for (let s = 0; s < a.length; s++) if (e[s] >= 0) { sum += Math.abs(a[s] - e[s]); n++; }
    return n >= 0.3 * a.length ? sum / n : Infinity;
  };
  const probe = {inputs: [], reads: [], cands: [], last: cam0, prev: null, stopped: false, sizes: {}, transformed: 0};
  if (o.match) probe.cands.push({i: -1, t: performance.now(), px: expect(cam0)});
  probe.input = (ev) => {
    const cam = v.camera;
    if (same(cam, probe.last)) return;  // a press, release or clamped wheel: nothing to show
    probe.last = cam;
    const i = probe.inputs.length;
    probe.inputs.push({i, t: ev.timeStamp});
    if (o.match) probe.cands.push({i, t: ev.timeStamp, px: expect(cam)});
  };
  const sample = () => {
    const now = performance.now(), r = read();
    probe.sizes[r.size] = (probe.sizes[r.size] || 0) + 1;
    probe.transformed += r.transformed ? 1 : 0;
    let d = 0;
    if (probe.prev !== null) {
      for (let s = 0; s < r.px.length; s++) d += Math.abs(r.px[s] - probe.prev[s]);
      d /= r.px.length;
    }
    probe.prev = r.px;
    const rec = {t: now, d};
    if (o.match) {
      const cs = probe.cands.filter((x, k) => x.t >= now - o.window_ms || k >= probe.cands.length - 4);
      probe.cands = cs;
      const errs = cs.map((x) => err(r.px, x.px));
      const best = Math.min(...errs);
      if (Number.isFinite(best)) {
        let j = -1;
        errs.forEach((e, k) => { if (e <= best + 1e-6) j = Math.max(j, cs[k].i); });  // ties: a revisited view
        const sorted = errs.filter(Number.isFinite).sort((a, b) => a - b);
        Object.assign(rec, {j, e: best, m: sorted[sorted.length >> 1]});
      }
    }
    probe.reads.push(rec);
  };
  const loop = () => requestAnimationFrame(() => setTimeout(() => { if (!probe.stopped) { sample(); loop(); } }, 0));
  probe.stop = () => { probe.stopped = true; };
  probe.take = () => ({inputs: probe.inputs, reads: probe.reads, sizes: probe.sizes, transformed: probe.transformed});
  globalThis.__ncProbe = probe;
  sample();
  loop();
  return {patches: N / PP, samples: N, reference: [refW, refH], css: [cssW, cssH]};
}"""
PROBE_TAKE = "() => { const p = globalThis.__ncProbe; p.stop(); return p.take(); }"

# Patches: a 4 x 3 grid of 8 x 8 CSS px over the middle of the canvas (what a drag of the patterns'
# size keeps inside the reference read before it).
GRID = {"patch": 8, "nx": 4, "ny": 3, "x0": 0.3, "x1": 0.7, "y0": 0.35, "y1": 0.65, "window_ms": 1200}


def start_probe(page, match: bool) -> dict:  # type: ignore[no-untyped-def]
    """Install the probe on view 0 of a still page (the reference is read now)."""
    return page.evaluate(PROBE_START, {**GRID, "match": match})


def take_probe(page) -> dict:  # type: ignore[no-untyped-def]
    return page.evaluate(PROBE_TAKE)


def _matches(r: dict) -> bool:
    return "j" in r and (r["e"] <= GATE_ABS or r["e"] <= GATE_REL * r["m"])


def _first(reads: list[dict], t: float, ok) -> float | None:  # type: ignore[no-untyped-def]
    for r in reads:
        if r["t"] > t + MISS_MS:
            return None
        if r["t"] >= t and ok(r):
            return r["t"] - t
    return None


def _summary(prefix: str, lat: list[float | None]) -> dict:
    got = [v for v in lat if v is not None]
    return {
        f"{prefix}_p50_ms": pct(got, 50),
        f"{prefix}_p95_ms": pct(got, 95),
        f"{prefix}_samples": len(got),
        f"{prefix}_missed": len(lat) - len(got),
    }


def perceived_fields(log: dict, match: bool, end_ms: float) -> dict:
    """Latency fields from a PROBE_TAKE log; inputs later than `end_ms` - MISS_MS are left out
    (the probe stopped before they could be seen or missed)."""
    reads = log["reads"]
    inputs = [x for x in log["inputs"] if x["t"] <= end_ms - MISS_MS]
    changed = [r for r in reads if r["d"] > 0.5]  # mean |diff| > 0.5 levels: not just a re-read
    first_change = [_first(changed, x["t"], lambda r: True) for x in inputs]
    onsets = []
    for k, x in enumerate(inputs):
        gap = x["t"] - inputs[k - 1]["t"] if k else float("inf")
        still = not any(x["t"] - ONSET_GAP_MS <= r["t"] < x["t"] for r in changed)
        if gap >= ONSET_GAP_MS and still:
            onsets.append(_first(changed, x["t"], lambda r: True))
    if match:
        perceived = [_first(reads, x["t"], lambda r, i=x["i"]: _matches(r) and r["j"] >= i) for x in inputs]
        unmatched = sum(1 for r in reads if "j" in r and not _matches(r))
    else:
        perceived = onsets
        unmatched = None
    s = _summary("perceived_m2p", perceived)
    return {
        "perceived_method": "match" if match else "onset",
        "perceived_m2p_p50_ms": s["perceived_m2p_p50_ms"],
        "perceived_m2p_p95_ms": s["perceived_m2p_p95_ms"],
        "perceived_samples": s["perceived_m2p_samples"],
        "perceived_missed": s["perceived_m2p_missed"],
        **_summary("first_change", first_change),
        **_summary("onset", onsets),
        "probe_reads": len(reads),
        "probe_reads_unmatched": unmatched,
        "probe_canvas_sizes": log["sizes"],
        "probe_css_transformed_reads": log["transformed"],
    }
