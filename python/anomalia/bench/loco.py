"""Leave-one-category-out (LOCO): NAB scores of choices made without the scored data.

NAB's usual total picks one threshold per profile on the whole corpus, and a
detector's defaults were often chosen on the same corpus: both have seen the
labels they are judged by. The LOCO protocol makes every such choice again
for each NAB category with that category left out, then scores the category
with the choice:

1. Each detector is run once per candidate of its grid (a mapping of
   parameter names to the values tried, :data:`DEFAULT_GRIDS` or ``--grid``),
   under the usual streaming rules.
2. For each category, the candidate and the corpus threshold that maximise
   the NAB score of the *other* categories are picked, and that candidate's
   scores of the left-out category are scored with that threshold.
3. The LOCO total adds the categories' raw scores and normalises them as NAB
   does (0 null, 100 perfect), so it sits beside the usual total, where the
   candidate and threshold are chosen on the whole corpus.

The protocol's pick for the defaults is the candidate picked for the most
categories (ties: the earlier in grid order).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalia.atomic import atomic_file
from anomalia.bench.nab import StreamOptions, load_corpus, run_detector
from anomalia.bench.nab_corpus import NabFile
from anomalia.bench.streaming import check_streamable
from anomalia.detectors.registry import make_detector
from anomalia.exceptions import ConfigError
from anomalia.metrics.nab import NabProfileScore, NabSeries, nab_score
from anomalia.metrics.nab_profiles import STANDARD

#: Parameters whose defaults were chosen by looking at NAB scores, and the
#: values the protocol tries (the shipped default among them). ``novelty``'s
#: ``season_weight`` is not among them: NAB cannot tell 0 from 0.3, but on the
#: synthetic corpus (``python -m anomalia.bench.synthetic``) 0 loses a third of
#: the score, so it stays at 0.3.
DEFAULT_GRIDS: dict[str, dict[str, list[Any]]] = {
    "novelty": {
        "onset_window": [0.25, 1 / 3, 0.5],
        "noise_units": [10.0, 20.0, 40.0],
        "season_mean_weight": [0.0, 0.2],
        "surprise_weight": [0.0, 1.0, 1.4],
        "onset_margin": [1.0, 1.3],
    },
}


def candidates(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in grid order (``[{}]`` for an empty grid)."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


@dataclass(frozen=True)
class LocoFold:
    """One left-out category.

    Attributes
    ----------
    category : str
    files, windows : int
    params : dict
        Candidate picked on the other categories.
    threshold : float
        Corpus threshold picked on the other categories.
    loco : float
        NAB score of the category with those picks (nan without windows).
    usual : float
        NAB score of the category with the whole corpus's picks.
    false_positives : int
        False alarms in the category with the LOCO picks.
    """

    category: str
    files: int
    windows: int
    params: dict[str, Any]
    threshold: float
    loco: float
    usual: float
    false_positives: int


@dataclass(frozen=True)
class LocoRow:
    """One detector under the LOCO protocol.

    Attributes
    ----------
    detector : str
    usual : float
        NAB total with candidate and threshold chosen on the whole corpus.
    usual_params : dict
        That candidate.
    loco : float
        NAB total of the left-out categories, each scored with picks made without it.
    default : float
        NAB total of the shipped defaults (threshold chosen on the whole corpus).
    picked : dict
        The protocol's pick: the candidate picked for the most categories.
    folds : list of LocoFold
    """

    detector: str
    usual: float
    usual_params: dict[str, Any]
    loco: float
    default: float
    picked: dict[str, Any]
    folds: list[LocoFold]


def _as_series(corpus: Sequence[NabFile], scores: Sequence[np.ndarray]) -> list[NabSeries]:
    return [NabSeries(s, file.windows, file.key) for file, s in zip(corpus, scores, strict=True)]


def _standard(series: Sequence[NabSeries], threshold: float | None = None) -> NabProfileScore:
    return nab_score(series, profiles=[STANDARD], threshold=threshold)[STANDARD.name]


def loco_scores(
    corpus: Sequence[NabFile],
    runs: Sequence[Sequence[np.ndarray]],
    grid_candidates: Sequence[dict[str, Any]],
) -> tuple[list[LocoFold], float, int]:
    """Folds, LOCO total and the index of the whole corpus's best candidate.

    ``runs[k]`` holds the scores of every series (corpus order) of candidate ``k``.
    """
    series = [_as_series(corpus, run) for run in runs]
    whole = [_standard(run) for run in series]
    usual_index = int(np.argmax([result.score for result in whole]))
    usual_threshold = whole[usual_index].threshold
    folds, raw, null, perfect = [], 0.0, 0.0, 0.0
    for category in sorted({file.category for file in corpus}):
        inside = [k for k, file in enumerate(corpus) if file.category == category]
        outside = [k for k, file in enumerate(corpus) if file.category != category]
        trained = [_standard([run[k] for k in outside]) for run in series]
        pick = int(np.argmax([result.score for result in trained]))
        threshold = trained[pick].threshold
        held_out = _standard([series[pick][k] for k in inside], threshold)
        usual = _standard([series[usual_index][k] for k in inside], usual_threshold)
        raw += held_out.raw_score
        null += held_out.null_score
        perfect += held_out.perfect_score
        folds.append(
            LocoFold(
                category=category,
                files=len(inside),
                windows=sum(len(corpus[k].windows) for k in inside),
                params=grid_candidates[pick],
                threshold=threshold,
                loco=held_out.score,
                usual=usual.score,
                false_positives=held_out.false_positives,
            )
        )
    total = 100 * (raw - null) / (perfect - null) if perfect > null else float("nan")
    return folds, total, usual_index


def run_loco(
    data: str | Path,
    out: str | Path,
    detectors: Sequence[str],
    *,
    grids: Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    jobs: int = 1,
    options: StreamOptions | None = None,
    progress: bool = True,
) -> list[LocoRow]:
    """Run the LOCO protocol for each detector and write ``<out>/loco.csv``.

    Parameters
    ----------
    data, out : str or pathlib.Path
        NAB corpus folder and results folder.
    detectors : sequence of str
        Registry names.
    grids : mapping, optional
        Detector name to a mapping of parameter name to the values tried;
        :data:`DEFAULT_GRIDS` by default. A detector without a grid has only
        its threshold chosen by the protocol.
    jobs : int, default 1
        Worker processes.
    options : StreamOptions, optional
        Streaming options; ``options.params`` are the base parameters each
        candidate overrides.
    progress : bool, default True

    Raises
    ------
    ConfigError
        If a detector cannot stream, or a grid is not a mapping of lists.
    """
    grids = DEFAULT_GRIDS if grids is None else grids
    options = options or StreamOptions()
    corpus = load_corpus(data)
    rows = []
    for name in detectors:
        grid = grids.get(name, {})
        if not isinstance(grid, Mapping) or not all(
            isinstance(values, list) and values for values in grid.values()
        ):
            raise ConfigError(
                f"grid of `{name}` must map parameter names to non-empty lists, got {grid!r}"
            )
        base = dict(options.params.get(name, {}))
        check_streamable(name, base)
        grid_candidates = candidates(grid)
        shipped = make_detector(name, **base).get_params()
        if not any(all(shipped[k] == v for k, v in c.items()) for c in grid_candidates):
            grid_candidates.append({k: shipped[k] for k in grid})
        runs = []
        for candidate in grid_candidates:
            params = {**options.params, name: {**base, **candidate}}
            run_options = StreamOptions(options.scale, options.onset_window, params)
            scores, _, _ = run_detector(
                name, corpus, None, jobs=jobs, options=run_options, progress=progress
            )
            runs.append(scores)
        folds, total, usual_index = loco_scores(corpus, runs, grid_candidates)
        default_index = next(
            k
            for k, c in enumerate(grid_candidates)
            if all(shipped[key] == value for key, value in c.items())
        )
        counts = Counter(grid_candidates.index(fold.params) for fold in folds)
        picked = min(counts, key=lambda k: (-counts[k], k))
        series = [_as_series(corpus, runs[k]) for k in (usual_index, default_index)]
        rows.append(
            LocoRow(
                detector=name,
                usual=_standard(series[0]).score,
                usual_params=grid_candidates[usual_index],
                loco=total,
                default=_standard(series[1]).score,
                picked=grid_candidates[picked],
                folds=folds,
            )
        )
    write_loco(Path(out) / "loco.csv", rows)
    return rows


def write_loco(path: Path, rows: Sequence[LocoRow]) -> None:
    """One line per detector and category, then the totals, atomically."""
    lines = []
    for row in rows:
        for fold in row.folds:
            lines.append(
                {
                    "detector": row.detector,
                    "category": fold.category,
                    "files": fold.files,
                    "windows": fold.windows,
                    "params": repr(fold.params),
                    "threshold": fold.threshold,
                    "loco": fold.loco,
                    "usual": fold.usual,
                    "false_positives": fold.false_positives,
                }
            )
        lines.append(
            {
                "detector": row.detector,
                "category": "total",
                "files": sum(fold.files for fold in row.folds),
                "windows": sum(fold.windows for fold in row.folds),
                "params": repr(row.picked),
                "loco": row.loco,
                "usual": row.usual,
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as tmp:
        pd.DataFrame(lines).to_csv(tmp, index=False)


def _show(params: Mapping[str, Any]) -> str:
    text = ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )
    return text or "(threshold only)"


def format_loco(rows: Sequence[LocoRow]) -> str:
    """Markdown: each category's LOCO and usual score, then the totals."""
    lines = []
    for row in rows:
        lines += [
            f"{row.detector}: NAB standard, usual {row.usual:.1f} ({_show(row.usual_params)}), "
            f"LOCO {row.loco:.1f}, shipped defaults {row.default:.1f}; "
            f"protocol's pick: {_show(row.picked)}",
            "",
            "| category | files | windows | picked without it | threshold | LOCO | usual |",
            "|---|---|---|---|---|---|---|",
        ]
        for fold in row.folds:
            lines.append(
                f"| {fold.category} | {fold.files} | {fold.windows} | {_show(fold.params)} | "
                f"{fold.threshold:.4f} | {_number(fold.loco, fold.false_positives)} | "
                f"{_number(fold.usual)} |"
            )
        files = sum(fold.files for fold in row.folds)
        windows = sum(fold.windows for fold in row.folds)
        lines += [f"| **total** | {files} | {windows} | | | **{row.loco:.1f}** | {row.usual:.1f} |"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _number(score: float, false_positives: int | None = None) -> str:
    if np.isnan(score):  # a category without windows: only false alarms count
        return "—" if false_positives is None else f"— ({false_positives} FP)"
    return f"{score:.1f}"
