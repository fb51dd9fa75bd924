"""Nearest earlier value: the distance from each value to the closest one before it.

The search behind :class:`anomalia.detectors.novelty.ValueNoveltyDetector`:
batch lookups in whole-array numpy (:func:`nearest_earlier_distance`) and an
incremental lookup that extends a sorted past in place
(:func:`nearest_and_insert`), for streams.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Sequence

import numpy as np
from sortedcontainers import SortedList

#: Rows handled together by :func:`nearest_earlier_distance` (2**15 measured a little
#: faster than 2**16); block ids stay within 16 bits, which numpy radix-sorts.
_CHUNK = 1 << 15
#: Sorted values of the latest chunks are merged into the sorted past only once
#: they reach this many, so a long series costs few full-length merges.
_RECENT = 32 * _CHUNK


def _nearest_in_sorted(past: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Distance from each query to the nearest value of sorted ``past`` (inf if empty)."""
    if not len(past):
        return np.full(len(queries), np.inf)
    order = np.argsort(queries, kind="stable")
    ordered = queries[order]  # sorted queries make searchsorted's bisection cache-friendly
    position = np.searchsorted(past, ordered)
    above = past[np.minimum(position, len(past) - 1)] - ordered
    above[position == len(past)] = np.inf
    below = ordered - past[np.maximum(position - 1, 0)]
    below[position == 0] = np.inf
    out = np.empty(len(queries))
    out[order] = np.minimum(above, below)
    return out


