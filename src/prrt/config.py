"""The TOML configuration shared by every command (spec/assess.md, Configuration).

Numbers are read exactly (``tomllib`` with ``parse_float=Decimal``): no binary floating
point ever reaches a RECIST threshold. Unknown tables or keys and values of the wrong
type raise :class:`prrt.errors.ConfigError` naming every problem at once.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args

from prrt.errors import ConfigError
from prrt.model.dates import ImputeDay

SubsetNewLesionPolicy = Literal["by_tag", "all", "ignore"]
KmCiTransform = Literal["log-log", "log"]
OrrAlternative = Literal["less", "greater", "two-sided"]
"""``[analysis] orr_threshold_alternative``: H1 of the exact binomial test (R binom.test)."""
MetabolicCriterion = Literal["suvmax", "tumour_to_spleen", "krenning"]
"""SSTR-PET response criteria of ``prrt.criteria.metabolic`` (exploratory; decisions.md, D58)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecistConfig:
    """``[recist]``: RECIST 1.1 engine parameters (spec/recist11.md §13)."""

    pr_threshold_pct: Decimal = Decimal(-30)  # §4.1 PR: <= -30 % from baseline
    pd_threshold_pct: Decimal = Decimal(20)  # §4.1 PD: >= +20 % over the nadir ...
    pd_min_abs_mm: Decimal = Decimal(5)  # ... and >= 5 mm absolute increase
    tstm_default_mm: Decimal = Decimal(5)  # §3 / EORTC FAQ: too small to measure = 5 mm
    node_normal_mm: Decimal = Decimal(10)  # §4.1: node short axis < 10 mm is normal
    confirmation_required: bool = True  # §4.4.4 / recist11.md §10
    confirm_min_days: int = 28  # §4.4.4: confirmation >= 4 weeks later
    sd_min_days: int = 42  # §4.4.4 / D8: SD minimum duration from the reference date
    max_ne_between: int = 1  # recist11.md §10
    accept_one_sd_between_pr: bool = False  # recist11.md §10
    cr_reappearance_is_pd: bool = True  # D1, EORTC FAQ
    pr_persistence: bool = False  # D3, EORTC FAQ (off)
    backdate_equivocal_new: bool = True  # §4.3.5, D4
    new_node_min_short_axis_mm: Decimal = Decimal(10)  # §4.3.5 / FAQ "New lymph node lesions"
    subset_new_lesion_policy: SubsetNewLesionPolicy = "by_tag"  # D9
    subset_death_is_event: bool = True  # recist11.md §12
    subset_truncate_at_patient_pd: bool = False  # D10
    truncate_at_first_pd: bool = True  # recist11.md §9
    missing_as_ne: bool = False  # recist11.md §9
    add_one_day: bool = True  # recist11.md §11 (admiral derive_vars_duration)
    censor_at_new_therapy: bool = True  # recist11.md §11
    censor_after_gap_days: int = 0  # recist11.md §11: FDA 2018 guidance missed-visit
    # censoring of PFS (Clinical Trial Endpoints for the Approval of Cancer Drugs and
    # Biologics, PFS censoring table); 0 = off
    max_targets_total: int = 5  # §3.3 (validation warnings)
    max_targets_per_organ: int = 2  # §3.3
    nonnodal_measurable_min_mm: Decimal = Decimal(10)  # §3.1
    node_target_min_short_axis_mm: Decimal = Decimal(15)  # §3.1
    node_pathologic_min_short_axis_mm: Decimal = Decimal(10)  # §3.1
    slice_thickness_factor: Decimal = Decimal(2)  # §3.1

    def __post_init__(self) -> None:
        """Check ranges (the TOML types are checked by :func:`parse_config`)."""
        if self.censor_after_gap_days < 0:
            raise ValueError(
                f"censor_after_gap_days = {self.censor_after_gap_days}: must be >= 0 "
                "(0 turns the missed-assessment rule off)"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class TimepointConfig:
    """``[timepoints]``: PRRT protocol timepoints in days (spec/assess.md)."""

    baseline_max_days_before_c1: int = 90
    mid_after_cycle: int = 2  # Halperin 2024: restaging after cycle 2
    end_after_cycle: int = 4  # Halperin 2024: restaging after cycle 4
    end_max_days: int = 180
    post6m_days: int = 182  # six months after the last cycle
    post6m_window_days: int = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisConfig:
    """``[analysis]``: cohort-report options (used by ``prrt report``; ``prrt assess``
    reads ``standard_activity_gbq`` for courses.csv)."""

    min_cycles: int = 0
    km_ci: KmCiTransform = "log-log"
    orr_threshold: Decimal | None = None
    orr_threshold_alternative: OrrAlternative = "less"  # R binom.test alternative; D35
    standard_activity_gbq: Decimal = Decimal("7.4")  # 177Lu-DOTATATE per cycle: NETTER-1
    # (Strosberg et al. NEJM 2017;376:125-135), IAEA/EANM/SNMMI PRRT guidance (Bodei et al.
    # Eur J Nucl Med Mol Imaging 2013;40:800-816); the dose-reduction reference when a
    # cycle has no planned_activity_gbq (docs/decisions.md, D34)
    accepted_evaluator: str | None = None  # bundle.md 1.2, several evaluators: whose reads
    # enter the analyses for every patient this evaluator reads (docs/decisions.md, D112)

    def __post_init__(self) -> None:
        """Check ranges (the TOML types are checked by :func:`parse_config`)."""
        problems: list[str] = []
        if self.orr_threshold is not None and not 0 <= self.orr_threshold <= 1:
            problems.append(
                f"orr_threshold = {self.orr_threshold}: must be a proportion between 0 and 1 "
                "(e.g. 0.05 for 5 %)"
            )
        if self.orr_threshold_alternative not in get_args(OrrAlternative):
            problems.append(
                f"orr_threshold_alternative = {self.orr_threshold_alternative!r}: must be one "
                "of " + ", ".join(f'"{a}"' for a in get_args(OrrAlternative))
            )
        if not self.standard_activity_gbq > 0:
            problems.append(
                f"standard_activity_gbq = {self.standard_activity_gbq}: must be > 0 (GBq per "
                "cycle, e.g. 7.4)"
            )
        if problems:
            raise ValueError("\n".join(problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class MetabolicConfig:
    """``[metabolic]``: exploratory SSTR-PET response rules (``prrt.criteria.metabolic``).

    SSTR-PET has no validated response criteria (DOMAIN.md §3): every default below is a
    project choice borrowed from the source named beside it, never merged into RECIST.
    """

    criteria: tuple[MetabolicCriterion, ...] = ("suvmax", "tumour_to_spleen", "krenning")
    # which criteria run, in this order; [] turns metabolic response off (project choice)
    suvmax_max_lesions: int = 5  # EORTC 1999 (Young et al.) leaves it open; 5 as RECIST 1.1
    response_threshold_pct: Decimal = Decimal(-25)  # EORTC 1999 PMR: <= -25 % (SUVmax, T/S)
    progression_threshold_pct: Decimal = Decimal(25)  # EORTC 1999 PMD: >= +25 %
    krenning_response_drop: int = 1  # D58: a fall of >= 1 grade
    krenning_progression_rise: int = 1  # D58: a rise of >= 1 grade
    timepoint_window_days: int = 30  # D59: a PET takes the CT timepoint within +/- 30 d

    def __post_init__(self) -> None:
        """Check ranges (the TOML types are checked by :func:`parse_config`)."""
        problems: list[str] = []
        if len(set(self.criteria)) != len(self.criteria):
            problems.append(f"criteria = {list(self.criteria)}: each criterion at most once")
        if self.suvmax_max_lesions < 1:
            problems.append(f"suvmax_max_lesions = {self.suvmax_max_lesions}: must be >= 1")
        if not -100 < self.response_threshold_pct < 0:
            problems.append(
                f"response_threshold_pct = {self.response_threshold_pct}: must be "
                "between -100 and 0 (both excluded)"
            )
        if self.progression_threshold_pct <= 0:
            problems.append(
                f"progression_threshold_pct = {self.progression_threshold_pct}: must be > 0"
            )
        for name in ("krenning_response_drop", "krenning_progression_rise"):
            if not 1 <= getattr(self, name) <= 4:
                problems.append(f"{name} = {getattr(self, name)}: must be 1 to 4")
        if self.timepoint_window_days < 0:
            problems.append(f"timepoint_window_days = {self.timepoint_window_days}: must be >= 0")
        if problems:
            raise ValueError("\n".join(problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class DatesConfig:
    """``[dates]``: how partial dates of the bundle are completed (bundle.md 1.2, "Partial
    dates"; ``prrt.model.dates``)."""

    impute_day: ImputeDay = "last"  # admiralonco ADRS template: derive_vars_dt(...,
    # date_imputation = "last"); "first", "middle" as admiral's "first", "mid" (D117)


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The whole configuration file."""

    recist: RecistConfig = field(default_factory=RecistConfig)
    timepoints: TimepointConfig = field(default_factory=TimepointConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    metabolic: MetabolicConfig = field(default_factory=MetabolicConfig)
    dates: DatesConfig = field(default_factory=DatesConfig)


DEFAULT_CONFIG = Config()

_TABLES: dict[str, type[Any]] = {
    "recist": RecistConfig,
    "timepoints": TimepointConfig,
    "analysis": AnalysisConfig,
    "metabolic": MetabolicConfig,
    "dates": DatesConfig,
}


def load_config(path: Path | str | None) -> Config:
    """Read a TOML configuration file; ``None`` gives the defaults."""
    if path is None:
        return DEFAULT_CONFIG
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle, parse_float=Decimal)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_config(raw, source=str(path))


def parse_config(raw: dict[str, Any], *, source: str = "configuration") -> Config:
    """Build a :class:`Config` from parsed TOML, reporting every problem at once."""
    problems: list[str] = []
    sections: dict[str, Any] = {}
    for table, values in raw.items():
        if table not in _TABLES:
            problems.append(f"{source}: unknown table [{table}]; known: {', '.join(_TABLES)}")
            continue
        if not isinstance(values, dict):
            problems.append(f"{source}: [{table}] must be a table")
            continue
        sections[table] = _parse_table(_TABLES[table], table, values, source, problems)
    if problems:
        raise ConfigError("\n".join(problems))
    return Config(**sections)


def _parse_table(
    cls: type[Any], table: str, values: dict[str, Any], source: str, problems: list[str]
) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields:
            problems.append(f"{source}: [{table}] unknown key {key!r}; known: {', '.join(fields)}")
            continue
        converted = _convert(fields[key].type, value)
        if converted is _INVALID:
            problems.append(
                f"{source}: [{table}] {key} = {value!r}: expected {_describe(fields[key].type)}"
            )
            continue
        kwargs[key] = converted
    try:
        return cls(**kwargs)
    except ValueError as exc:  # range checks of the table's __post_init__, one a line
        problems.extend(f"{source}: [{table}] {line}" for line in str(exc).splitlines())
        return cls()


_INVALID = object()


def _convert(annotation: Any, value: Any) -> Any:
    """Convert a TOML value to the field's declared type, or return ``_INVALID``."""
    text = str(annotation)
    if text == "bool":
        return value if isinstance(value, bool) else _INVALID
    if isinstance(value, bool):
        return _INVALID
    if text == "int":
        if isinstance(value, int):
            return value
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        return _INVALID
    if text == "str | None":
        return value if isinstance(value, str) and value else _INVALID
    if text in ("Decimal", "Decimal | None"):
        return Decimal(value) if isinstance(value, int | Decimal) else _INVALID
    choices = _literal_choices(text)
    if choices:
        return value if value in choices else _INVALID
    item = _tuple_item(text)
    if item is not None and isinstance(value, list):
        items = tuple(_convert(item, element) for element in value)
        return _INVALID if any(i is _INVALID for i in items) else items
    return _INVALID


def _tuple_item(text: str) -> str | None:
    """``X`` of a ``tuple[X, ...]`` annotation (a TOML array), else None."""
    if text.startswith("tuple[") and text.endswith(", ...]"):
        return text[len("tuple[") : -len(", ...]")]
    return None


_LITERALS: dict[str, tuple[str, ...]] = {
    "SubsetNewLesionPolicy": get_args(SubsetNewLesionPolicy),
    "KmCiTransform": get_args(KmCiTransform),
    "OrrAlternative": get_args(OrrAlternative),
    "MetabolicCriterion": get_args(MetabolicCriterion),
    "ImputeDay": get_args(ImputeDay),
}


def _literal_choices(text: str) -> tuple[str, ...]:
    return _LITERALS.get(text, ())


def _describe(annotation: Any) -> str:
    text = str(annotation)
    item = _tuple_item(text)
    if item is not None:
        choices = _literal_choices(item)
        if choices:
            return "a list of " + ", ".join(f'"{c}"' for c in choices)
        return f"a list of {_describe(item)}"
    choices = _literal_choices(text)
    if choices:
        return "one of " + ", ".join(f'"{c}"' for c in choices)
    return {
        "bool": "true or false",
        "int": "an integer",
        "Decimal": "a number",
        "Decimal | None": "a number",
        "str | None": "a non-empty text",
    }.get(text, text)
