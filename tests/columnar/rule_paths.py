"""Which rule paths of the reference engine a cohort exercises, and the cohort that has them.

The columnar engine is checked against the reference engine (``prrt.assess``) on a seeded
cohort that must exercise every rule path of recist11.md (docs/columnar.md, "How it will
be checked"). :func:`reference_run` assesses a bundle with the reference's own functions
(:func:`prrt.assess.patient.assess_patient`, :func:`prrt.assess.rows.patient_rows`, as
:func:`prrt.assess.api.assess_cases` does) and, in the same pass, counts for each path of
:data:`RULE_PATHS` the patients whose results take it (:func:`rule_path_counts`). The
cohort itself is built by :func:`rule_path_cohort` (tests/columnar/rule_path_cohort.py).
Loaded by tests/columnar/conftest.py as ``columnar_rule_paths``: the test folders are
not packages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from columnar_rule_path_cohort import build_rule_path_cohort

from prrt.assess.api import output_tables, resolve_scopes
from prrt.assess.patient import PatientAssessment, ScopeAssessment, assess_patient
from prrt.assess.rows import Row, patient_rows
from prrt.config import DEFAULT_CONFIG, Config
from prrt.criteria.recist11.new_lesions import find_confirmation_dates
from prrt.criteria.recist11.scope import ALL
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.criteria.recist11.timepoint import (
    FLAG_AFTER_NEW_THERAPY,
    FLAG_BACKDATED,
    FLAG_PARTIAL,
    FLAG_REAPPEARANCE,
    TimepointResult,
)
from prrt.io.bundle import Bundle
from prrt.io.issues import Issue
from prrt.model.case import Assessment, Lesion, PatientCase, SplitTarget, TargetValue
from prrt.model.enums import (
    LesionRole,
    NewLesionCertainty,
    NewLesionsResponse,
    Response,
    TargetResponse,
    TargetStatus,
    Timepoint,
)

RULE_PATH_PATIENTS = 20_000
"""Patients of the differential cohort (docs/columnar.md: at least 20,000)."""
RULE_PATH_SEED = 20261206
"""Its seed (tests/columnar/README.md)."""
RULE_PATH_CONFIG = replace(
    DEFAULT_CONFIG, recist=replace(DEFAULT_CONFIG.recist, pr_persistence=True)
)
"""The configuration the cohort is assessed under: the default with ``pr_persistence``
on, the one option that is off by default and gates a rule path (docs/decisions.md,
D202)."""

RULE_PATHS: dict[str, str] = {
    # time points (recist11.md §3-8)
    "ne_visit": "a visit done whose overall response is NE (§8)",
    "visit_not_done": "a visit marked not_done: every component NE (§8)",
    "partial_sum": "a target not evaluated: a partial sum (§4)",
    "pd_on_partial_sum": "PD on the measured targets alone, flag pd_on_partial_sum (§4)",
    "nodal_target": "a nodal target lesion at a follow-up (§3, node short axis)",
    "node_normal_in_target_cr": "target CR with a nodal target measured > 0 and < 10 mm (§4)",
    "tstm": "a target too_small to measure, tstm_default_mm (§3)",
    "coalesced": "a coalesced target, counted 0 (§3)",
    "split_lesion": "a target measured as numbered fragments (§3, bundle.md 1.2)",
    "split_with_tstm_fragment": "a split target with a too_small fragment (§3)",
    "nadir_below_baseline": "a nadir below the baseline sum (§4)",
    "pr_persistence": "target PR whose sum misses the PR threshold (pr_persistence, D3)",
    "non_cr_non_pd": "overall NON-CR/NON-PD, no target in the scope (Table 2)",
    "ned": "overall NED: no disease at baseline (D6)",
    "equivocal_new_confirmed": "an equivocal new lesion confirmed later (§6, D4)",
    "equivocal_new_unconfirmed": "an equivocal new lesion never confirmed (§6)",
    "pd_backdated": "PD back-dated to the equivocal report, flag pd_backdated (§6)",
    "small_new_node_ignored": "a new node under new_node_min_short_axis_mm (§6)",
    "new_lesion_outside_subset": "a new lesion of a group outside a subset scope (§12)",
    "reappearance_after_cr": "disease seen after an overall CR: PD, flagged (§7, D1)",
    "incomplete_cr": "targets CR, non-targets not evaluated after a CR (§7, D14)",
    # scopes and modes (§12; bundle.md)
    "subset_with_targets": "a subset scope with target lesions (§12)",
    "subset_without_targets": "a subset scope without target lesions (§12)",
    "reader_assigned": "a reader-assigned patient (responses.csv)",
    # best response (§9-10)
    "bor_sd": "best overall response SD (§9)",
    "bor_pd": "best overall response PD (§9)",
    "bor_ne": "best overall response NE (§9)",
    "confirmed_pr": "confirmed best response PR (§10)",
    "confirmed_cr": "confirmed best response CR (§10)",
    # endpoints and protocol timepoints (§11; assess.md)
    "new_therapy": "a visit after new_therapy_date, flag after_new_therapy (§11)",
    "pfs_censored_new_therapy": "PFS censored at the new therapy (§11)",
    "death": "a death date (OS event; PFS event without earlier PD, §11)",
    "pfs_event": "a PFS event (§11)",
    "pfs_censored": "a censored PFS (§11)",
    "os_event": "an OS event (§11)",
    "dor_row": "a DOR row (§11)",
    "ttr_row": "a TTR row (§11)",
    "timepoint_mid": "protocol timepoint mid (assess.md)",
    "timepoint_end": "protocol timepoint end (assess.md)",
    "timepoint_post6m": "protocol timepoint post6m (assess.md)",
}
"""Every rule path the differential cohort must exercise, with the rule it names (sections
of recist11.md unless said otherwise). Each is counted in patients."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceRun:
    """The reference engine's output rows on a bundle, and the patients of each path."""

    rows: dict[str, list[Row]]
    """Rows per output table, as :func:`prrt.assess.api.assess_cases` returns them."""
    counts: dict[str, int]
    """Patients per path of :data:`RULE_PATHS` (:func:`rule_path_counts`)."""
    patients: dict[str, list[str]]
    """The IDs of those patients per path, in bundle order (:func:`rule_path_patients`)."""
    warnings: list[Issue]
    """The assess-time quality warnings, as :func:`prrt.assess.api.assess_cases` gives them."""