def _nearest_within(values: np.ndarray) -> np.ndarray:
    """Distance from each value to the nearest earlier value of the same array (inf for the first).

    Offline divide and conquer over time (CDQ), run level by level for every
    block at once: at block size ``s`` each row of an odd block looks up its
    nearest value in the even block just before it, by bisection over that
    block's values sorted by rank. Every earlier row lies in exactly one such
    block, so after ``log2(m)`` levels each row has seen all of them:
    O(m log m) work in whole-array numpy operations. ``len(values)`` must be
    at most ``2 * _CHUNK``.
    """
    m = len(values)
    order = np.argsort(values, kind="stable")
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(m)
    by_rank = values[order]
    index = np.arange(m, dtype=np.int64)
    best = np.full(m, np.inf)
    size = 1
    while size < m:
        block = index // size
        right = (block & 1) == 1
        pair = block >> 1
        keys = pair * m + rank  # sorted by pair, then by value
        left = order[~right[order]]  # rows of even blocks, by rank
        left = left[np.argsort(pair[left].astype(np.uint16), kind="stable")]
        left_keys = keys[left]
        query, query_pair, query_value = keys[right], pair[right], values[right]
        position = np.searchsorted(left_keys, query)
        n_left = len(left_keys)
        up = left_keys[np.minimum(position, n_left - 1)]
        valid = (position < n_left) & (up // m == query_pair)
        above = np.where(valid, by_rank[up % m] - query_value, np.inf)
        down = left_keys[np.maximum(position - 1, 0)]
        valid = (position > 0) & (down // m == query_pair)
        below = np.where(valid, query_value - by_rank[down % m], np.inf)
        best[right] = np.minimum(best[right], np.minimum(above, below))
        size *= 2
    return best


def _merge_sorted(past: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Sorted union of sorted ``past`` and unsorted ``new``."""
    new = np.sort(new)
    return np.insert(past, np.searchsorted(past, new), new)


def _nearest_in_window(values: np.ndarray, seen: Sequence[float], memory: int) -> np.ndarray:
    """:func:`nearest_earlier_distance` with only the last ``memory`` values remembered.

    A sorted list of the remembered values (``sortedcontainers.SortedList``:
    O(log memory) per insertion and removal) and a queue to forget the
    oldest; O(memory) state, so a stream of any length runs in bounded memory.
    """
    history = list(seen)[-memory:]
    order = deque(history)  # oldest first, to forget in order
    past = SortedList(history)
    out = np.zeros(len(values))
    for t, value in enumerate(values.tolist()):
        position = past.bisect_left(value)
        above = past[position] - value if position < len(past) else np.inf
        below = value - past[position - 1] if position > 0 else np.inf
        nearest = min(above, below)
        out[t] = nearest if np.isfinite(nearest) else 0.0
        past.add(value)
        order.append(value)
        if len(order) > memory:
            past.remove(order.popleft())
    return out


def cell_openings(values: np.ndarray, seen: np.ndarray, cell: float) -> np.ndarray:
    """Rows whose cell (``floor(value / cell)``) holds no earlier value nor one of ``seen``."""
    cells = np.floor(values / cell)
    opens = np.zeros(len(values), dtype=bool)
    opens[np.unique(cells, return_index=True)[1]] = True
    return opens & ~np.isin(cells, np.floor(seen / cell))


def nearest_earlier_distance(
    values: np.ndarray, seen: Sequence[float] = (), memory: int | None = None, cell: float = 0.0
) -> np.ndarray:
    """Distance from each value to the nearest earlier one (or one of ``seen``).

    The first value, with nothing before it, gets 0. With all history
    remembered (``memory=None``) the rows are taken in chunks of 32,768: each
    chunk is looked up in the sorted values before it and, for the rows
    before it in the chunk, by :func:`_nearest_within`; O(n log n) work in
    numpy, about 2 µs a row at 10 million rows. With ``memory`` a sorted list
    of the remembered values is kept, O(log memory) a row.

    With ``cell > 0`` (and no ``memory``) the line is cut into cells of that
    width: a value whose cell already holds an earlier value (or one of
    ``seen``) gets 0, and a value that opens a cell gets its distance to the
    nearest of ``seen`` and the earlier values that opened cells. Each result
    is less than ``cell`` from the exact one, and only the rows that open a
    cell are searched: on a long series, few.

    Parameters
    ----------
    values : ndarray of shape (n,)
    seen : sequence of float
        Values before ``values[0]``, oldest first.
    memory : int or None
        Only the ``memory`` most recent values count as seen; None for all.
    cell : float, default 0.0
        Width of the cells (0: exact distances).

    Examples
    --------
    >>> nearest_earlier_distance(np.array([1.0, 3.0, 2.5, 10.0])).tolist()
    [0.0, 2.0, 0.5, 7.0]
    >>> nearest_earlier_distance(np.array([1.0, 3.0, 2.5, 3.2]), cell=1.0).tolist()
    [0.0, 2.0, 0.5, 0.0]
    """
    values = np.asarray(values, dtype=np.float64)
    if memory is not None:
        return _nearest_in_window(values, seen, memory)
    if cell > 0:
        seen = np.asarray(seen, dtype=np.float64)
        opens = cell_openings(values, seen, cell)
        out = np.zeros(len(values))
        out[opens] = nearest_earlier_distance(values[opens], seen)
        return out
    past = np.sort(np.asarray(seen, dtype=np.float64))
    recent = np.empty(0)
    out = np.empty(len(values))
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        out[start : start + _CHUNK] = np.minimum(
            np.minimum(_nearest_in_sorted(past, chunk), _nearest_in_sorted(recent, chunk)),
            _nearest_within(chunk),
        )
        recent = _merge_sorted(recent, chunk)
        if len(recent) >= _RECENT:
            past, recent = _merge_sorted(past, recent), np.empty(0)
    out[~np.isfinite(out)] = 0.0
    return out


def nearest_and_insert(values: np.ndarray, past: list[float], cell: float = 0.0) -> np.ndarray:
    """:func:`nearest_earlier_distance` against a sorted ``past``, which it extends in place.

    With ``cell > 0`` only the values that open a cell are inserted, so
    ``past`` stays the values the batch search compares with.
    """
    out = np.zeros(len(values))
    for t, value in enumerate(values.tolist()):
        position = bisect.bisect_left(past, value)
        if cell > 0:
            own = math.floor(value / cell)
            if (position < len(past) and math.floor(past[position] / cell) == own) or (
                position > 0 and math.floor(past[position - 1] / cell) == own
            ):
                continue  # the cell is taken: 0, nothing inserted
        above = past[position] - value if position < len(past) else np.inf
        below = value - past[position - 1] if position > 0 else np.inf
        nearest = min(above, below)
        out[t] = nearest if np.isfinite(nearest) else 0.0
        past.insert(position, value)
    return out
