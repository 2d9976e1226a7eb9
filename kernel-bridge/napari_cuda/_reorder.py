"""Reordering a list as napari's EventedList does: single moves, and a permutation as fewest moves."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def plan_move_multiple(items: list[T], sources: list[int], dest_index: int) -> list[T]:
    """The order after napari's move_multiple: `sources` (valid indices, in that order) go as one
    block before the item at `dest_index`, counted before the move (len(items) = the end)."""
    n = len(items)
    if dest_index < 0:
        dest_index += n + 1
    if not 0 <= dest_index <= n:
        raise IndexError(f"dest_index {dest_index} out of range ({n} layers)")
    if len(set(sources)) != len(sources):
        raise ValueError(f"sources must not repeat a layer, got {sources}")
    moving = set(sources)
    rest = [item for i, item in enumerate(items) if i not in moving]
    k = sum(1 for i in range(dest_index) if i not in moving)
    return rest[:k] + [items[i] for i in sources] + rest[k:]


def _longest_increasing(seq: list[int]) -> set[int]:
    """Positions in `seq` of one longest strictly increasing subsequence (O(n^2): n is small)."""
    if not seq:
        return set()
    length = [1] * len(seq)
    prev = [-1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i] and length[j] + 1 > length[i]:
                length[i], prev[i] = length[j] + 1, j
    i = max(range(len(seq)), key=length.__getitem__)
    out = set()
    while i >= 0:
        out.add(i)
        i = prev[i]
    return out


def moves_to(current: list[Any], target: list[Any]) -> list[tuple[int, int, Any]]:
    """The fewest single moves (src, dst, item) turning `current` into `target` (a permutation of
    it, items compared by identity); `src` counts before the move, `dst` after, as napari's
    `moved` event. Items on a longest common ordered run stay; the others move next to the item
    before them in `target`, in target order."""
    where = {id(item): i for i, item in enumerate(current)}
    if len(target) != len(current) or {id(t) for t in target} != set(where):
        raise ValueError("a reorder must be a permutation of the layers")
    stay = _longest_increasing([where[id(t)] for t in target])
    cur = list(current)
    moves = []
    for k, item in enumerate(target):
        if k in stay:
            continue
        src = next(i for i, x in enumerate(cur) if x is item)
        cur.pop(src)
        dst = 0 if k == 0 else next(i for i, x in enumerate(cur) if x is target[k - 1]) + 1
        cur.insert(dst, item)
        if dst != src:
            moves.append((src, dst, item))
    return moves
