"""Spectral energy in frequency bands over a trailing window.

Each row's trailing window of ``window`` points (the row itself included) is
Fourier-transformed (``rfft`` of a strided sliding-window view, computed in
blocks of rows to bound memory); the one-sided power spectrum is summed within
each band. With the normalisation used here the band energies of a window add
up to its variance (Parseval), so they read as "variance carried by this band".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anomalia.exceptions import ConfigError
from anomalia.features.padding import extend_past

#: Upper bound on window values transformed at once (rows * window).
_BLOCK_VALUES = 1 << 22


def band_edges(bands: int | Sequence[float], window: int) -> np.ndarray:
    """Resolve ``bands`` into band edges in cycles per sample, checked against ``window``.

    Parameters
    ----------
    bands : int or sequence of float
        A number of equal-width bands over (0, 0.5], or increasing edges in
        [0, 0.5] such as ``(0, 0.05, 0.2, 0.5)`` (three bands).
    window : int
        Window length; every band must hold at least one of its frequencies
        ``k / window``.

    Returns
    -------
    edges : ndarray of shape (n_bands + 1,)

    Raises
    ------
    ConfigError
        If the edges are malformed or a band holds no frequency.
    """
    if isinstance(bands, (int, np.integer)) and not isinstance(bands, bool):
        if bands < 1:
            raise ConfigError(f"`fft_bands` must be an integer >= 1, got {bands!r}")
        edges = np.linspace(0.0, 0.5, int(bands) + 1)
    else:
        try:
            edges = np.asarray(bands, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError(
                f"`fft_bands` must be an integer or a sequence of band edges, got {bands!r}"
            ) from None
        if (
            edges.ndim != 1
            or len(edges) < 2
            or not np.all(np.diff(edges) > 0)
            or edges[0] < 0
            or edges[-1] > 0.5
        ):
            raise ConfigError(
                "`fft_bands` edges must be at least two increasing numbers in [0, 0.5] "
                f"(cycles per sample), got {bands!r}"
            )
    counts = _band_membership(edges, window).sum(axis=0)
    if (counts == 0).any():
        empty = int(np.argmin(counts))
        raise ConfigError(
            f"`fft_bands`: band ({edges[empty]:g}, {edges[empty + 1]:g}] holds no frequency "
            f"of a {window}-point window (multiples of 1/{window}); "
            "use fewer bands or a longer `fft_window`"
        )
    return edges


def _band_membership(edges: np.ndarray, window: int) -> np.ndarray:
    """0/1 matrix (n_frequencies, n_bands): frequency k / window lies in band b.

    The zero frequency (the window mean) belongs to no band; the first band
    includes its lower edge, the others only their upper edge.
    """
    frequencies = np.fft.rfftfreq(window)
    band = np.searchsorted(edges, frequencies, side="left") - 1
    band[frequencies == edges[0]] = 0
    membership = np.zeros((len(frequencies), len(edges) - 1))
    inside = (frequencies > 0) & (band >= 0) & (band < len(edges) - 1)
    membership[np.flatnonzero(inside), band[inside]] = 1.0
    return membership


def band_energies(
    values: np.ndarray,
    window: int,
    edges: np.ndarray,
    column_names: Sequence[str],
) -> tuple[np.ndarray, list[str]]:
    """Energy in each frequency band over the trailing ``window`` of each column.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_features)
    window : int
        Trailing window length (``>= 4``).
    edges : ndarray of shape (n_bands + 1,)
        Band edges from :func:`band_edges`.
    column_names : sequence of str

    Returns
    -------
    features : ndarray of shape (n_samples, n_features * n_bands)
    names : list of str
        ``"{column}_fft{low:g}-{high:g}_w{window}"``, e.g. ``"x0_fft0.25-0.5_w32"``.
    """
    n_rows, n_columns = values.shape
    membership = _band_membership(edges, window)
    # One-sided spectrum: every bin but DC and (even window) Nyquist stands for two.
    weight = np.full(membership.shape[0], 2.0 / window**2)
    weight[0] = 1.0 / window**2
    if window % 2 == 0:
        weight[-1] = 1.0 / window**2
    band_weights = membership * weight[:, None]
    n_bands = membership.shape[1]
    features = np.empty((n_rows, n_columns * n_bands))
    padded = extend_past(values, window - 1)
    block_rows = max(1, _BLOCK_VALUES // window)
    for column in range(n_columns if n_rows else 0):
        windows = np.lib.stride_tricks.sliding_window_view(padded[:, column], window)
        target = features[:, column * n_bands : (column + 1) * n_bands]
        for start in range(0, n_rows, block_rows):
            spectrum = np.fft.rfft(windows[start : start + block_rows], axis=1)
            power = spectrum.real**2 + spectrum.imag**2
            target[start : start + block_rows] = power @ band_weights
    names = [
        f"{column}_fft{low:g}-{high:g}_w{window}"
        for column in column_names
        for low, high in zip(edges[:-1], edges[1:], strict=True)
    ]
    return features, names
