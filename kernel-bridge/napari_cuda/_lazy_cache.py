"""The kernel's tile cache for lazy images: LRU within a byte budget, one computation per key.

Reduced levels of a single-level lazy array are built from level-0 blocks; the cache keeps those
blocks (whole dask blocks, keyed by the array's name) and the reduced tiles so that a zoomed-out
overview or a z stack computes each block once, while
memory stays under NAPARI_CUDA_KERNEL_CACHE_BYTES (default 1 GiB; 0 turns caching off).
"""

from __future__ import annotations

import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from ._lazy_read import Cancelled, Signal, wait_or_cancel

CACHE_ENV = "NAPARI_CUDA_KERNEL_CACHE_BYTES"
CACHE_BYTES_DEFAULT = 2**30


def cache_budget() -> int:
    """NAPARI_CUDA_KERNEL_CACHE_BYTES as a byte count (default 1 GiB); ValueError naming it when bad."""
    raw = os.environ.get(CACHE_ENV, "").strip()
    if not raw:
        return CACHE_BYTES_DEFAULT
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{CACHE_ENV} must be a number of bytes, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{CACHE_ENV} must be >= 0, got {value}")
    return value


class _Flight:
    """A computation in progress that other threads wanting the same key wait for."""

    def __init__(self) -> None:
        self.done = Signal()
        self.value: np.ndarray | None = None
        self.error: BaseException | None = None


def _owner(key: Hashable) -> Hashable:
    return key[0] if isinstance(key, tuple) and key else key


class TileCache:
    """Thread-safe LRU of read-only arrays, bounded by `budget` bytes (an entry larger than the
    budget is computed but not kept). Keys are tuples whose first item is their owner: an owner is
    kept while `open(owner)` calls outnumber `drop(owner)` calls, and only open owners' values are
    stored (a computation that ends after its image closed leaves nothing behind).
    `stats`: hits, misses, evictions, bytes, entries."""

    def __init__(self, budget: int) -> None:
        self.budget = int(budget)
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._open: Counter[Hashable] = Counter()
        self._bytes = 0
        self._counts = {"hits": 0, "misses": 0, "evictions": 0}

    @property
    def stats(self) -> dict[str, int]:
        with self._lock:
            return {**self._counts, "bytes": self._bytes, "entries": len(self._items)}

    def open(self, owner: Hashable) -> None:
        """Let `owner`'s values be stored (counted: each open() needs its drop())."""
        with self._lock:
            self._open[owner] += 1

    def drop(self, owner: Hashable) -> None:
        """Undo one open(owner); on the last one, forget its entries and store no more of them."""
        with self._lock:
            if self._open[owner] > 1:
                self._open[owner] -= 1
                return
            self._open.pop(owner, None)
            for key in [k for k in self._items if _owner(k) == owner]:
                self._bytes -= int(self._items.pop(key).nbytes)

    def get(self, key: Hashable, compute: Callable[[], np.ndarray], cancelled: threading.Event) -> np.ndarray:
        """The cached value of `key`, else `compute()` (once, however many threads ask at a time)."""
        return self.get_many([key], lambda _keys: [compute()], cancelled)[key]

    def get_many(
        self,
        keys: Sequence[Hashable],
        compute: Callable[[list[Hashable]], list[np.ndarray]],
        cancelled: threading.Event,
    ) -> dict[Hashable, np.ndarray]:
        """The values of `keys`: cached ones, the ones other threads are computing (waited for), and
        the rest from ONE `compute(missing_keys)` call (so they can be computed together)."""
        want = list(dict.fromkeys(keys))
        out: dict[Hashable, np.ndarray] = {}
        while len(out) < len(want):
            mine: list[tuple[Hashable, _Flight]] = []
            theirs: list[tuple[Hashable, _Flight]] = []
            with self._lock:
                for key in want:
                    if key in out:
                        continue
                    hit = self._items.get(key)
                    if hit is not None:
                        self._items.move_to_end(key)
                        self._counts["hits"] += 1
                        out[key] = hit
                    elif key in self._flights:
                        theirs.append((key, self._flights[key]))
                    else:
                        self._flights[key] = _Flight()
                        self._counts["misses"] += 1
                        mine.append((key, self._flights[key]))
            if mine:
                out.update(self._run(mine, compute))
            for key, flight in theirs:
                wait_or_cancel(flight.done, cancelled)
                if flight.error is None and flight.value is not None:
                    out[key] = flight.value
                elif not isinstance(flight.error, Cancelled):
                    raise flight.error if flight.error is not None else RuntimeError(f"tile {key!r} was not computed")
                # else the thread computing it was cancelled, this one was not: the next round computes it here.
        return out

    def _run(
        self, mine: list[tuple[Hashable, _Flight]], compute: Callable[[list[Hashable]], list[np.ndarray]]
    ) -> dict[Hashable, np.ndarray]:
        error: BaseException | None = None
        try:
            values = compute([key for key, _ in mine])
            if len(values) != len(mine):
                raise RuntimeError(f"computed {len(values)} tiles for {len(mine)} keys")
            for value, (_, flight) in zip(values, mine, strict=True):
                value.flags.writeable = False  # shared between callers: nobody may change it
                flight.value = value
        except BaseException as exc:
            error = exc
            raise
        finally:
            with self._lock:
                for key, flight in mine:
                    del self._flights[key]
                    if error is None:
                        self._put(key, flight.value)
                    else:
                        flight.error = error
            for _, flight in mine:
                flight.done.set()
        return {key: flight.value for key, flight in mine if flight.value is not None}

    def _put(self, key: Hashable, value: Any) -> None:
        size = int(value.nbytes)
        if size > self.budget or _owner(key) not in self._open:
            return
        self._items[key] = value
        self._bytes += size
        self._shrink(self.budget)

    def _shrink(self, budget: int) -> None:
        while self._bytes > budget and self._items:
            _, old = self._items.popitem(last=False)
            self._bytes -= int(old.nbytes)
            self._counts["evictions"] += 1


_shared: TileCache | None = None
_shared_lock = threading.Lock()


def shared_cache() -> TileCache:
    """The kernel-wide cache, its budget read (and validated) from the environment on each call."""
    global _shared
    budget = cache_budget()
    with _shared_lock:
        if _shared is None:
            _shared = TileCache(budget)
        elif _shared.budget != budget:
            with _shared._lock:
                _shared.budget = budget
                _shared._shrink(budget)
        return _shared
