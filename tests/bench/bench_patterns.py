"""Interaction patterns for the benchmark, generated inside the page as DOM events on view 0's canvas.

Input is generated in the page at 60 events/s (DOM PointerEvent/WheelEvent dispatched on the
canvas): driving it through CDP costs ~20 ms a call on this 2-core machine and caps the input rate
near 25/s. Each event that moved the camera is reported to the perceived-latency probe
(bench_probe.py) with its timeStamp.

Each event goes at a pseudo-random point (a fixed seed, so runs repeat) within one display frame
(16.7 ms) after its slot of the pattern's schedule. Events exactly 1/60 s or 300 ms apart would meet
the page's 60 Hz display clock at one phase for a whole run, and a run's perceived p50 would then be
mostly that phase: loopback notches 13-24 ms between runs of the same code (docs/latency.md, "The
display clock's phase"). Jittered, the runs sample every phase, as a person's hand does.

  continuous  one long drag around a circle of radius 0.2 * min(canvas w, h), one turn per 2 s
  pauses      the same drag, 300 ms moving / 300 ms still (the button stays down)
  notches     one wheel notch (deltaY 100 px) every 300 ms at a fixed point off the centre:
              in, in, out, out, ... (whole cycles: the view ends where it began)
  mixed       the historical pan_zoom drive: 1 s of circular dragging (radius min/6, one turn per
              second), then 1 s of wheel zooming (deltaY +-40 at 60/s), alternating
In 3D a drag orbits, so `continuous` and `pauses` orbit the volume.
"""

from __future__ import annotations

PATTERNS = ("continuous", "pauses", "notches", "mixed")

DRIVE = """async ([pattern, seconds, mark]) => {
  const v = globalThis.__napariCuda.views[0];
  const c = v.canvas;
  c.scrollIntoView({block: 'center'});
  const probe = globalThis.__ncProbe && !globalThis.__ncProbe.stopped ? globalThis.__ncProbe : null;
  const r = c.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  let n = 0;
  const fire = (ev) => {
    if (mark) performance.mark('ncInput');  // bench_trace.py finds the inputs on the timeline
    c.dispatchEvent(ev); n++; if (probe) probe.input(ev);
  };
  const ptr = (type, x, y, buttons) => fire(new PointerEvent(type, {
    clientX: x, clientY: y, pointerId: 1, pointerType: 'mouse', isPrimary: true, button: 0, buttons,
    bubbles: true, cancelable: true}));
  const wheel = (x, y, dy) => fire(new WheelEvent('wheel', {clientX: x, clientY: y, deltaMode: 0, deltaY: dy,
    bubbles: true, cancelable: true}));
  const f0 = v.frames, b0 = v.bytes, t0 = performance.now();
  let seed = 20261204;  // Park-Miller: the same jitter every run
  const jitter = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * (1000 / 60);
  const tick = (k, hz) => new Promise((res) =>
    setTimeout(res, Math.max(0, t0 + k * 1000 / hz + jitter() - performance.now())));
  let k = 0;
  const elapsed = () => (performance.now() - t0) / 1000;
  if (pattern === 'continuous' || pattern === 'pauses') {
    const rad = Math.min(r.width, r.height) * 0.2;
    let x = cx + rad, y = cy, moving = 0;  // seconds spent moving
    ptr('pointerdown', x, y, 1);
    while (elapsed() < seconds) {
      const t = elapsed();
      if (pattern === 'continuous' || t % 0.6 < 0.3) {
        moving = pattern === 'continuous' ? t : Math.floor(t / 0.6) * 0.3 + (t % 0.6);
        const a = moving * Math.PI;  // one turn per 2 s of moving
        x = cx + rad * Math.cos(a); y = cy + rad * Math.sin(a);
        ptr('pointermove', x, y, 1);
      }
      k++;
      await tick(k, 60);
    }
    ptr('pointerup', x, y, 0);
  } else if (pattern === 'notches') {
    const x = cx + r.width * 0.15, y = cy - r.height * 0.1;
    // A fixed count (whole in-in-out-out cycles end where they began): a timer that fires a hair
    // early could otherwise add a 21st notch, and the still view would differ between runs.
    const count = 4 * Math.floor(seconds / 1.2);
    while (k < count) {
      wheel(x, y, k % 4 < 2 ? -100 : 100);
      k++;
      await tick(k, 1000 / 300);
    }
  } else if (pattern === 'mixed') {
    const rad = Math.min(r.width, r.height) / 6;
    let seg = -1, x = cx + rad, y = cy;
    while (elapsed() < seconds) {
      const t = elapsed();
      if (Math.floor(t) !== seg) {
        if (seg % 2 === 0) ptr('pointerup', x, y, 0);
        seg = Math.floor(t);
        if (seg % 2 === 0) ptr('pointerdown', x, y, 1);
      }
      const a = (t % 1) * 2 * Math.PI;
      x = cx + rad * Math.cos(a); y = cy + rad * Math.sin(a);
      if (seg % 2 === 0) ptr('pointermove', x, y, 1);
      else wheel(x, y, Math.floor(k / 15) % 2 === 0 ? -40 : 40);
      k++;
      await tick(k, 60);
    }
    if (seg % 2 === 0) ptr('pointerup', x, y, 0);
  } else {
    throw new Error('unknown pattern ' + pattern);
  }
  return {events: n, frames: v.frames - f0, bytes: v.bytes - b0, ms: performance.now() - t0, end: performance.now()};
}"""


def drive(page, pattern: str, seconds: float, mark: bool = False) -> dict:  # type: ignore[no-untyped-def]
    """Run `pattern` for `seconds`: {events, frames and bytes displayed meanwhile, ms, end (page ms)}.
    `mark`: a performance mark per input (for a trace, bench_trace.py)."""
    return page.evaluate(DRIVE, [pattern, seconds, mark])
