"""Behaviour of anomalia.report.write_report."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest

import anomalia.report.html as report_html
from anomalia.exceptions import ConfigError, DataError
from anomalia.report import write_report

NASTY = "<b>x</b>"
ESCAPED = "&lt;b&gt;x&lt;/b&gt;"


def _metrics(*detectors: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"detector": list(detectors), "event_f1": 0.61234, "roc_auc": 0.9, "n_events": 7}
    )


def _image_sources(index) -> list[str]:
    """The figure files the page names (each image is embedded, its file kept beside)."""
    return re.findall(r'<img src="[^"]+" data-file="([^"]+)"', index.read_text(encoding="utf-8"))


def _embedded_images(index) -> list[bytes]:
    page = index.read_text(encoding="utf-8")
    return [
        base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    ]


@pytest.fixture(scope="module")
def report(tmp_path_factory, report_data, make_scores):
    """A report on two labelled series and two detectors, sections for one series."""
    observations = report_data.observations
    scores = pd.concat(
        [make_scores(observations, "median-residual"), make_scores(observations, "second")]
    )
    out_dir = tmp_path_factory.mktemp("report") / "out"
    index = write_report(
        out_dir,
        observations,
        scores,
        _metrics("median-residual", "second"),
        report_data.events,
        max_series=1,
    )
    return out_dir, index


def test_report_references_pngs_that_exist(report, is_png):
    out_dir, index = report
    assert index == out_dir / "index.html"
    sources = _image_sources(index)
    # ROC/PR once, then series, scores, histogram and box plot per detector for one series.
    assert len(sources) == 1 + 2 * 4
    assert all(is_png(out_dir / source) for source in sources)
    assert sorted(p.name for p in (out_dir / "figures").iterdir()) == sorted(
        source.removeprefix("figures/") for source in sources
    )


def test_the_page_stands_alone_with_every_figure_embedded(report):
    out_dir, index = report
    embedded = _embedded_images(index)
    assert len(embedded) == len(_image_sources(index))
    assert all(image.startswith(b"\x89PNG") for image in embedded)
    # Moved on its own, the page still shows every figure: nothing refers to a file.
    assert 'src="figures/' not in index.read_text(encoding="utf-8")
    assert embedded[1] == (out_dir / _image_sources(index)[1]).read_bytes()


def test_figures_are_named_by_series_and_detector(report, report_data):
    sources = _image_sources(report[1])
    series_id = sorted(report_data.observations["series_id"].unique())[0]
    assert f"figures/series-{series_id}--median-residual.png" in sources
    assert f"figures/scores-{series_id}--second.png" in sources


def test_every_value_column_gets_its_own_figure(tmp_path, report_data, make_scores):
    observations = report_data.observations
    observations = observations.assign(memory=observations["value"] * 2.0)
    scores = make_scores(observations, "median-residual")
    index = write_report(
        tmp_path / "out", observations, scores, _metrics("median-residual"), max_series=1
    )
    series = [s for s in _image_sources(index) if s.startswith("figures/series-")]
    assert sorted(s.rsplit("--", 1)[1] for s in series) == ["memory.png", "value.png"]


def test_report_tables_show_each_detector_and_rounded_metrics(report):
    page = report[1].read_text(encoding="utf-8")
    assert "<td>median-residual</td>" in page and "<td>second</td>" in page
    assert "0.612" in page and "0.61234" not in page
    assert "Showing 1 of 2 series" in page
    assert "flagged points" in page


def test_text_is_escaped(tmp_path, report_data, make_scores):
    observations = report_data.observations.head(300).assign(series_id=NASTY)
    events = report_data.events.head(5).assign(series_id=NASTY, kind=NASTY)
    scores = make_scores(observations, NASTY)
    index = write_report(tmp_path / "out", observations, scores, _metrics(NASTY), events, NASTY)
    page = index.read_text(encoding="utf-8")
    assert NASTY not in page
    assert page.count(ESCAPED) >= 5


def test_report_without_labels_says_so(tmp_path, report_data, make_scores, is_png):
    observations = report_data.observations.drop(columns="label")
    scores = make_scores(observations, "median-residual")
    index = write_report(
        tmp_path / "out", observations, scores, _metrics("median-residual"), max_series=1
    )
    page = index.read_text(encoding="utf-8")
    assert "No labels" in page
    assert "roc-pr.png" not in page
    assert all(is_png(tmp_path / "out" / source) for source in _image_sources(index))


def test_failure_mid_report_keeps_the_earlier_report(
    tmp_path, report_data, make_scores, monkeypatch
):
    observations = report_data.observations
    scores = make_scores(observations, "median-residual")
    out_dir = tmp_path / "out"
    index = write_report(out_dir, observations, scores, _metrics("median-residual"), max_series=1)
    before = {p.relative_to(out_dir): p.read_bytes() for p in out_dir.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("plotting failed")

    monkeypatch.setattr(report_html, "plot_scores", broken)
    with pytest.raises(RuntimeError, match="plotting failed"):
        write_report(out_dir, observations, scores, _metrics("median-residual"), title="new")
    after = {p.relative_to(out_dir): p.read_bytes() for p in out_dir.rglob("*") if p.is_file()}
    assert after == before
    assert "<title>anomalia report</title>" in index.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_bad_input_is_reported_before_anything_is_written(tmp_path, report_data, make_scores):
    observations = report_data.observations
    scores = make_scores(observations, "median-residual")
    with pytest.raises(DataError, match="`scores` is missing column\\(s\\) `threshold`"):
        write_report(
            tmp_path / "out", observations, scores.drop(columns="threshold"), _metrics("x")
        )
    with pytest.raises(DataError, match="one row per detector; `a` has 2 rows"):
        write_report(tmp_path / "out", observations, scores, _metrics("a", "a"))
    with pytest.raises(ConfigError, match="`max_series` must be an integer ≥ 1"):
        write_report(tmp_path / "out", observations, scores, None, max_series=0)
    assert not (tmp_path / "out").exists()


def test_curves_leave_out_the_rows_a_detector_trained_on(tmp_path, report_data, make_scores):
    observations = report_data.observations
    scores = make_scores(observations, "resid")
    last = observations["timestamp"].max()
    # Everything counts as training: no held-out row is left for the curves.
    everything = {"resid": dict.fromkeys(observations["series_id"].unique(), last)}
    index = write_report(
        tmp_path / "r",
        observations,
        scores,
        _metrics("resid"),
        max_series=1,
        train_ends=everything,
    )
    page = index.read_text()
    assert "No ROC/PR curves" in page
    assert not (tmp_path / "r" / "figures" / "roc-pr.png").exists()
    index = write_report(tmp_path / "r", observations, scores, _metrics("resid"), max_series=1)
    assert "rows the detectors were not trained on" not in index.read_text()
    assert (tmp_path / "r" / "figures" / "roc-pr.png").exists()
