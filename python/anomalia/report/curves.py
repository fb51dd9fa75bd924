"""ROC and precision-recall curves of several detectors, computed and drawn.

ROC AUC is the area under the ROC curve; for precision-recall the legend shows
average precision (AP, scikit-learn's step-wise area under the PR curve),
which unlike a trapezoidal area does not reward interpolating between
operating points that no threshold reaches.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from anomalia.exceptions import DataError
from anomalia.report.figures import (
    PALETTE,
    THRESHOLD_COLOUR,
    WIDE,
    house_style,
    literal,
    new_figure,
    save_png,
)


@dataclass(frozen=True)
class Curve:
    """The ROC and PR curves of one detector.

    Attributes
    ----------
    detector : str
    false_positive_rate, true_positive_rate : numpy.ndarray of shape (n_roc,)
    recall, precision : numpy.ndarray of shape (n_pr,)
    roc_auc, average_precision, prevalence : float
    """

    detector: str
    false_positive_rate: np.ndarray
    true_positive_rate: np.ndarray
    recall: np.ndarray
    precision: np.ndarray
    roc_auc: float
    average_precision: float
    prevalence: float


def _curve(detector: str, labels: ArrayLike, scores: ArrayLike) -> Curve | None:
    truth = np.asarray(labels, dtype=float).ravel()
    values = np.asarray(scores, dtype=float).ravel()
    if truth.shape != values.shape:
        raise DataError(
            f"detector {detector!r}: labels ({truth.size}) and scores ({values.size}) "
            "must have the same length"
        )
    keep = np.isfinite(truth) & np.isfinite(values)
    truth, values = truth[keep] == 1, values[keep]
    if truth.all() or not truth.any():
        warnings.warn(
            f"detector {detector!r} left out of the ROC/PR plot: its labels hold one class only",
            stacklevel=4,
        )
        return None
    false_positive_rate, true_positive_rate, _ = roc_curve(truth, values)
    precision, recall, _ = precision_recall_curve(truth, values)
    return Curve(
        detector=detector,
        false_positive_rate=false_positive_rate,
        true_positive_rate=true_positive_rate,
        recall=recall,
        precision=precision,
        roc_auc=float(roc_auc_score(truth, values)),
        average_precision=float(average_precision_score(truth, values)),
        prevalence=float(truth.mean()),
    )


def prepare_curves(curves: Mapping[str, tuple[ArrayLike, ArrayLike]]) -> list[Curve]:
    """Compute the curves of every detector that has both classes in its labels.

    Parameters
    ----------
    curves : mapping of str to (labels, scores)

    Returns
    -------
    list of Curve
        In the mapping's order.

    Raises
    ------
    DataError
        If a detector's arrays differ in length, or no detector is left.
    """
    prepared = [_curve(str(name), *pair) for name, pair in curves.items()]
    prepared = [curve for curve in prepared if curve is not None]
    if not prepared:
        raise DataError(
            "no detector has both normal and anomalous labels; ROC and PR curves need both"
        )
    return prepared


def draw_roc(ax: Axes, curves: list[Curve]) -> None:
    """ROC curves with the chance diagonal, AUC in the legend."""
    for index, curve in enumerate(curves):
        ax.plot(
            curve.false_positive_rate,
            curve.true_positive_rate,
            lw=1.6,
            color=PALETTE[index % len(PALETTE)],
            label=f"{literal(curve.detector)} (AUC {curve.roc_auc:.3f})",
        )
    ax.plot([0, 1], [0, 1], ls=":", lw=1, color=THRESHOLD_COLOUR, label="chance (AUC 0.500)")
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1.02),
        xlabel="false positive rate (share of normal points)",
        ylabel="true positive rate (recall)",
    )
    ax.set_title("ROC curve", loc="left")
    ax.legend(loc="lower right")


def draw_pr(ax: Axes, curves: list[Curve]) -> None:
    """Precision-recall curves with the chance level (prevalence), AP in the legend."""
    for index, curve in enumerate(curves):
        ax.plot(
            curve.recall,
            curve.precision,
            lw=1.6,
            drawstyle="steps-post",
            color=PALETTE[index % len(PALETTE)],
            label=f"{literal(curve.detector)} (AP {curve.average_precision:.3f})",
        )
    prevalence = curves[0].prevalence
    ax.axhline(
        prevalence,
        ls=":",
        lw=1,
        color=THRESHOLD_COLOUR,
        label=f"chance (prevalence {prevalence:.3f})",
    )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1.02),
        xlabel="recall (share of anomalous points found)",
        ylabel="precision (share of flags that are right)",
    )
    ax.set_title("Precision–recall curve", loc="left")
    ax.legend(loc="upper right")


def plot_roc_pr(curves: Mapping[str, tuple[ArrayLike, ArrayLike]], path: str | Path) -> Path:
    """ROC and precision-recall curves of several detectors, side by side.

    Parameters
    ----------
    curves : mapping of str to (labels, scores)
        For each detector, the ground truth (0/1) and its scores, aligned.
        Pairs with a NaN in either are left out; a detector whose labels hold
        one class only is skipped with a warning.
    path : str or pathlib.Path
        PNG to write.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    DataError
        If the arrays of a detector differ in length or no detector has both classes.
    """
    prepared = prepare_curves(curves)
    with house_style():
        figure, (roc_ax, pr_ax) = new_figure(WIDE, 4.3, ncols=2)
        draw_roc(roc_ax, prepared)
        draw_pr(pr_ax, prepared)
    return save_png(figure, path)
