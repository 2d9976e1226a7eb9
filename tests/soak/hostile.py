"""Soak scenario "hostile" (issue 11, Prove recovery): 1,000 malformed or hostile messages per channel
plus oversize messages, a pre-auth flood, Origin and wrong-token tests against a real daemon, with a
legitimate viewer and view streaming throughout. `run()` returns the soak's result dict.

Run alone: `.venv/bin/python tests/soak/hostile.py` prints one JSON line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

_TESTS = Path(__file__).resolve().parents[1]
for _p in (_TESTS, _TESTS.parent / "kernel-bridge"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from support.hostile_suite import run_suite  # noqa: E402


def run(n: int = 1000, flood: int = 200, unknown: int = 100, seed: int = 11) -> dict[str, Any]:
    """Run the hostile-input scenario; {"name", "faults", "recoveries", "worst_recovery_s", "crashes",
    "orphans", "notes", ...} plus per-channel outcomes, checks and phases."""
    return run_suite(n=n, flood=flood, unknown=unknown, seed=seed)


if __name__ == "__main__":
    print(json.dumps(run()))
