"""Sum-level mode: the rules within sums.csv (bundle.md 1.2; recist11.md §16, sum-level mode).

Which mode a patient is in, and sums.csv rows on a PET assessment, are checked in
:mod:`prrt.io.validate_modes`. Here, for every patient with sums.csv rows:

Project decisions (docs/decisions.md, D73 and D74)
--------------------------------------------------
- The baseline rows fix the patient's scopes; scope ``all`` must be among them. A
  follow-up row in another scope is an error.
- Baseline row: ``target_sum_mm`` empty = no target lesion in the scope (0 is an error),
  ``targets_all_gone`` not true, ``nontarget_response`` NON-CR/NON-PD (non-targets) or
  NA/empty (none), ``new_lesions`` N or empty. A baseline row with neither targets nor
  non-targets is allowed only for scope ``all`` of a patient with
  ``disease_at_baseline = false``; such a patient's rows show no disease at baseline.
- Follow-up row, against its scope's baseline row: no sum and no ``targets_all_gone`` in
  a scope without targets; ``targets_all_gone`` needs a sum; a sum of 0 without
  ``targets_all_gone`` is a warning; a non-target category in a scope without non-targets,
  or NA in a scope with them, is an error.
- Every post-baseline CT/MRI assessment that was done needs a row per scope; a row on an
  assessment not done is ignored with a warning (every component is NE, recist11.md §8).
- new_lesions.csv rows of a sum-level patient are errors (its new lesions are the sums.csv
  column ``new_lesions``); ``measurable_disease`` disagreeing with the baseline sum of
  scope ``all`` is a warning, as in lesion-level mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from prrt.io.issues import Issue, Severity
from prrt.io.validate_cells import ParsedTable
from prrt.io.validate_keys import Links
from prrt.io.validate_patients import Timeline

_NON_CR_NON_PD = "NON-CR/NON-PD"
_BASELINE_NON_TARGET = ("", "NA", _NON_CR_NON_PD)
_BASELINE_NEW = ("", "N")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Baseline:
    """A scope's baseline row: its position in sums.csv and what it says."""

    position: int
    has_targets: bool
    has_non_targets: bool


def check_sums(
    tables: Mapping[str, ParsedTable],
    links: Links,
    timeline: Timeline,
    *,
    unusable: frozenset[str],
) -> list[Issue]:
    """Every rule of the module docstring, over the rows that parsed and linked."""
    if unusable & {"sums", "assessments", "patients"}:
        return []
    sums = tables["sums"]
    assessments = tables["assessments"]
    imaging = assessments.value_in("modality", ("CT", "MRI"))
    usable = links.usable["sums"]
    on_imaging = np.zeros(len(sums), dtype=bool)
    linked = np.flatnonzero(usable)
    on_imaging[linked] = imaging[links.assessment["sums"][linked]]
    rows_of: dict[int, list[int]] = {}
    for i in np.flatnonzero(usable & on_imaging).tolist():
        rows_of.setdefault(int(links.patient["sums"][i]), []).append(i)
    scans_of: dict[int, list[int]] = {}
    owner = links.patient["assessments"]
    of_sum_level = np.isin(owner, np.fromiter(rows_of, dtype=owner.dtype, count=len(rows_of)))
    for a in np.flatnonzero(links.usable["assessments"] & imaging & of_sum_level).tolist():
        scans_of.setdefault(int(owner[a]), []).append(a)
    issues: list[Issue] = []
    for patient, rows in rows_of.items():
        baseline = int(timeline.baseline[patient])
        if baseline >= 0:
            follow_ups = _follow_ups(assessments, scans_of.get(patient, []), baseline)
            issues += _check_patient(tables, links, patient, baseline, rows, follow_ups)
    issues += _new_lesions_in_sum_mode(tables, links, frozenset(_sum_level(tables, links)))
    return issues


def _sum_level(tables: Mapping[str, ParsedTable], links: Links) -> set[int]:
    """Patients with at least one linked sums.csv row."""
    patient = links.patient["sums"][links.usable["sums"]]
    return {int(p) for p in patient.tolist()}


