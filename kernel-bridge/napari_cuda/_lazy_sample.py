"""Where a lazy image's default contrast range is sampled: a bounded read, never a full pass."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

SAMPLE_BYTES = 16 * 2**20  # a level this small is read whole for the default contrast range


def sample_regions(
    levels: list[dict[str, Any]], dtype: np.dtype, reduced: bool
) -> list[tuple[int, list[int], list[int]]]:
    """(level, start, stop) regions to read: the coarsest given level (reduced images: level 0)
    when it is at most SAMPLE_BYTES, else up to 2x2 level-0 chunks at the centre of the middle plane."""
    last = 0 if reduced else len(levels) - 1
    for level in dict.fromkeys((last, 0)):
        shape = levels[level]["shape"]
        if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize <= SAMPLE_BYTES:
            return [(level, [0] * len(shape), list(shape))]
    shape, chunks = levels[0]["shape"], levels[0]["chunks"]
    lead = [n // 2 for n in shape[:-2]]
    picks = []
    for n, c in zip(shape[-2:], chunks[-2:], strict=True):
        count = -(-n // c)
        first = min(max(round(n / 2 / c) - 1, 0), max(count - 2, 0))  # the 2 chunks nearest the centre
        picks.append(range(first, min(first + 2, count)))
    regions = []
    for iy, ix in itertools.product(*picks):
        start = [*lead, iy * chunks[-2], ix * chunks[-1]]
        stop = [*(x + 1 for x in lead), min((iy + 1) * chunks[-2], shape[-2]), min((ix + 1) * chunks[-1], shape[-1])]
        regions.append((0, start, stop))
    return regions