def reference_run(bundle: Bundle, *, config: Config) -> ReferenceRun:
    """Assess every patient of ``bundle`` once with the reference and count the paths.

    The rows are those of :func:`prrt.assess.api.assess_cases` (so of
    :func:`prrt.assess.assess_bundle`, which runs it chunk by chunk) with the bundle's
    default scopes.
    """
    scopes = resolve_scopes(bundle, None)
    thresholds = ExactThresholds.from_config(config.recist)
    tables: dict[str, list[Row]] = {name: [] for name in output_tables(bundle.cases, config)}
    assessed: list[PatientAssessment] = []
    warnings: list[Issue] = []
    for case in bundle.cases:
        result = assess_patient(case, config=config, thresholds=thresholds, requested=scopes)
        for name, rows in patient_rows(result).items():
            tables[name].extend(rows)
        warnings.extend(result.warnings)
        assessed.append(result)
    patients = rule_path_patients(bundle, assessed, config=config)
    counts = {path: len(ids) for path, ids in patients.items()}
    return ReferenceRun(rows=tables, counts=counts, patients=patients, warnings=warnings)


def rule_path_counts(
    bundle: Bundle, assessed: Iterable[PatientAssessment], *, config: Config
) -> dict[str, int]:
    """Patients of ``bundle`` whose reference results (``assessed``, one per case, from
    :func:`prrt.assess.patient.assess_patient`) take each path of :data:`RULE_PATHS`."""
    found = rule_path_patients(bundle, assessed, config=config)
    return {path: len(ids) for path, ids in found.items()}


