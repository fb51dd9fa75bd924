"""The nearest-earlier-value search: by hand, with bounded memory, against a plain reference."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.features.nearest import nearest_and_insert, nearest_earlier_distance


def test_nearest_earlier_distance_by_hand():
    values = np.array([5.0, 7.0, 6.0, 6.5, 2.0, 7.0])
    np.testing.assert_allclose(nearest_earlier_distance(values), [0.0, 2.0, 1.0, 0.5, 3.0, 0.0])
    np.testing.assert_allclose(nearest_earlier_distance(np.array([4.0]), seen=[1.0, 10.0]), [3.0])


def test_bounded_memory_forgets_the_oldest_values():
    values = np.array([10.0, 0.0, 0.1, 0.2, 10.0])
    np.testing.assert_allclose(nearest_earlier_distance(values)[-1], 0.0)
    # With the last three values remembered, 10.0 is new again: nearest is 0.2.
    np.testing.assert_allclose(nearest_earlier_distance(values, memory=3)[-1], 9.8)
    np.testing.assert_allclose(
        nearest_earlier_distance(np.array([5.0]), seen=[5.0, 1.0], memory=1), [4.0]
    )


def _reference_nearest_earlier_distance(values, seen=(), memory=None):
    """The first implementation: a Python list kept sorted by insertion, O(n) a row."""
    import bisect
    from collections import deque

    history = list(seen)[-memory:] if memory is not None else list(seen)
    order, past = deque(history), sorted(history)
    out = np.zeros(len(values))
    for t, value in enumerate(values.tolist()):
        position = bisect.bisect_left(past, value)
        above = past[position] - value if position < len(past) else np.inf
        below = value - past[position - 1] if position > 0 else np.inf
        out[t] = min(above, below) if np.isfinite(min(above, below)) else 0.0
        past.insert(position, value)
        if memory is not None:
            order.append(value)
            if len(order) > memory:
                past.pop(bisect.bisect_left(past, order.popleft()))
    return out


@pytest.mark.parametrize(
    ("length", "shape"),
    [(n, shape) for n in (1, 2, 3, 17, 1000) for shape in ("noise", "ties", "walk")]
    + [(70_000, "ties")],  # crosses the 32,768-row chunks of the vectorised search
)
def test_fast_nearest_distance_equals_the_first_implementation_exactly(length, shape):
    rng = np.random.default_rng(length)
    values = {
        "noise": rng.normal(size=length),
        "ties": np.round(rng.normal(size=length), 1),
        "walk": np.cumsum(rng.normal(size=length)),
    }[shape]
    seen = rng.normal(size=25)
    for past in ((), seen):
        expected = _reference_nearest_earlier_distance(values, past)
        np.testing.assert_array_equal(nearest_earlier_distance(values, past), expected)
    if length <= 1000:
        for memory in (1, 7, 300):
            np.testing.assert_array_equal(
                nearest_earlier_distance(values, seen, memory),
                _reference_nearest_earlier_distance(values, seen, memory),
            )


@pytest.mark.parametrize("cell", [1e-3, 0.05, 0.5])
def test_distances_on_cells_are_within_a_cell_of_exact_and_stream_alike(cell):
    rng = np.random.default_rng(11)
    values = np.cumsum(rng.normal(size=5000)) * 0.1
    seen = rng.normal(size=40)
    exact = nearest_earlier_distance(values, seen)
    on_cells = nearest_earlier_distance(values, seen, cell=cell)
    assert np.all(np.abs(on_cells - exact) < cell)
    occupied, taken = set(np.floor(seen / cell).tolist()), []
    for value in np.floor(values / cell).tolist():
        taken.append(value in occupied)
        occupied.add(value)
    taken = np.array(taken)
    assert (on_cells[taken] == 0).all() and (on_cells[~taken] > 0).all()
    past = sorted(seen.tolist())
    pieces = [nearest_and_insert(part, past, cell) for part in np.array_split(values, 7)]
    np.testing.assert_array_equal(np.concatenate(pieces), on_cells)
