"""`anomalia dashboard`'s checks before it serves."""

from __future__ import annotations

from anomalia.cli.main import main


def test_a_bad_store_url_is_a_usage_error_naming_the_schemes(capsys):
    assert main(["dashboard", "--store", "sqlite:///x.db", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("anomalia dashboard: error: ")
    assert "duckdb:///" in error and "influxdb://HOST:PORT/DATABASE" in error


def test_a_non_loopback_host_needs_insecure(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    assert main(["dashboard", "--store", url, "--host", "0.0.0.0", "--quiet"]) == 2
    assert "refusing to serve the dashboard on 0.0.0.0" in capsys.readouterr().err


def test_refresh_must_be_positive(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    assert main(["dashboard", "--store", url, "--refresh", "0", "--quiet"]) == 2
    assert "--refresh must be a number of seconds > 0, got 0" in capsys.readouterr().err