def _check_patient(
    tables: Mapping[str, ParsedTable],
    links: Links,
    patient: int,
    baseline: int,
    rows: list[int],
    follow_ups: dict[int, bool],
) -> list[Issue]:
    sums, patients = tables["sums"], tables["patients"]
    assessment = links.assessment["sums"]
    scopes: dict[str, _Baseline] = {}
    issues: list[Issue] = []
    # a row whose scope could not be read (bad_scope) is reported; its assessment is not
    # reported again for a missing row
    unread = {int(assessment[i]) for i in rows if sums.values["scope"][i] == ""}
    rows = [i for i in rows if sums.values["scope"][i] != ""]
    for i in rows:
        if assessment[i] == baseline:
            found, entry = _check_baseline_row(tables, patient, i)
            issues += found
            scopes[str(sums.values["scope"][i])] = entry
    if "all" in scopes:
        issues += _measurable_mismatch(patients, patient, scopes["all"])
    elif baseline not in unread:  # else its baseline scope may be all, written wrongly
        aid = tables["assessments"].text("assessment_id")[baseline]
        issues += patients.raw.issues_at(
            [patient],
            severity=Severity.ERROR,
            code="no_baseline_sums",
            column="patient_id",
            rule=f"is in sum-level mode but sums.csv has no row for scope all at its "
            f"baseline assessment {aid}",
            hint="add the baseline row of scope all: target_sum_mm (empty without target "
            "lesions) and nontarget_response (NON-CR/NON-PD, or NA without non-targets)",
        )
    seen: set[tuple[int, str]] = set()
    for i in rows:
        a = int(assessment[i])
        if a not in follow_ups:
            continue  # the baseline (checked above) or an ignored earlier assessment
        scope = str(sums.values["scope"][i])
        seen.add((a, scope))
        if not follow_ups[a]:  # rows on an assessment not done are ignored (warned below)
            issues += _check_follow_up_row(tables, i, scopes.get(scope), baseline)
    for a in unread:
        follow_ups.pop(a, None)
    issues += _missing_rows(tables, follow_ups, scopes, seen)
    return issues


def _check_baseline_row(
    tables: Mapping[str, ParsedTable], patient: int, i: int
) -> tuple[list[Issue], _Baseline]:
    sums = tables["sums"]
    values, raw = sums.values, sums.raw
    issues: list[Issue] = []
    if values["targets_all_gone"][i] == 1:
        issues += raw.issues_at(
            [i],
            severity=Severity.ERROR,
            code="all_gone_at_baseline",
            column="targets_all_gone",
            rule="is true at the baseline assessment: the baseline sum is what the targets "
            "start from",
            hint="leave it empty (false) on the baseline row",
        )
    if values["target_sum_mm"][i] == 0:
        issues += raw.issues_at(
            [i],
            severity=Severity.ERROR,
            code="zero_baseline_sum",
            column="target_sum_mm",
            rule="is 0 at the baseline assessment: target lesions measure at least 10 mm "
            "(RECIST 1.1 §3.1)",
            hint="give the baseline sum, or leave it empty when the scope has no target lesion",
        )
    non_target = str(values["nontarget_response"][i])
    if non_target not in _BASELINE_NON_TARGET:
        issues += raw.issues_at(
            [i],
            severity=Severity.ERROR,
            code="bad_baseline_nontarget",
            column="nontarget_response",
            rule="must be NON-CR/NON-PD (non-target lesions at baseline), NA or empty (none) "
            "at the baseline assessment",
            hint="responses start after the baseline",
        )
    if str(values["new_lesions"][i]) not in _BASELINE_NEW:
        issues += raw.issues_at(
            [i],
            severity=Severity.ERROR,
            code="new_lesion_on_baseline",
            column="new_lesions",
            rule="must be N or empty at the baseline assessment: a new lesion cannot be on "
            "the baseline",
            hint="correct assessment_id, or set new_lesions to N",
        )
    entry = _Baseline(
        position=i,
        has_targets=_sum_given(sums, i),
        has_non_targets=non_target == _NON_CR_NON_PD,
    )
    issues += _check_disease(tables, patient, i, entry)
    return issues, entry