def rule_path_patients(
    bundle: Bundle, assessed: Iterable[PatientAssessment], *, config: Config
) -> dict[str, list[str]]:
    """The IDs of the patients of :func:`rule_path_counts` per path, in bundle order."""
    thresholds = ExactThresholds.from_config(config.recist)
    split = _split_patients(bundle)
    patients: dict[str, list[str]] = {path: [] for path in RULE_PATHS}
    for result in assessed:
        found = set(_patient_paths(result, thresholds, config))
        if result.case.patient_id in split.get("split", set()):
            found.add("split_lesion")
        if result.case.patient_id in split.get("split_tstm", set()):
            found.add("split_with_tstm_fragment")
        for path in found.intersection(patients):
            patients[path].append(result.case.patient_id)
    return patients


def _patient_paths(
    result: PatientAssessment, thresholds: ExactThresholds, config: Config
) -> Iterator[str]:
    case = result.case
    if case.is_reader_assigned:
        yield "reader_assigned"
    for scoped in result.scopes:
        yield from _scope_paths(case, scoped, thresholds)
        if not (case.is_reader_assigned or case.is_sum_level):
            yield from _new_lesion_paths(case, scoped, thresholds, config)
    for point in result.protocol_timepoints:
        if point.timepoint in (Timepoint.MID, Timepoint.END, Timepoint.POST6M):
            yield f"timepoint_{point.timepoint}"
    if case.death_date is not None:
        yield "death"
    if not (case.is_reader_assigned or case.is_sum_level):
        yield from _lesion_paths(case, thresholds)


def _scope_paths(
    case: PatientCase, scoped: ScopeAssessment, thresholds: ExactThresholds
) -> Iterator[str]:
    lesion_level = not (case.is_reader_assigned or case.is_sum_level)
    if scoped.scope.is_subset and lesion_level:
        yield "subset_with_targets" if scoped.measurable_at_baseline else "subset_without_targets"
    for row in scoped.rows:
        if not row.is_baseline:
            yield from _row_paths(row, scoped.flags, thresholds)
    bor = {Response.SD: "bor_sd", Response.PD: "bor_pd", Response.NE: "bor_ne"}
    if scoped.bor.response in bor:
        yield bor[scoped.bor.response]
    confirmed = {Response.PR: "confirmed_pr", Response.CR: "confirmed_cr"}
    if scoped.bor_confirmed.response in confirmed:
        yield confirmed[scoped.bor_confirmed.response]
    for endpoint in scoped.endpoints:
        if endpoint.endpoint == "PFS":
            yield "pfs_event" if endpoint.event else "pfs_censored"
            if endpoint.reason == "new_therapy":
                yield "pfs_censored_new_therapy"
        elif endpoint.endpoint == "OS" and endpoint.event:
            yield "os_event"
        elif endpoint.endpoint in ("DOR", "TTR"):
            yield f"{endpoint.endpoint.lower()}_row"


def _row_paths(
    row: TimepointResult, flags: dict[str, tuple[str, ...]], thresholds: ExactThresholds
) -> Iterator[str]:
    if row.assessment.not_done:
        yield "visit_not_done"
    elif row.overall_response is Response.NE:
        yield "ne_visit"
    if row.target_sum_partial_hmm is not None:
        yield "partial_sum"
    named = {
        FLAG_PARTIAL: "pd_on_partial_sum",
        FLAG_BACKDATED: "pd_backdated",
        FLAG_REAPPEARANCE: "reappearance_after_cr",
        FLAG_AFTER_NEW_THERAPY: "new_therapy",
    }
    yield from (named[f] for f in flags.get(row.assessment.assessment_id, ()) if f in named)
    if row.is_incomplete_cr:
        yield "incomplete_cr"
    base, total, nadir = row.baseline_sum_hmm, row.target_sum_hmm, row.nadir_hmm
    is_pr = row.target_response is TargetResponse.PR
    if is_pr and total is not None and base is not None and not thresholds.meets_pr(total, base):
        yield "pr_persistence"
    if nadir is not None and base is not None and nadir < base:
        yield "nadir_below_baseline"
    if row.overall_response is Response.NON_CR_NON_PD:
        yield "non_cr_non_pd"
    elif row.overall_response is Response.NED:
        yield "ned"
    if row.new_lesions is NewLesionsResponse.EQUIVOCAL:
        yield "equivocal_new_unconfirmed"


