"""The mid-to-end analysis sets of the Halperin comparisons, and why each patient is out.

Halperin et al. (JCO Oncol Pract 2024;20:1401-1409) compare the response at the end of
treatment by the response at mid-treatment. Two analysis sets, both on scope ``all``:

- :func:`halperin_set`, the primary (complete-case) set: measurable disease at baseline,
  an evaluable (non-NE) overall response at mid and at end, known grade.
- :func:`halperin_set_nri`, the sensitivity set (non-responder imputation, NRI): the same
  without the end condition; a patient with no evaluable end response counts as not
  CR/PR at end (docs/decisions.md, D32).

Every patient left out or imputed is counted under the first reason of
:data:`EXCLUSION_REASONS` that applies, so no patient disappears without a name: a
patient with PD at mid, who stops treatment and has no end assessment, is counted as
such (docs/decisions.md, D32).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from prrt.config import TimepointConfig
from prrt.report.sections.data import RESPONDER, CohortData, mid_group

__all__ = [
    "COARSE_EXCLUSIONS",
    "END_REASONS",
    "EXCLUSION_REASONS",
    "classify_mid_end",
    "coarse_exclusions",
    "end_window_text",
    "halperin_set",
    "halperin_set_nri",
]

MID_EVALUABLE = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD")
"""Overall responses that place a patient in a mid group (NE, NED and MISSING do not)."""

NOT_MEASURABLE = "no measurable disease at baseline"
NO_MID = "no mid assessment"
MID_NOT_EVALUABLE = "mid response not evaluable (NE or NED)"
PD_MID_NO_END = "PD at mid, no end assessment"
STOPPED_AT_MID = "treatment stopped after the mid cycles, no end assessment"
DIED_BEFORE_END = "died before an end assessment"
FOLLOW_UP_ENDED = "follow-up ended before an end assessment"
NOT_RESTAGED = "no end assessment in the end window"
END_NOT_EVALUABLE = "end response not evaluable (NE or NED)"
GRADE_UNKNOWN = "grade unknown"

END_REASONS = (
    PD_MID_NO_END,
    STOPPED_AT_MID,
    DIED_BEFORE_END,
    FOLLOW_UP_ENDED,
    NOT_RESTAGED,
    END_NOT_EVALUABLE,
)
"""Reasons for no evaluable end response, in the order they are checked (D32)."""

EXCLUSION_REASONS = (
    NOT_MEASURABLE,
    NO_MID,
    MID_NOT_EVALUABLE,
    *END_REASONS,
    GRADE_UNKNOWN,
)
"""Every reason a patient of scope ``all`` is not in :func:`halperin_set`, in order."""

COARSE_EXCLUSIONS: Mapping[str, tuple[str, ...]] = {
    "no measurable disease at baseline": (NOT_MEASURABLE,),
    "no evaluable (non-NE) overall response at mid": (NO_MID, MID_NOT_EVALUABLE),
    "no evaluable (non-NE) overall response at end": END_REASONS,
    "grade unknown": (GRADE_UNKNOWN,),
}
"""The four exclusion keys results.json has always had, and the reasons each sums."""

_GRADES = ("G1", "G2", "G3")


def classify_mid_end(data: CohortData) -> pd.DataFrame:
    """One row per patient of scope ``all``, with the first reason it leaves the set.

    Columns: patient_id, mid_group (PR/SD/PD or NaN), pr_end (CR or PR at end), grade,
    site_group, reason (one of :data:`EXCLUSION_REASONS`, None when in the set).

    Rule
    ----
    Checked in this order; the first that applies is the patient's reason:

    1. no measurable disease at baseline; 2. no mid assessment; 3. mid response NE or
       NED (no mid group).
    4. No end assessment (end MISSING), split by why: PD at mid (treatment stops at
       progression); no cycle after cycle ``mid_after_cycle`` of the first course (no
       end timepoint exists, spec/assess.md, Protocol timepoints); death on or before
       the end window closes; OS censored (follow-up ended) on or before it; otherwise
       not restaged in the window. The end window closes ``end_max_days`` after cycle
       min(``end_after_cycle``, last cycle given) of the first course (spec/assess.md).
    5. End response NE or NED. 6. Grade unknown.
    """
    frame = data.scope_responses("all").reset_index(drop=True)
    groups = mid_group(frame["mid"])
    end_missing = frame["end"] == "MISSING"
    rules = [
        (NOT_MEASURABLE, ~frame["measurable"].astype(bool)),
        (NO_MID, frame["mid"] == "MISSING"),
        (MID_NOT_EVALUABLE, ~frame["mid"].isin(MID_EVALUABLE)),
        *_end_missing_rules(data, frame, groups, end_missing),
        (END_NOT_EVALUABLE, ~frame["end"].isin(MID_EVALUABLE)),
        (GRADE_UNKNOWN, ~frame["grade"].isin(_GRADES)),
    ]
    reason = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for label, condition in rules:
        reason = reason.where(reason.notna() | ~condition.astype(bool), label)
    return pd.DataFrame(
        {
            "patient_id": frame["patient_id"],
            "mid_group": groups,
            "pr_end": frame["end"].isin(RESPONDER),
            "grade": frame["grade"],
            "site_group": frame["site_group"],
            "reason": reason,
        }
    )


def _end_missing_rules(
    data: CohortData, frame: pd.DataFrame, groups: pd.Series, end_missing: pd.Series
) -> list[tuple[str, pd.Series]]:
    """Rule 4 of :func:`classify_mid_end`: why there is no end assessment."""
    timepoints = data.config.timepoints
    ids = frame["patient_id"]
    cycles = ids.map(data.patients.set_index("patient_id")["first_course_cycles"])
    closes = ids.map(_end_window_closes(data))
    endpoints = data.endpoints
    os_rows = endpoints[(endpoints["endpoint"] == "OS") & (endpoints["scope"] == "all")]
    os_rows = os_rows.set_index("patient_id")
    os_date = ids.map(pd.to_datetime(os_rows["end_date"]))
    os_event = ids.map(os_rows["event"].astype(int))
    within = os_date.notna() & closes.notna() & (os_date <= closes)
    return [
        (PD_MID_NO_END, end_missing & (groups == "PD")),
        (STOPPED_AT_MID, end_missing & (cycles.fillna(0) <= timepoints.mid_after_cycle)),
        (DIED_BEFORE_END, end_missing & within & (os_event == 1)),
        (FOLLOW_UP_ENDED, end_missing & within & (os_event == 0)),
        (NOT_RESTAGED, end_missing),
    ]


def _end_window_closes(data: CohortData) -> pd.Series:
    """Per patient: the date of cycle min(end_after_cycle, last) of the first course plus
    end_max_days (spec/assess.md, Protocol timepoints, ``end``)."""
    cycles = data.cycles
    if cycles.empty:
        return pd.Series(dtype="datetime64[ns]")
    timepoints = data.config.timepoints
    first_course = cycles.groupby("patient_id")["course"].transform("min")
    first = cycles[cycles["course"] == first_course].sort_values(["patient_id", "cycle"])
    dates = pd.to_datetime(first["date"])
    position = first.groupby("patient_id").cumcount() + 1
    last = position.groupby(first["patient_id"]).transform("max")
    chosen = dates[position == last.clip(upper=timepoints.end_after_cycle)]
    closes = chosen + pd.Timedelta(days=timepoints.end_max_days)
    return pd.Series(closes.to_numpy(), index=first.loc[chosen.index, "patient_id"].to_numpy())


def end_window_text(timepoints: TimepointConfig) -> str:
    """The end window in words, for footnotes.

    >>> end_window_text(TimepointConfig())[:59]
    'End window: the first assessment after cycle 4 (or the last'
    """
    return (
        f"End window: the first assessment after cycle {timepoints.end_after_cycle} (or the "
        f"last cycle given, if earlier) within {timepoints.end_max_days} days of it; "
        f"patients with no cycle after cycle {timepoints.mid_after_cycle} have no end "
        "timepoint (spec/assess.md)."
    )


def _analysis_frame(classified: pd.DataFrame) -> pd.DataFrame:
    return classified[["patient_id", "mid_group", "pr_end", "grade", "site_group"]].reset_index(
        drop=True
    )


def _counts(reasons: pd.Series, labels: tuple[str, ...]) -> dict[str, int]:
    return {label: int((reasons == label).sum()) for label in labels}


def halperin_set(data: CohortData) -> tuple[pd.DataFrame, dict[str, int]]:
    """The primary (complete-case) analysis set and the patients left out, by reason.

    Returns patient_id, mid_group (PR/SD/PD), pr_end (bool), grade and site_group, and
    ``{reason: count}`` for every reason of :data:`EXCLUSION_REASONS`, in order (zeros
    kept). :func:`coarse_exclusions` sums them into the four historical keys.
    """
    classified = classify_mid_end(data)
    kept = classified[classified["reason"].isna()]
    return _analysis_frame(kept), _counts(classified["reason"], EXCLUSION_REASONS)


def halperin_set_nri(
    data: CohortData,
) -> tuple[pd.DataFrame, dict[str, int], dict[str, int]]:
    """The non-responder-imputation set: no evaluable end response counts as not CR/PR.

    Returns the analysis set (columns of :func:`halperin_set` plus ``imputed``, True for
    a patient without an evaluable end response, whose pr_end is False), the patients
    still left out (no measurable disease, no evaluable mid response, grade unknown:
    the model cannot place them) and the imputed patients, both ``{reason: count}``.
    Project decisions: docs/decisions.md, D32.
    """
    classified = classify_mid_end(data)
    unknown_grade = ~classified["grade"].isin(_GRADES)
    reasons = classified["reason"].where(
        ~(classified["reason"].isin(END_REASONS) & unknown_grade), GRADE_UNKNOWN
    )
    imputed = reasons.isin(END_REASONS)
    keep = (reasons.isna() | imputed).to_numpy(bool)
    frame = _analysis_frame(classified[keep])
    frame["imputed"] = imputed.to_numpy(bool)[keep]
    frame["pr_end"] = frame["pr_end"].astype(bool) & ~frame["imputed"]
    excluded_labels = (NOT_MEASURABLE, NO_MID, MID_NOT_EVALUABLE, GRADE_UNKNOWN)
    return frame, _counts(reasons, excluded_labels), _counts(reasons, END_REASONS)


def coarse_exclusions(detailed: Mapping[str, int]) -> dict[str, int]:
    """The four exclusion keys of results.json (:data:`COARSE_EXCLUSIONS`) from the
    detailed counts of :func:`halperin_set`.

    >>> counts = dict.fromkeys(EXCLUSION_REASONS, 0) | {PD_MID_NO_END: 2, NO_MID: 1}
    >>> coarse_exclusions(counts)["no evaluable (non-NE) overall response at end"]
    2
    """
    return {
        key: sum(int(detailed.get(reason, 0)) for reason in reasons)
        for key, reasons in COARSE_EXCLUSIONS.items()
    }
