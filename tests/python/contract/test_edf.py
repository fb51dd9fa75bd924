"""EDF recordings: three channels at two rates ingest, train and detect."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

pyedflib = pytest.importorskip("pyedflib")

from anomalia.cli.main import main  # noqa: E402
from anomalia.contract import read_observations, read_scores  # noqa: E402
from anomalia.contract.edf import column_names, read_edf  # noqa: E402
from anomalia.exceptions import DataError  # noqa: E402

SECONDS = 1500
START = datetime(2026, 3, 1, 22, 30, 0)
SPIKE_SECOND = 1200


def write_recording(path) -> list[np.ndarray]:
    """ECG and Pleth at 4 Hz, Resp at 1 Hz, a spike in Resp; returns the signals as stored."""
    rng = np.random.default_rng(0)
    fast = np.arange(SECONDS * 4) / 4
    slow = np.arange(SECONDS, dtype=float)
    ecg = 50 * np.sin(2 * np.pi * fast / 60) + rng.normal(0, 2, fast.size)
    pleth = 30 * np.cos(2 * np.pi * fast / 90) + rng.normal(0, 2, fast.size)
    resp = 20 * np.sin(2 * np.pi * slow / 30) + rng.normal(0, 1, slow.size)
    resp[SPIKE_SECOND] += 150
    headers = [
        pyedflib.highlevel.make_signal_header(label, sample_frequency=rate)
        for label, rate in (("ECG", 4), ("Pleth", 4), ("Resp", 1))
    ]
    header = pyedflib.highlevel.make_header(startdate=START)
    assert pyedflib.highlevel.write_edf(str(path), [ecg, pleth, resp], headers, header)
    signals, _, _ = pyedflib.highlevel.read_edf(str(path))
    return signals  # as stored: EDF keeps 16-bit samples


@pytest.fixture
def recording(tmp_path):
    path = tmp_path / "night.edf"
    return path, write_recording(path)


def test_channels_become_columns_at_the_slowest_rate(recording):
    path, (ecg, pleth, resp) = recording
    with pytest.warns(UserWarning, match="resampled to 1 Hz: `ECG` at 4 Hz, `Pleth` at 4 Hz"):
        frame = read_edf(path)
    assert list(frame.columns) == ["series_id", "timestamp", "ecg", "pleth", "resp"]
    assert len(frame) == SECONDS
    assert (frame["series_id"] == "night").all()
    assert frame["timestamp"].iloc[0] == pd.Timestamp(START, tz="UTC")
    assert (frame["timestamp"].diff().dropna() == pd.Timedelta("1s")).all()
    np.testing.assert_allclose(frame["ecg"], ecg.reshape(-1, 4).mean(axis=1))
    np.testing.assert_allclose(frame["resp"], resp)


def test_a_chosen_rate_interpolates_the_slow_channel(recording):
    path, (ecg, _, resp) = recording
    with pytest.warns(UserWarning, match="resampled to 4 Hz: `Resp` at 1 Hz"):
        frame = read_edf(path, rate=4, series_id="bed-3", timezone="Europe/Paris")
    assert len(frame) == SECONDS * 4
    assert frame["timestamp"].iloc[0] == pd.Timestamp(START, tz="Europe/Paris").tz_convert("UTC")
    np.testing.assert_allclose(frame["ecg"], ecg[: len(frame)])
    np.testing.assert_allclose(frame["resp"].iloc[::4], resp)
    np.testing.assert_allclose(frame["resp"].iloc[2], (resp[0] + resp[1]) / 2)
    assert (frame["resp"].iloc[-4:] == resp[-1]).all()  # held after Resp's last sample


def test_ingest_train_detect_finds_the_spike(recording, tmp_path, capsys):
    path, _ = recording
    data, models, scores = tmp_path / "obs.parquet", tmp_path / "models", tmp_path / "s.parquet"
    assert main(["ingest", str(path), "--out", str(data), "--quiet"]) == 0
    assert list(read_observations(data).columns)[2:] == ["ecg", "pleth", "resp"]
    fast = tmp_path / "fast.parquet"
    assert main(["ingest", str(path), "--out", str(fast), "--rate", "4", "--quiet"]) == 0
    assert len(read_observations(fast)) == 4 * SECONDS
    common = ["--data", str(data), "--models", str(models), "--quiet"]
    assert main(["train", *common, "--detector", "mad", "--train-fraction", "0.6"]) == 0
    assert main(["detect", *common, "--out", str(scores)]) == 0
    result = read_scores(scores)
    assert len(result) == SECONDS
    top = result["timestamp"].iloc[int(result["score"].to_numpy().argmax())]
    assert top == pd.Timestamp(START, tz="UTC") + pd.Timedelta(seconds=SPIKE_SECOND)
    assert result.loc[result["timestamp"] == top, "is_anomaly"].item()


def test_a_file_that_is_not_edf_is_a_data_error(tmp_path, capsys):
    fake = tmp_path / "fake.edf"
    fake.write_text("series_id,timestamp,value\n")
    with pytest.raises(DataError, match="fake.edf: not a readable EDF file"):
        read_edf(fake)
    assert main(["ingest", str(fake), "--out", str(tmp_path / "o.parquet")]) == 1
    assert "not a readable EDF file" in capsys.readouterr().err


def test_column_names_are_snake_case_unique_and_clear_of_contract_columns():
    labels = ["EEG Fpz-Cz", "EEG Fpz-Cz", "Label", "", "SpO2 %"]
    assert column_names(labels) == [
        "eeg_fpz_cz", "eeg_fpz_cz_2", "channel_label", "channel_3", "spo2",
    ]  # fmt: skip
