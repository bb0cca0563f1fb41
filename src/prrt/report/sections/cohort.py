"""Section 1, Cohort: Table 1 overall and by primary-site group, PRRT exposure, missing data.

Table 1 is laid out as journals print it (:mod:`prrt.report.sections.table1`; docs/
decisions.md, D45 and D46). Age at diagnosis is (diagnosis_date - birth_date) in days /
365.25 when both dates are given, else ``age_at_diagnosis_years`` (D60). Quartiles are
R's type 7.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from prrt.analysis.courses import dose_reduction_rule
from prrt.model.patient import LiverTumourBurden, PriorTherapy
from prrt.report.labels import site_label
from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.common import (
    SectionResult,
    describe_numbers,
    format_count,
    format_mean_sd,
    format_median_iqr,
)
from prrt.report.sections.data import SITE_GROUPS, CohortData
from prrt.report.sections.missing_data import build_missing_data_table, derive_missing_data
from prrt.report.sections.table1 import (
    MEAN_SD,
    MEDIAN_IQR,
    Summary,
    binary_rows,
    categorical_rows,
    continuous_rows,
    is_recorded,
    multi_item_rows,
    n_row,
)

__all__ = ["build_cohort_section"]

NOT_RECORDED = "not recorded"
GRADE_LEVELS = ("G1", "G2", "G3")
GROUP_COLUMNS = ("overall", *SITE_GROUPS)

Groups = list[tuple[str, pd.DataFrame]]
Rows = list[dict[str, str]]


def build_cohort_section(data: CohortData) -> SectionResult:
    """Table 1 (demographics, tumour) and PRRT exposure, overall and by site group."""
    patients = data.patients
    groups: Groups = [("overall", patients)] + [
        (name, patients[patients["site_group"] == name]) for name in SITE_GROUPS
    ]
    results: dict[str, dict[str, Any]] = {name: {"n": len(frame)} for name, frame in groups}
    characteristics, not_recorded = _characteristic_rows(groups, results)
    exposure: Rows = [_n_row(groups)]
    exposure += _categorical(
        groups, results, "first_course_cycles", "Cycles in the first course", ()
    )
    exposure += _numeric(groups, results, "cycles_total", "Cycles received, all courses")
    exposure += _count_if(
        groups,
        results,
        "retreated",
        "Patients with a retreatment course",
        lambda f: f["courses_n"] > 1,
    )
    exposure += _numeric(groups, results, "cumulative_gbq", "Cumulative activity, GBq, all courses")
    exposure += _count_if(
        groups,
        results,
        "dose_reduced",
        "Patients with >= 1 dose-reduced cycle",
        lambda f: f["reduced_cycles"] > 0,
    )
    exposure += _categorical(
        groups, results, "first_stop_reason", "Stop reason, first course", (), missing=_stop_missing
    )
    absent = (
        f" Not recorded for any patient, so not shown: {', '.join(not_recorded)}."
        if not_recorded
        else ""
    )
    footnote = (
        "n (%) of the column's patients (the levels and Missing add up to 100%); age as "
        "mean (SD), Ki-67 as median (IQR, R type-7 quantiles), over the patients with a "
        "value. Missing: patients without the value, shown when any patient lacks it. Age "
        "at diagnosis from birth and diagnosis dates (days/365.25), else the recorded age; "
        "age at first PRRT from the birth date to cycle 1 of the first course, else the age "
        "at diagnosis plus the time from diagnosis to cycle 1. Prior therapies: a patient "
        "may have several (the percentages do not add up to 100%); None = recorded as no "
        "prior therapy. Baseline Krenning score: the highest score on the PET baseline "
        "(the latest SSTR-PET on or before the reference date); missing without a PET "
        "baseline or without a score on it. Site groups: pancreas, small intestine, other "
        f"(every other site, duodenum included).{absent} {data.cycle_filter.text()}"
    )
    exposure_note = (
        "From cycles.csv via courses.csv (spec/assess.md): cycles, cumulative administered "
        "activity and dose-reduced cycles summed over all courses; the stop reason is that "
        "of the first course's last cycle. Patients without any cycle count 0 cycles and "
        f"0 GBq. {dose_reduction_rule(data.config.analysis.standard_activity_gbq)} "
        f"{data.cycle_filter.text()}"
    )
    missing = derive_missing_data(data, [(column, label) for column, label, _ in _CHARACTERISTICS])
    tables = (
        ReportTable(
            name="cohort_characteristics",
            title="Patient characteristics",
            frame=pd.DataFrame(characteristics),
            footnote=footnote,
        ),
        ReportTable(
            name="cohort_prrt_exposure",
            title="PRRT exposure",
            frame=pd.DataFrame(exposure),
            footnote=exposure_note,
        ),
        build_missing_data_table(missing, suffix=data.cycle_filter.text()),
    )
    notes: tuple[str, ...] = ()
    if data.n_patients == 0:
        notes = ("No patient is left to analyse after the min_cycles filter.",)
    section = ReportSection(
        key="cohort",
        title="Cohort",
        summary=(
            f"{data.n_patients} patients analysed: characteristics and PRRT exposure, "
            "overall and by primary-site group, and the missing data of every analysis "
            "variable. " + data.cycle_filter.text()
        ),
        tables=tables,
        notes=notes,
    )
    methods = (
        "Baseline characteristics are summarised as counts and percentages, age as mean "
        "(standard deviation) and Ki-67 as median (interquartile range, type-7 quantiles), "
        "overall and by primary-site group, with the number of patients missing each "
        "variable; PRRT exposure as mean ± standard deviation, mean ± standard error and "
        "median (interquartile range).",
    )
    return SectionResult(
        section=section,
        results={
            "cohort": results,
            "missing_data": {variable.key: variable.to_dict() for variable in missing},
            "min_cycles_filter": {
                "min_cycles": data.cycle_filter.min_cycles,
                "n_before": data.cycle_filter.n_before,
                "n_removed": data.cycle_filter.n_removed,
            },
        },
        methods=methods,
    )


def _characteristic_rows(
    groups: Groups, results: dict[str, dict[str, Any]]
) -> tuple[Rows, list[str]]:
    """Table 1 rows (docs/decisions.md, D45, D46) and the labels of the characteristics
    left out because no patient has them recorded."""
    rows: Rows = [n_row(groups)]
    left_out: list[str] = []
    overall = groups[0][1]
    for column, label, build in _CHARACTERISTICS:
        built = build(groups, results, column=column, label=label)
        if len(overall) and not overall[column].map(is_recorded).any():
            left_out.append(label)
            continue
        rows += built
    return rows, left_out


def _categorical_builder(
    levels: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
    labels: Callable[[str], str] = str,
) -> Callable[..., Rows]:
    def build(
        groups: Groups, results: dict[str, dict[str, Any]], *, column: str, label: str
    ) -> Rows:
        return categorical_rows(
            groups,
            results,
            column=column,
            label=label,
            levels=levels,
            optional_levels=optional,
            level_labels=labels,
        )

    return build


def _continuous_builder(summary: Summary) -> Callable[..., Rows]:
    def build(
        groups: Groups, results: dict[str, dict[str, Any]], *, column: str, label: str
    ) -> Rows:
        return continuous_rows(groups, results, column=column, label=label, summary=summary)

    return build


def _prior_therapy_rows(
    groups: Groups, results: dict[str, dict[str, Any]], *, column: str, label: str
) -> Rows:
    return multi_item_rows(
        groups,
        results,
        column=column,
        label=label,
        items=[str(item) for item in PriorTherapy],
        item_labels=lambda item: PRIOR_THERAPY_LABELS[item],
        none_label="None",
    )


SEX_LABELS = {"F": "Female", "M": "Male", "other": "Other", "unknown": "Unknown"}
PRIOR_THERAPY_LABELS = {
    "surgery": "Surgery",
    "somatostatin_analogue": "Somatostatin analogue",
    "everolimus": "Everolimus",
    "sunitinib": "Sunitinib",
    "capecitabine_temozolomide": "Capecitabine-temozolomide",
    "other_chemotherapy": "Other chemotherapy",
    "liver_directed": "Liver-directed therapy",
    "external_radiotherapy": "External radiotherapy",
    "prior_prrt": "Previous PRRT",
    "other": "Other",
}
"""Displayed names of the prior-therapy vocabulary (bundle.md 1.2)."""
LIVER_BURDEN_LABELS = {"<25": "<25%", "25-50": "25\N{EN DASH}50%", ">50": ">50%"}

_CHARACTERISTICS: tuple[tuple[str, str, Callable[..., Rows]], ...] = (
    ("sex", "Sex", _categorical_builder(("F", "M"), ("other", "unknown"), SEX_LABELS.__getitem__)),
    ("age_years", "Age at diagnosis, years", _continuous_builder(MEAN_SD)),
    ("age_at_first_prrt_years", "Age at first PRRT, years", _continuous_builder(MEAN_SD)),
    ("primary_site", "Primary site", _categorical_builder(labels=site_label)),
    ("grade", "WHO grade", _categorical_builder(GRADE_LEVELS)),
    ("ki67_percent", "Ki-67, %", _continuous_builder(MEDIAN_IQR)),
    ("stage", "Stage", _categorical_builder()),
    ("ecog", "ECOG performance status", _categorical_builder(("0", "1"), ("2", "3", "4"))),
    ("carcinoid_syndrome", "Carcinoid syndrome", binary_rows),
    ("prior_therapies", "Prior therapies", _prior_therapy_rows),
    (
        "liver_tumour_burden",
        "Liver tumour burden, % of liver volume",
        _categorical_builder(
            tuple(str(b) for b in LiverTumourBurden), labels=LIVER_BURDEN_LABELS.__getitem__
        ),
    ),
    (
        "baseline_krenning",
        "Krenning score at baseline SSTR-PET",
        _categorical_builder(optional=("0", "1", "2", "3", "4")),
    ),
)
"""Table 1 in print order: results.json key (the patient frame's column), label, rows.
Age is roughly symmetric (DOMAIN.md §7: normal(66, 12)), Ki-67 right-skewed (D45)."""


def _n_row(groups: Groups) -> dict[str, str]:
    row = {"characteristic": "Patients", "level": "n"}
    row.update({name: str(len(frame)) for name, frame in groups})
    return row


def _stop_missing(frame: pd.DataFrame) -> pd.Series:
    """Label of a missing stop reason: no cycle at all, or not recorded."""
    return frame["courses_n"].map(lambda n: "no PRRT cycle" if n == 0 else NOT_RECORDED)


def _categorical(
    groups: Groups,
    results: dict[str, dict[str, Any]],
    column: str,
    label: str,
    levels: tuple[Any, ...],
    *,
    missing: Callable[[pd.DataFrame], pd.Series] | None = None,
) -> Rows:
    """n (%) per level; fixed ``levels`` first, then others observed, then missing."""

    def values(frame: pd.DataFrame) -> pd.Series:
        series = frame[column].astype(object)
        fill = missing(frame) if missing is not None else pd.Series(NOT_RECORDED, index=frame.index)
        return series.where(series.notna(), fill).astype(str)

    overall = values(groups[0][1])
    fixed = [str(level) for level in levels]
    observed = sorted(set(overall) - set(fixed) - {NOT_RECORDED, "no PRRT cycle"}, key=_natural)
    tail = [level for level in ("no PRRT cycle", NOT_RECORDED) if level in set(overall)]
    all_levels = fixed + observed + tail
    counts = {name: values(frame).value_counts() for name, frame in groups}
    rows: Rows = []
    for level in all_levels:
        row = {"characteristic": label, "level": level}
        for name, frame in groups:
            k = int(counts[name].get(level, 0))
            row[name] = format_count(k, len(frame))
            results[name].setdefault(column, {})[level] = k
        rows.append(row)
    return rows


def _natural(text: str) -> tuple[int, float, str]:
    """Numbers in numeric order before text (``2 < 10 < IV``)."""
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)


def _numeric(groups: Groups, results: dict[str, dict[str, Any]], column: str, label: str) -> Rows:
    stats = {name: describe_numbers(frame[column]) for name, frame in groups}
    formats: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("n with a value", lambda s: str(s["n"])),
        ("mean ± SD", format_mean_sd),
        ("mean ± SE", lambda s: format_mean_sd(s, spread="se")),
        ("median (IQR)", format_median_iqr),
    ]
    rows: Rows = []
    for level, formatter in formats:
        row = {"characteristic": label, "level": level}
        row.update({name: formatter(stats[name]) for name, _ in groups})
        rows.append(row)
    for name, _ in groups:
        results[name][column] = stats[name]
    return rows


def _count_if(
    groups: Groups,
    results: dict[str, dict[str, Any]],
    key: str,
    label: str,
    predicate: Callable[[pd.DataFrame], pd.Series],
) -> Rows:
    row = {"characteristic": label, "level": "n (%)"}
    for name, frame in groups:
        k = int(predicate(frame).sum())
        row[name] = format_count(k, len(frame))
        results[name][key] = k
    return [row]
