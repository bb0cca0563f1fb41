"""The ``[analysis]`` table of the configuration (docs/configuration.md)."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from prrt.config import AnalysisConfig, parse_config
from prrt.errors import ConfigError

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_defaults():
    config = AnalysisConfig()
    assert config.orr_threshold_alternative == "less"  # the test before the option existed
    assert config.standard_activity_gbq == Decimal("7.4")  # NETTER-1, 7.4 GBq per cycle


@pytest.mark.parametrize("alternative", ["less", "greater", "two-sided"])
def test_orr_threshold_alternative_values(alternative):
    raw = {"analysis": {"orr_threshold": Decimal("0.05"), "orr_threshold_alternative": alternative}}
    assert parse_config(raw).analysis.orr_threshold_alternative == alternative


def test_bad_analysis_values_are_named_all_at_once():
    raw = {
        "analysis": {
            "orr_threshold": 5,
            "orr_threshold_alternative": "two.sided",  # R's spelling is not the TOML value
            "standard_activity_gbq": 0,
        }
    }
    with pytest.raises(ConfigError) as raised:
        parse_config(raw, source="prrt.toml")
    assert str(raised.value).splitlines() == [
        "prrt.toml: [analysis] orr_threshold_alternative = 'two.sided': expected one of "
        '"less", "greater", "two-sided"',
        "prrt.toml: [analysis] orr_threshold = 5: must be a proportion between 0 and 1 "
        "(e.g. 0.05 for 5 %)",
        "prrt.toml: [analysis] standard_activity_gbq = 0: must be > 0 (GBq per cycle, e.g. 7.4)",
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("orr_threshold_alternative", ["less"], "expected one of"),
        ("standard_activity_gbq", "7.4", "expected a number"),
        ("standard_activity_gbq", Decimal("-7.4"), "must be > 0"),
        ("orr_threshold", Decimal("-0.1"), "must be a proportion"),
        ("accepted_evaluator", 1, "expected a non-empty text"),  # bundle.md 1.2, D112
        ("accepted_evaluator", "", "expected a non-empty text"),
    ],
)
def test_each_bad_value_names_its_key(key, value, message):
    with pytest.raises(ConfigError, match=rf"\[analysis\] {key} = .*{message}"):
        parse_config({"analysis": {key: value}})


def test_accepted_evaluator_is_read_as_written():
    """Evaluator names are case-sensitive (docs/decisions.md, D111)."""
    raw = {"analysis": {"accepted_evaluator": "Reader A"}}
    assert parse_config(raw).analysis.accepted_evaluator == "Reader A"
    assert AnalysisConfig().accepted_evaluator is None


def test_python_construction_is_checked_too():
    with pytest.raises(ValueError, match="orr_threshold_alternative = 'both'"):
        AnalysisConfig(orr_threshold_alternative="both")  # type: ignore[arg-type]


def test_configuration_md_documents_every_analysis_key():
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.DOTALL)
    assert block
    parsed = tomllib.loads(block.group(1), parse_float=Decimal)
    assert parse_config(parsed).analysis == AnalysisConfig()  # the defaults shown are the defaults
    section = text.split("## `[analysis]`", 1)[1].split("\n## ", 1)[0]
    for field in dataclasses.fields(AnalysisConfig):
        assert f"| `{field.name}` |" in section, field.name
        assert re.search(rf"^#? ?{field.name} = ", block.group(1), re.MULTILINE), field.name
