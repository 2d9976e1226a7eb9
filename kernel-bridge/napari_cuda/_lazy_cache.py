"""The kernel's tile cache for lazy images: LRU within a byte budget, one computation per key.

Reduced levels of a single-level lazy array are built from level-0 blocks; the cache keeps those
blocks and the reduced tiles so that a zoomed-out overview computes each level-0 block once, while
memory stays under NAPARI_CUDA_KERNEL_CACHE_BYTES (default 1 GiB; 0 turns caching off).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from ._lazy_read import Cancelled

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
        self.done = threading.Event()
        self.value: np.ndarray | None = None
        self.error: BaseException | None = None


class TileCache:
    """Thread-safe LRU of read-only arrays, bounded by `budget` bytes (an entry larger than the
    budget is computed but not kept). `stats`: hits, misses, evictions, bytes, entries."""

    def __init__(self, budget: int) -> None:
        self.budget = int(budget)
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._bytes = 0
        self._counts = {"hits": 0, "misses": 0, "evictions": 0}

    @property
    def stats(self) -> dict[str, int]:
        with self._lock:
            return {**self._counts, "bytes": self._bytes, "entries": len(self._items)}

    def get(self, key: Hashable, compute: Callable[[], np.ndarray], cancelled: threading.Event) -> np.ndarray:
        """The cached value of `key`, else `compute()` (once, however many threads ask at a time)."""
        while True:
            with self._lock:
                hit = self._items.get(key)
                if hit is not None:
                    self._items.move_to_end(key)
                    self._counts["hits"] += 1
                    return hit
                flight = self._flights.get(key)
                owner = flight is None
                if flight is None:
                    flight = self._flights[key] = _Flight()
                    self._counts["misses"] += 1
            if owner:
                return self._run(key, flight, compute)
            while not flight.done.wait(0.02):
                if cancelled.is_set():
                    raise Cancelled()
            if flight.error is None and flight.value is not None:
                return flight.value
            if not isinstance(flight.error, Cancelled):
                raise flight.error if flight.error is not None else RuntimeError(f"tile {key!r} was not computed")
            # The thread computing it was cancelled, this one was not: compute it here.

    def _run(self, key: Hashable, flight: _Flight, compute: Callable[[], np.ndarray]) -> np.ndarray:
        try:
            value = compute()
            value.flags.writeable = False  # shared between callers: nobody may change it
            flight.value = value
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[key]
                if flight.error is None:
                    self._put(key, flight.value)
            flight.done.set()
        return value

    def _put(self, key: Hashable, value: Any) -> None:
        size = int(value.nbytes)
        if size > self.budget:
            return
        self._items[key] = value
        self._bytes += size
        while self._bytes > self.budget:
            _, old = self._items.popitem(last=False)
            self._bytes -= int(old.nbytes)
            self._counts["evictions"] += 1

    def drop(self, owner: Hashable) -> None:
        """Forget every entry whose key starts with `owner` (a closed image)."""
        with self._lock:
            for key in [k for k in self._items if isinstance(k, tuple) and k and k[0] == owner]:
                self._bytes -= int(self._items.pop(key).nbytes)


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
                while _shared._bytes > budget and _shared._items:
                    _, old = _shared._items.popitem(last=False)
                    _shared._bytes -= int(old.nbytes)
        return _shared
