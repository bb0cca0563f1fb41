"""Lesion-level checks: statuses, baseline targets, target selection, new lesions.

bundle.md (lesions.csv, measurements.csv, new_lesions.csv) and RECIST 1.1 §3 as read in
spec/recist11.md §1-3 and §15: the reader's target selection is accepted and only
warned about; a baseline target without a value is an error.

Project decisions
-----------------
Split lesions (:func:`combine_target_fragments`; which rows are the numbered fragments of
one lesion: :mod:`prrt.io.validate_fragments`, bundle.md 1.2): each fragment counts as any
target value (recist11.md §3; RECIST 1.1 Appendix II); fragments with different statuses
are warned about (``mixed_fragments``):

1. Any ``not_evaluable`` fragment makes the lesion ``not_evaluable`` (recist11.md §3:
   only such a fragment does; its measured fragments count nowhere, docs/decisions.md,
   D16).
2. Otherwise measured fragments are added, a 0 or ``coalesced`` fragment counts 0 (as a
   coalesced lesion does, bundle.md); only coalesced ones give ``coalesced``.
3. ``too_small`` fragments count ``tstm_default_mm`` each: a lone ``too_small`` fragment
   (coalesced ones aside) gives ``too_small``, more fragments a
   :class:`~prrt.model.case.SplitTarget` that the engine resolves with its configuration.

Non-target fragments take the strongest status given: unequivocal_progression, then
not_evaluable, present, absent; a fragment with an empty status adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import ceil

import numpy as np
import pandas as pd

from prrt.config import RecistConfig
from prrt.io.issues import Issue, Severity
from prrt.io.validate_cells import ParsedTable, is_one_of
from prrt.io.validate_keys import Links, gather
from prrt.io.validate_patients import Timeline
from prrt.model.case import SplitTarget, TargetValue
from prrt.model.enums import NonTargetStatus, TargetStatus

TARGET_STATUSES = ("", "measured", "too_small", "not_evaluable", "coalesced")
NON_TARGET_STATUSES = ("", "present", "absent", "unequivocal_progression", "not_evaluable")
_NON_TARGET_STRENGTH = ("unequivocal_progression", "not_evaluable", "present", "absent")
_IGNORES_VALUE = ("too_small", "not_evaluable", "coalesced")


@dataclass(frozen=True, slots=True, kw_only=True)
class Fragments:
    """Usable measurement rows grouped by (assessment, lesion), file order within a group."""

    rows: np.ndarray
    """Positions in measurements.csv, sorted by assessment, lesion, then file order."""
    starts: np.ndarray
    """Index into ``rows`` where each group starts."""
    counts: np.ndarray
    """Rows per group (> 1: a split lesion)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Roles:
    """The role of each measurement row's lesion (neither where it has none)."""

    target: np.ndarray
    non_target: np.ndarray


def group_fragments(tables: Mapping[str, ParsedTable], links: Links) -> Fragments:
    """Group the usable measurement rows by (assessment, lesion)."""
    rows = np.flatnonzero(links.usable["measurements"])
    width = max(len(tables["lesions"]), 1)
    key = links.assessment["measurements"][rows].astype(np.int64, copy=False)  # in place
    key *= width
    key += links.lesion[rows]
    if len(key) > 1 and (key[1:] < key[:-1]).any():  # sorted only out of order (D229)
        order = np.argsort(key, kind="stable")
        rows, key = rows[order], key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(rows) else rows
    counts = np.diff(np.r_[starts, len(rows)]).astype(np.int32)  # half of int64 (D221)
    return Fragments(rows=rows, starts=starts, counts=counts)


def combine_target_fragments(statuses: Sequence[str], hmm: Sequence[int]) -> TargetValue:
    """The value of a split target lesion (recist11.md §3; the module's project decisions).

    >>> combine_target_fragments(["measured", "too_small"], [1200, 0])
    SplitTarget(measured_hmm=1200, too_small_count=1)
    >>> combine_target_fragments(["", "not_evaluable"], [800, 0])
    <TargetStatus.NOT_EVALUABLE: 'not_evaluable'>
    """
    kinds = [s or "measured" for s in statuses]
    if "not_evaluable" in kinds:
        return TargetStatus.NOT_EVALUABLE
    measured = [h for k, h in zip(kinds, hmm, strict=True) if k == "measured"]
    too_small = kinds.count("too_small")
    if not too_small:
        return sum(measured) if measured else TargetStatus.COALESCED
    if too_small == 1 and not measured:
        return TargetStatus.TOO_SMALL
    return SplitTarget(measured_hmm=sum(measured), too_small_count=too_small)