def _measurable_mismatch(patients: ParsedTable, patient: int, entry: _Baseline) -> list[Issue]:
    """``measurable_disease`` is the baseline sum of scope all in sum-level mode, as it is
    the target lesions in lesion-level mode (bundle.md; validate_modes)."""
    values = patients.values
    stated = int(values["measurable_disease"][patient])
    if stated < 0 or values["disease_at_baseline"][patient] == 0:
        return []  # not given, or checked with the no-disease rule (validate_modes)
    if stated == int(entry.has_targets):
        return []
    taken = "true" if entry.has_targets else "false"
    return patients.raw.issues_at(
        [patient],
        severity=Severity.WARNING,
        code="measurable_disease_mismatch",
        column="measurable_disease",
        rule=f"disagrees with the sums: the baseline row of scope all gives "
        f"{'a' if entry.has_targets else 'no'} target sum; measurable disease is taken as {taken}",
        hint="the baseline sum decides in sum-level mode: correct measurable_disease or clear it",
    )


def _check_disease(
    tables: Mapping[str, ParsedTable], patient: int, i: int, entry: _Baseline
) -> list[Issue]:
    """Disease at baseline in the scope, against ``disease_at_baseline`` (D74)."""
    sums, patients = tables["sums"], tables["patients"]
    no_disease = patients.values["disease_at_baseline"][patient] == 0
    scope = str(sums.values["scope"][i])
    if entry.has_targets or entry.has_non_targets:
        if not no_disease:
            return []
        return patients.raw.issues_at(
            [patient],
            severity=Severity.ERROR,
            code="no_disease_with_sums",
            column="disease_at_baseline",
            rule=f"says no disease at baseline, but sums.csv row {sums.raw.rows[i]} gives "
            f"disease in scope {scope} at the baseline",
            hint="set disease_at_baseline = true, or correct the baseline row",
        )
    if no_disease and scope == "all":
        return []  # no disease at baseline (D6)
    return sums.raw.issues_at(
        [i],
        severity=Severity.ERROR,
        code="no_disease_in_scope",
        column="scope",
        rule="has neither a target sum nor non-target lesions at the baseline: a scope needs "
        "disease at baseline",
        hint="give target_sum_mm or nontarget_response NON-CR/NON-PD, or remove the scope's "
        "rows (no disease at all: disease_at_baseline = false)",
    )


def _follow_ups(assessments: ParsedTable, scans: list[int], baseline: int) -> dict[int, bool]:
    """Of the patient's CT/MRI assessments ``scans``, those after the baseline (by date,
    then file order, as the baseline is chosen), each with whether it was not done."""
    values = assessments.values
    imaging = np.asarray(scans, dtype=np.int64)
    day, base_day = values["date"][imaging], values["date"][baseline]
    later = (day > base_day) | ((day == base_day) & (imaging > baseline))
    return {int(a): bool(values["not_done"][a] == 1) for a in imaging[later].tolist()}


def _check_follow_up_row(
    tables: Mapping[str, ParsedTable], i: int, entry: _Baseline | None, baseline: int
) -> list[Issue]:
    sums = tables["sums"]
    values, raw = sums.values, sums.raw
    scope = str(values["scope"][i])
    if entry is None:
        aid = tables["assessments"].text("assessment_id")[baseline]
        return raw.issues_at(
            [i],
            severity=Severity.ERROR,
            code="scope_not_at_baseline",
            column="scope",
            rule=f"has no row at the baseline assessment {aid}: a patient has the scopes of "
            "its baseline rows only",
            hint="add the scope's baseline row, or correct the scope",
        )
    where = f"scope {scope} (baseline row {raw.rows[entry.position]})"
    issues: list[Issue] = []
    given_sum = _sum_given(sums, i)
    gone = values["targets_all_gone"][i] == 1
    if not entry.has_targets:
        for column, given, said in (
            ("target_sum_mm", given_sum, "given"),
            ("targets_all_gone", gone, "true"),
        ):
            if given:
                issues += raw.issues_at(
                    [i],
                    severity=Severity.ERROR,
                    code="sum_without_targets",
                    column=column,
                    rule=f"is {said}, but {where} has no target lesions (empty target_sum_mm "
                    "at the baseline)",
                    hint="leave it empty, or give the scope's baseline sum",
                )
    elif gone and not given_sum:
        issues += raw.issues_at(
            [i],
            severity=Severity.ERROR,
            code="all_gone_without_sum",
            column="target_sum_mm",
            rule="is empty, but targets_all_gone is true: a complete response needs the sum "
            "(0, or the short axes of nodes under 10 mm)",
            hint="give the sum; an empty sum means the targets were not evaluable",
        )
    elif not gone and values["target_sum_mm"][i] == 0:
        issues += raw.issues_at(
            [i],
            severity=Severity.WARNING,
            code="zero_sum_not_all_gone",
            column="target_sum_mm",
            rule="is 0 but targets_all_gone is false: the target response comes from the sum, "
            "never CR (docs/decisions.md, D75)",
            hint="set targets_all_gone = true if every target has gone",
        )
    issues += _check_non_target(sums, i, entry, where)
    return issues


