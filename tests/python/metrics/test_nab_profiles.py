"""NAB cost profiles and the profiles.json loader."""

import json

import pytest

from anomalia.exceptions import ConfigError
from anomalia.metrics import NAB_PROFILES, STANDARD, CostProfile, load_nab_profiles

NAB_FILE = {
    "standard": {
        "CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11, "tnWeight": 1.0}
    },
    "reward_low_FP_rate": {
        "CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.22, "tnWeight": 1.0}
    },
    "reward_low_FN_rate": {
        "CostMatrix": {"tpWeight": 1.0, "fnWeight": 2.0, "fpWeight": 0.11, "tnWeight": 1.0}
    },
}


def write(tmp_path, content):
    path = tmp_path / "profiles.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_constants_match_the_published_profiles():
    assert STANDARD == CostProfile("standard", 1.0, 1.0, 0.11)
    assert [p.name for p in NAB_PROFILES] == [
        "standard",
        "reward_low_FP_rate",
        "reward_low_FN_rate",
    ]


def test_loading_nab_file_gives_the_constants(tmp_path):
    assert load_nab_profiles(write(tmp_path, NAB_FILE)) == NAB_PROFILES


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"profiles.json: not valid JSON"),
        ([], r"expected a JSON object mapping profile names"),
        ({"x": {"Costs": {}}}, r'profile `x`: expected \{"CostMatrix"'),
        (
            {"x": {"CostMatrix": {"tpWeight": 1, "fnWeight": 1}}},
            r"profile `x`: `CostMatrix.fpWeight` must be a finite number, got None",
        ),
        (
            {"x": {"CostMatrix": {"tpWeight": 1, "fnWeight": -1, "fpWeight": 0.1}}},
            r"`CostMatrix.fnWeight` must be ≥ 0",
        ),
    ],
)
def test_bad_files(tmp_path, content, message):
    with pytest.raises(ConfigError, match=message):
        load_nab_profiles(write(tmp_path, content))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such profiles file"):
        load_nab_profiles(tmp_path / "absent.json")