def _lesion_paths(case: PatientCase, thresholds: ExactThresholds) -> Iterator[str]:
    """Target values at the follow-ups (scope ``all``: every lesion of the patient)."""
    targets = {
        lesion.lesion_id: lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET
    }
    for assessment in _follow_ups(case):
        values = [(targets.get(k), v) for k, v in assessment.targets.items()]
        for lesion, value in values:
            if lesion is not None and lesion.is_node:
                yield "nodal_target"
            if value is TargetStatus.TOO_SMALL:
                yield "tstm"
            elif value is TargetStatus.COALESCED:
                yield "coalesced"
            elif isinstance(value, SplitTarget):
                yield "tstm"
        if _is_target_cr_with_small_node(values, thresholds):
            yield "node_normal_in_target_cr"


def _is_target_cr_with_small_node(
    values: list[tuple[Lesion | None, TargetValue]], thresholds: ExactThresholds
) -> bool:
    """Every target at the visit: nodes < node_normal_mm, the rest 0 or coalesced, and a
    node measured above 0 (RECIST 1.1 §4.3.1: CR with a normal node still there)."""
    small_node = False
    for lesion, value in values:
        if lesion is None:
            return False
        if lesion.is_node:
            if not isinstance(value, int) or not thresholds.is_normal_node(value):
                return False
            small_node = small_node or value > 0
        elif value not in (0, TargetStatus.COALESCED):
            return False
    return small_node


def _new_lesion_paths(
    case: PatientCase, scoped: ScopeAssessment, thresholds: ExactThresholds, config: Config
) -> Iterator[str]:
    """New-lesion reports as the scope sees them (recist11.md §6, §12)."""
    follow_ups = _follow_ups(case)
    scope = scoped.scope
    confirmed = find_confirmation_dates(
        follow_ups, scope=scope, policy=config.recist.subset_new_lesion_policy,
        thresholds=thresholds,
    )  # fmt: skip
    for assessment in follow_ups:
        for report in assessment.new_lesions:
            if report.is_node and thresholds.is_ignored_new_node(report.short_axis_hmm):
                yield "small_new_node_ignored"
                continue
            if scope.is_subset and not scope.includes_group(report.group):
                yield "new_lesion_outside_subset"
            day = confirmed.get(report.new_lesion_id)
            is_equivocal = report.certainty is NewLesionCertainty.EQUIVOCAL
            if is_equivocal and scope == ALL and day is not None and day > assessment.date:
                yield "equivocal_new_confirmed"


def _follow_ups(case: PatientCase) -> tuple[Assessment, ...]:
    """The post-baseline assessments the engine evaluates: those after the baseline
    (:func:`prrt.criteria.recist11.baseline.select_baseline_index`)."""
    from prrt.criteria.recist11.baseline import select_baseline_index

    index, _ = select_baseline_index(case.assessments, reference_date=case.reference_date)
    return case.assessments[index + 1 :] if index is not None else ()


def _split_patients(bundle: Bundle) -> dict[str, set[str]]:
    """Patients with a target measured as fragments at a follow-up, and those with a
    too_small fragment (measurements.csv ``fragment``, bundle.md 1.2)."""
    frame = bundle.tables["measurements"]
    fragments = frame[frame["fragment"].notna()]
    too_small = fragments[fragments["status"].astype("string") == str(TargetStatus.TOO_SMALL)]
    return {
        "split": set(fragments["patient_id"].astype(str)),
        "split_tstm": set(too_small["patient_id"].astype(str)),
    }


def rule_path_cohort(n_patients: int, *, seed: int, destination: Path) -> Path:
    """The differential cohort, written to ``destination``: ``n_patients`` simulated with
    ``seed`` (profile mixed) and the edits of tests/columnar/rule_path_cohort.py."""
    return build_rule_path_cohort(n_patients, seed=seed, destination=destination)