def _sum_given(sums: ParsedTable, i: int) -> bool:
    """Whether row ``i`` has a target_sum_mm cell, readable or not (a bad one is reported
    by the cell checks; it is not read as "no targets")."""
    cells = sums.raw.text.get("target_sum_mm")
    return cells is not None and cells[i] != ""


def _check_non_target(sums: ParsedTable, i: int, entry: _Baseline, where: str) -> list[Issue]:
    given = str(sums.values["nontarget_response"][i])
    if entry.has_non_targets and given == "NA":
        rule = f"is NA, but {where} has non-target lesions (NON-CR/NON-PD at the baseline)"
        hint = "give CR, NON-CR/NON-PD, PD or NE (empty = NE)"
    elif not entry.has_non_targets and given not in ("", "NA"):
        rule = f"is {given}, but {where} has no non-target lesions (NA at the baseline)"
        hint = "use NA or leave it empty; give new disease in new_lesions"
    else:
        return []
    return sums.raw.issues_at(
        [i],
        severity=Severity.ERROR,
        code="nontarget_response_mismatch",
        column="nontarget_response",
        rule=rule,
        hint=hint,
    )


def _missing_rows(
    tables: Mapping[str, ParsedTable],
    follow_ups: Mapping[int, bool],
    scopes: Mapping[str, _Baseline],
    seen: set[tuple[int, str]],
) -> list[Issue]:
    """A done follow-up without a row of a scope is an error; a row on one not done is
    ignored with a warning (D73; recist11.md §8)."""
    assessments = tables["assessments"]
    issues: list[Issue] = []
    for a, not_done in follow_ups.items():
        if not_done:
            given = sorted(s for b, s in seen if b == a)
            if given:
                issues += assessments.raw.issues_at(
                    [a],
                    severity=Severity.WARNING,
                    code="sums_on_not_done",
                    column="not_done",
                    rule=f"the assessment is not done, so its sums.csv rows (scope "
                    f"{', '.join(given)}) are ignored: every component is NE (recist11.md §8)",
                    hint="remove the rows, or set not_done = false if the scan was read",
                )
            continue
        for scope in sorted(scopes):
            if (a, scope) not in seen:
                issues += assessments.raw.issues_at(
                    [a],
                    severity=Severity.ERROR,
                    code="missing_sums_row",
                    column="assessment_id",
                    rule=f"has no sums.csv row for scope {scope}: every assessment of a "
                    "sum-level patient needs a row per scope",
                    hint="add the row (an empty target_sum_mm = targets not evaluable), or "
                    "set not_done = true",
                )
    return issues


def _new_lesions_in_sum_mode(
    tables: Mapping[str, ParsedTable], links: Links, sum_level: frozenset[int]
) -> list[Issue]:
    if not sum_level:
        return []
    patient = links.patient["new_lesions"]
    rows = np.flatnonzero(links.usable["new_lesions"] & np.isin(patient, sorted(sum_level)))
    return tables["new_lesions"].raw.issues_at(
        rows,
        severity=Severity.ERROR,
        code="new_lesions_in_sum_mode",
        column="patient_id",
        rule="is in sum-level mode (sums.csv): its new lesions are the sums.csv column new_lesions",
        hint="give Y or equivocal on the sums.csv row of that assessment, and remove this row",
    )