def combine_non_target_fragments(statuses: Sequence[str]) -> NonTargetStatus | None:
    """The status of a split non-target lesion (see the module's project decisions)."""
    for status in _NON_TARGET_STRENGTH:
        if status in statuses:
            return NonTargetStatus(status)
    return None


def check_lesions(
    tables: Mapping[str, ParsedTable],
    links: Links,
    timeline: Timeline,
    fragments: Fragments,
    *,
    config: RecistConfig,
    measurements_readable: bool,
) -> list[Issue]:
    """Every lesion-level check of this module, in one pass over the rows that parsed.

    Without a readable measurements.csv, baseline targets are not checked for values.
    """
    measurements = tables["measurements"]
    lesion_role = tables["lesions"].values["role"]  # each row's lesion's, as booleans
    role = _Roles(
        target=gather(lesion_role == "target", links.lesion, False),
        non_target=gather(lesion_role == "non_target", links.lesion, False),
    )
    baseline = gather(timeline.baseline, links.patient["measurements"], -1)
    at_baseline = links.usable["measurements"] & (links.assessment["measurements"] == baseline)
    issues = _check_statuses(measurements, links, role, at_baseline)
    if measurements_readable:
        issues += _check_baseline_targets(tables, links, timeline, at_baseline, config)
    issues += _check_selection(tables["lesions"], links, config)
    issues += _check_mixed(tables, links, fragments, role)
    issues += _check_new_lesions(tables, links, config)
    return issues


def _check_statuses(
    measurements: ParsedTable, links: Links, role: _Roles, at_baseline: np.ndarray
) -> list[Issue]:
    status = measurements.values["status"]
    given = measurements.given("diameter_mm")
    target, other = role.target, role.non_target
    wrong = (target & ~measurements.value_in("status", TARGET_STATUSES)) | (
        other & ~measurements.value_in("status", NON_TARGET_STATUSES)
    )
    raw = measurements.raw
    issues = raw.issues_at(
        np.flatnonzero(wrong),
        severity=Severity.ERROR,
        code="status_for_other_role",
        column="status",
        rule=[
            f"is not a status of a {'target' if target[p] else 'non-target'} lesion"
            for p in np.flatnonzero(wrong)
        ],
        hint="targets: measured, too_small, not_evaluable, coalesced; non-targets: present, "
        "absent, unequivocal_progression, not_evaluable",
    )
    ignored = target & given & measurements.value_in("status", _IGNORES_VALUE)
    issues += raw.issues_at(
        np.flatnonzero(ignored),
        severity=Severity.WARNING,
        code="value_with_status",
        column="diameter_mm",
        rule=[f"is ignored: the status is {status[p]}" for p in np.flatnonzero(ignored)],
        hint="leave diameter_mm empty, or set the status to measured",
    )
    issues += raw.issues_at(
        np.flatnonzero(other & given),
        severity=Severity.WARNING,
        code="value_on_non_target",
        column="diameter_mm",
        rule="is ignored: non-target lesions are not measured (RECIST 1.1 §3.3)",
        hint="leave diameter_mm empty, or make the lesion a target",
    )
    lacking = target & ~given & measurements.value_in("status", ("", "measured")) & ~at_baseline
    issues += raw.issues_at(
        np.flatnonzero(lacking & links.usable["measurements"]),
        severity=Severity.ERROR,
        code="missing_diameter",
        column="diameter_mm",
        rule="is required for a measured target",
        hint="give the diameter, or a status: too_small, not_evaluable or coalesced",
    )
    return issues


