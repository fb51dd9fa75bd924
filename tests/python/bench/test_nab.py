"""The NAB runner on a tiny corpus: result files, probation, streaming, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.bench.nab import StreamOptions, load_corpus, run_nab
from anomalia.bench.streaming import stream_scores
from anomalia.cli.main import main
from anomalia.detectors.registry import make_detector
from anomalia.detectors.statistical import RollingZScore
from anomalia.exceptions import ConfigError

from .conftest import SPIKE_ROW


def test_result_files_keep_every_row_in_order_with_labels_and_unit_scores(nab_corpus, tmp_path):
    out = tmp_path / "results"
    run_nab(nab_corpus, out, ["zscore"], jobs=1, progress=False)

    result = pd.read_csv(out / "zscore" / "spiky" / "zscore_one.csv", dtype={"timestamp": str})
    data = pd.read_csv(nab_corpus / "data" / "spiky" / "one.csv", dtype={"timestamp": str})
    assert list(result.columns) == ["timestamp", "value", "anomaly_score", "label"]
    assert len(result) == len(data) == 400
    assert result["timestamp"].tolist() == data["timestamp"].tolist()  # duplicate, backwards kept
    np.testing.assert_allclose(result["value"], data["value"])
    assert result["label"].tolist() == [1 if 290 <= row <= 310 else 0 for row in range(400)]
    scores = result["anomaly_score"].to_numpy()
    assert ((scores >= 0) & (scores <= 1)).all()
    # Probationary period of 400 rows: floor(0.15 * 400) = 60 rows scored 0.
    assert (scores[:60] == 0).all() and (scores[60:] > 0).any()
    assert int(np.argmax(scores)) == SPIKE_ROW
    assert (out / "zscore" / "quiet" / "zscore_two.csv").is_file()


def test_summary_scores_the_found_spike_and_is_written(nab_corpus, tmp_path):
    out = tmp_path / "results"
    (row,) = run_nab(nab_corpus, out, ["zscore"], jobs=1, progress=False)
    # The spike is the highest score of the corpus: detected at row 300 of
    # window 290-310 with no false positive.
    assert row.standard > 50
    assert row.event_f1 == 1.0
    summary = pd.read_csv(out / "summary.csv")
    assert summary["detector"].tolist() == ["zscore"]
    assert summary["standard"].iloc[0] == pytest.approx(row.standard)


def test_worker_processes_give_the_same_scores_as_one_process(nab_corpus, tmp_path):
    serial = run_nab(nab_corpus, tmp_path / "a", ["mad"], jobs=1, progress=False)
    parallel = run_nab(nab_corpus, tmp_path / "b", ["mad"], jobs=2, progress=False)
    assert serial[0].standard == parallel[0].standard
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "a" / "mad" / "spiky" / "mad_one.csv"),
        pd.read_csv(tmp_path / "b" / "mad" / "spiky" / "mad_one.csv"),
    )


def test_scores_at_t_use_only_rows_up_to_t(nab_corpus):
    (series, _) = sorted(load_corpus(nab_corpus), key=lambda s: -len(s.values))
    scores = stream_scores(make_detector("zscore"), series.values)
    altered = series.values.copy()
    altered[250:] = 100.0
    changed = stream_scores(make_detector("zscore"), altered)
    np.testing.assert_array_equal(changed[:250], scores[:250])
    assert changed[250] != scores[250]


def test_a_series_shorter_than_the_detector_needs_scores_zero(caplog):
    values = np.sin(np.arange(200) / 5)  # probation of 30 rows; zscore(window=48) needs 49
    scores = stream_scores(make_detector("zscore"), values, where="short.csv")
    assert (scores == 0).all()
    assert "short.csv" in caplog.text


def test_non_causal_detector_is_refused(nab_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(RollingZScore, "causal", False)
    with pytest.raises(ConfigError, match="`zscore` is not causal"):
        run_nab(nab_corpus, tmp_path / "out", ["zscore"], jobs=1, progress=False)


def test_supervised_detector_is_refused(nab_corpus, tmp_path):
    with pytest.raises(ConfigError, match="needs labels"):
        run_nab(nab_corpus, tmp_path / "out", ["random_forest"], jobs=1, progress=False)


def test_cli_missing_data_path_exits_1(tmp_path, capsys):
    status = main(["bench", "nab", "--data", str(tmp_path / "nowhere"), "--quiet"])
    assert status == 1
    assert "no such NAB corpus folder" in capsys.readouterr().err


def test_cli_unknown_detector_exits_2(nab_corpus, tmp_path, capsys):
    status = main(
        [
            "bench",
            "nab",
            "--data",
            str(nab_corpus),
            "--out",
            str(tmp_path / "o"),
            "--detectors",
            "zscore,nonesuch",
            "--quiet",
        ]
    )
    assert status == 2
    assert "unknown detector `nonesuch`" in capsys.readouterr().err


def test_cli_prints_the_table(nab_corpus, tmp_path, capsys):
    status = main(
        [
            "bench",
            "nab",
            "--data",
            str(nab_corpus),
            "--out",
            str(tmp_path / "o"),
            "--detectors",
            "zscore",
            "--jobs",
            "1",
            "--quiet",
        ]
    )
    assert status == 0
    assert "| zscore |" in capsys.readouterr().out
    assert (tmp_path / "o" / "summary.csv").is_file()


@pytest.mark.parametrize("scale", ["fixed", "training"])
def test_both_unit_scales_keep_scores_in_0_1_and_the_spike_on_top(nab_corpus, tmp_path, scale):
    out = tmp_path / scale
    run_nab(nab_corpus, out, ["zscore"], jobs=1, options=StreamOptions(scale=scale), progress=False)
    scores = pd.read_csv(out / "zscore" / "spiky" / "zscore_one.csv")["anomaly_score"]
    assert scores.between(0, 1).all()
    assert int(scores.idxmax()) == SPIKE_ROW


def test_onset_window_keeps_only_the_onset(nab_corpus, tmp_path):
    out = tmp_path / "onset"
    options = StreamOptions(onset_window=50)
    run_nab(nab_corpus, out, ["zscore"], jobs=1, options=options, progress=False)
    scores = pd.read_csv(out / "zscore" / "spiky" / "zscore_one.csv")["anomaly_score"].to_numpy()
    # Raw 0 maps to 0.5 on the fixed scale: nothing after the spike rises above it.
    assert scores[SPIKE_ROW] > 0.9
    assert (scores[SPIKE_ROW + 1 : SPIKE_ROW + 51] <= 0.5).all()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (StreamOptions(scale="rank"), "`scale` must be one of"),
        (StreamOptions(onset_window=0), "`onset_window` must be an integer >= 1"),
        (StreamOptions(onset_window=1.5), "`onset_window` must be a number in"),
    ],
)
def test_bad_options_are_refused(nab_corpus, tmp_path, options, message):
    with pytest.raises(ConfigError, match=message):
        run_nab(nab_corpus, tmp_path / "o", ["zscore"], jobs=1, options=options, progress=False)


def test_cli_params_file_sets_detector_parameters(nab_corpus, tmp_path):
    params = tmp_path / "params.yaml"
    # A window longer than the probationary period: the detector cannot fit, scores stay 0.
    params.write_text("zscore:\n  window: 400\n")
    out = tmp_path / "o"
    status = main(
        [
            "bench",
            "nab",
            "--data",
            str(nab_corpus),
            "--out",
            str(out),
            "--detectors",
            "zscore",
            "--params",
            str(params),
            "--jobs",
            "1",
            "--quiet",
        ]
    )
    assert status == 0
    scores = pd.read_csv(out / "zscore" / "spiky" / "zscore_one.csv")["anomaly_score"]
    assert (scores == 0).all()


def test_cli_params_file_must_map_names_to_mappings(nab_corpus, tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_text("zscore: 24\n")
    status = main(
        [
            "bench",
            "nab",
            "--data",
            str(nab_corpus),
            "--out",
            str(tmp_path / "o"),
            "--params",
            str(params),
            "--quiet",
        ]
    )
    assert status == 2
    assert "`zscore` must map to a mapping" in capsys.readouterr().err


def test_onset_window_as_a_share_of_the_probationary_period(nab_corpus, tmp_path):
    # 400 rows: probation 60, so a share of 0.5 is a window of 30 rows.
    out = tmp_path / "share"
    options = StreamOptions(onset_window=0.5)
    run_nab(nab_corpus, out, ["zscore"], jobs=1, options=options, progress=False)
    scores = pd.read_csv(out / "zscore" / "spiky" / "zscore_one.csv")["anomaly_score"].to_numpy()
    assert (scores[SPIKE_ROW + 1 : SPIKE_ROW + 31] <= 0.5).all()


def test_default_set_is_causal_and_leaves_deep_and_r_families_out():
    from anomalia.bench.streaming import causal_detectors, default_detectors
    from anomalia.detectors.registry import DETECTORS

    defaults = default_detectors()
    assert {"novelty", "zscore", "iforest"} <= set(defaults)
    assert set(defaults) <= set(causal_detectors())
    assert not [name for name in defaults if ".deep." in DETECTORS[name]]
    assert "lstm_ae" in causal_detectors()
