"""HTML reports of detector scores, with PNG plots.

:func:`write_report` builds a whole standalone report folder atomically; the
``plot_*`` functions each write one PNG and can be used on their own.

Frames follow the data contract: observations in long format (``series_id``,
``timestamp`` in UTC, float value columns, optional ``label``) and scores
(``series_id``, ``timestamp``, ``detector``, ``score``, ``threshold``,
``is_anomaly``).
"""

from anomalia.report.html import write_report
from anomalia.report.plots import (
    plot_roc_pr,
    plot_score_boxes,
    plot_score_histogram,
    plot_scores,
    plot_series,
)

__all__ = [
    "plot_roc_pr",
    "plot_score_boxes",
    "plot_score_histogram",
    "plot_scores",
    "plot_series",
    "write_report",
]