def _check_baseline_targets(
    tables: Mapping[str, ParsedTable],
    links: Links,
    timeline: Timeline,
    at_baseline: np.ndarray,
    config: RecistConfig,
) -> list[Issue]:
    """A baseline target needs a measured diameter; warn when it is too small (§3.1)."""
    lesions, measurements = tables["lesions"], tables["measurements"]
    n = len(lesions)
    rows = np.flatnonzero(at_baseline)
    lesion = links.lesion[rows]
    hmm = measurements.values["diameter_mm"][rows]
    measured = measurements.value_in("status", ("", "measured"))[rows] & (hmm >= 0)
    unreadable = measurements.given("diameter_mm")[rows] & (hmm < 0)
    total = np.zeros(n, dtype=np.int64)
    np.add.at(total, lesion, np.maximum(hmm, 0))
    fragments = np.bincount(lesion, minlength=n)[:n]
    complete = (fragments > 0) & (
        np.bincount(lesion, weights=measured, minlength=n)[:n] == fragments
    )
    doubtful = np.bincount(lesion, weights=unreadable, minlength=n)[:n] > 0
    baseline = gather(timeline.baseline, links.patient["lesions"], -1)
    target = links.usable["lesions"] & (lesions.values["role"] == "target") & (baseline >= 0)
    lacking = np.flatnonzero(target & ~complete & ~doubtful)
    # the cells of the few rows named, not every cell of the columns
    aid = tables["assessments"].raw.cell_text("assessment_id")
    lid = lesions.raw.cell_text("lesion_id")
    issues = lesions.raw.issues_at(
        lacking,
        severity=Severity.ERROR,
        code="baseline_target_without_value",
        column="lesion_id",
        rule=[
            f"target {lid(p)} has no measured diameter at the baseline assessment "
            f"{aid(baseline[p])}"
            for p in lacking.tolist()
        ],
        hint="add its diameter_mm at the baseline in measurements.csv, or make it a non-target",
    )
    node = lesions.values["is_node"] == 1
    first = np.full(n, -1, dtype=np.int64)
    first[lesion[::-1]] = rows[::-1]
    limits = (
        (~node, config.nonnodal_measurable_min_mm, "non_nodal_target_too_small", "non-nodal"),
        (node, config.node_target_min_short_axis_mm, "nodal_target_too_small", "nodal"),
    )
    for which, limit_mm, code, kind in limits:
        small = np.flatnonzero(target & complete & which & (total < _ceil_hmm(limit_mm)))
        issues += measurements.raw.issues_at(
            first[small],
            severity=Severity.WARNING,
            code=code,
            column="diameter_mm",
            rule=[
                f"{kind} target {lid(p)} is {_mm(total[p])} mm at baseline, under the "
                f"{limit_mm} mm a target needs (RECIST 1.1 §3.1)"
                for p in small.tolist()
            ],
            hint="make it a non-target, or check the measurement",
        )
    return issues


def _check_selection(lesions: ParsedTable, links: Links, config: RecistConfig) -> list[Issue]:
    """At most 5 targets, at most 2 per organ; all nodes are one organ (RECIST 1.1 §3.3)."""
    rows = np.flatnonzero(links.usable["lesions"] & (lesions.values["role"] == "target"))
    patient = links.patient["lesions"][rows]
    organ = _organ_keys(lesions, rows)
    overall, total = _rank_in_group(patient)
    organ_codes, _ = pd.factorize(organ)
    per_organ, in_organ = _rank_in_group(patient * (len(rows) + 1) + organ_codes)
    many = np.flatnonzero(overall == config.max_targets_total)
    issues = lesions.raw.issues_at(
        rows[many],
        severity=Severity.WARNING,
        code="too_many_targets",
        column="role",
        rule=[
            f"the patient has {total[k]} target lesions, more than "
            f"{config.max_targets_total} (RECIST 1.1 §3.3)"
            for k in many
        ],
        hint=f"keep at most {config.max_targets_total} targets; follow the others as non-targets",
    )
    crowded = np.flatnonzero(per_organ == config.max_targets_per_organ)
    issues += lesions.raw.issues_at(
        rows[crowded],
        severity=Severity.WARNING,
        code="too_many_targets_in_organ",
        column="organ",
        rule=[
            f"the patient has {in_organ[k]} targets in {organ[k]}, more than "
            f"{config.max_targets_per_organ} per organ (RECIST 1.1 §3.3; all nodes are one organ)"
            for k in crowded
        ],
        hint=f"keep at most {config.max_targets_per_organ} targets per organ; "
        "follow the others as non-targets",
    )
    return issues


def _rank_in_group(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each element: its rank among equal keys (in array order) and their count."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(key) else order
    sizes = np.diff(np.r_[starts, len(key)])
    group = np.repeat(np.arange(len(starts)), sizes)
    rank, count = np.empty_like(order), np.empty_like(order)
    rank[order] = np.arange(len(key)) - starts[group]
    count[order] = sizes[group]
    return rank, count


def _organ_keys(lesions: ParsedTable, rows: np.ndarray) -> np.ndarray:
    """Organ of each target for counting: case and spaces ignored, all nodes one organ."""
    codes, uniques = pd.factorize(lesions.text("organ")[rows])
    names = np.array([str(u).strip().lower() for u in uniques] + [""], dtype=object)
    return np.where(lesions.values["is_node"][rows] == 1, "lymph nodes", names[codes])


def _check_mixed(
    tables: Mapping[str, ParsedTable], links: Links, fragments: Fragments, role: _Roles
) -> list[Issue]:
    """Fragments of one split lesion with different statuses (see the module docstring)."""
    measurements = tables["measurements"]
    status = measurements.values["status"]
    split = np.flatnonzero(fragments.counts > 1)
    codes, parsed = measurements.parsed_codes("status")
    same = {"": "measured"}  # an empty target status is measured
    codes = pd.factorize(np.array([same.get(u, u) for u in parsed], dtype=object))[0][codes]
    # the rows of split lesions only, each group's rows side by side from its start
    sizes = fragments.counts[split]
    split_starts = np.cumsum(sizes) - sizes
    split_rows = fragments.rows[
        np.repeat(fragments.starts[split] - split_starts, sizes) + np.arange(int(sizes.sum()))
    ]
    low = np.minimum.reduceat(codes[split_rows], split_starts) if len(split) else split
    high = np.maximum.reduceat(codes[split_rows], split_starts) if len(split) else split
    mixed = split[low != high]
    rows = fragments.rows
    issues: list[Issue] = []
    # the cells of the few rows named, not every cell of the columns
    aid, lid = (measurements.raw.cell_text(c) for c in ("assessment_id", "lesion_id"))
    hmm = measurements.values["diameter_mm"]
    for group in mixed:
        members = rows[fragments.starts[group] : fragments.starts[group] + fragments.counts[group]]
        given = [str(s) for s in status[members]]
        first = int(members[0])
        if role.target[first]:
            value = combine_target_fragments(given, [int(h) for h in hmm[members]])
            outcome = _target_outcome(value)
        else:
            outcome = str(combine_non_target_fragments(given) or "an empty status")
        numbers = ", ".join(str(r) for r in measurements.raw.rows[members])
        issues += measurements.raw.issues_at(
            [first],
            severity=Severity.WARNING,
            code="mixed_fragments",
            column="status",
            rule=f"the fragments of lesion {lid(first)} at {aid(first)} (rows {numbers}) "
            f"have different statuses: the lesion counts as {outcome}",
            hint="measure every fragment, or give them one status",
        )
    return issues


def _check_new_lesions(
    tables: Mapping[str, ParsedTable], links: Links, config: RecistConfig
) -> list[Issue]:
    new = tables["new_lesions"]
    usable = links.usable["new_lesions"]
    hmm = new.values["short_axis_mm"]
    limit = config.new_node_min_short_axis_mm
    small = np.flatnonzero(
        usable & (new.values["is_node"] == 1) & (hmm >= 0) & (hmm < _ceil_hmm(limit))
    )
    issues = new.raw.issues_at(
        small,
        severity=Severity.WARNING,
        code="small_new_node",
        column="short_axis_mm",
        rule=f"a new node under {limit} mm short axis is not a new lesion "
        "(RECIST 1.1 §4.3.5): ignored",
        hint="check the measurement; re-evaluate the node at the next visit",
    )
    groups = new.values["group"]
    known = tables["lesions"].values["group"][links.usable["lesions"]]
    unknown = usable & (groups != "") & ~is_one_of(groups, pd.unique(known))
    labels, first = np.unique(groups[unknown], return_index=True)
    issues += new.raw.issues_at(
        np.flatnonzero(unknown)[first],
        severity=Severity.WARNING,
        code="group_not_at_baseline",
        column="group",
        rule=[f"no patient has a baseline lesion in group {g}" for g in labels],
        hint="check the spelling (labels are case-sensitive) against lesions.csv",
    )
    return issues


def _ceil_hmm(value_mm: Decimal) -> int:
    """Smallest whole number of hundredths not below ``value_mm``, exactly.

    For integer hundredths ``h``: ``h < value_mm * 100`` if and only if
    ``h < _ceil_hmm(value_mm)`` (recist11.md D13: no rounding before comparing).
    """
    return ceil(Fraction(value_mm) * 100)


def _target_outcome(value: TargetValue) -> str:
    """A split target's value in words, for the ``mixed_fragments`` warning."""
    if isinstance(value, SplitTarget):
        return (
            f"{_mm(value.measured_hmm)} mm plus {value.too_small_count} x tstm_default_mm "
            "(too_small fragments)"
        )
    return f"{_mm(value)} mm" if isinstance(value, int) else str(value)


def _mm(hmm: int) -> str:
    """Hundredths of a mm as millimetres, without trailing zeros."""
    whole, rest = divmod(int(hmm), 100)
    return f"{whole}" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
