"""Several evaluators per patient (bundle.md 1.2): the evaluator column and each
evaluator's reads as a bundle of their own.

A bundle *names evaluators* when some row of assessments.csv or of a read table has a
non-empty ``evaluator``; without one, nothing here runs and the bundle is read as before.

Rules
-----
docs/decisions.md, D110-D112:

1. The *read tables* (lesions, measurements, new_lesions, responses, sums) hold what one
   evaluator read: each row belongs to its ``evaluator`` (empty = the single reader).
2. An assessments.csv row with an evaluator belongs to that evaluator; a row without one
   is shared by every evaluator of its patient (the scan is the same, the reads differ).
3. A patient is *read by* evaluator E when a read row or an assessments row of the
   patient names E. A patient read by nobody by name keeps the single reader (empty).
4. One evaluator's view is a bundle: the patients E reads, their rows of every shared
   table (patients, cycles, pet_lesions, symptoms, labs, adverse_events), E's own rows
   and the shared assessments. Every check of a single-reader bundle runs on each view, so
   keys are unique per (patient, evaluator) and references resolve within the evaluator
   (a measurement names E's lesion, on E's or a shared assessment).
5. An evaluator is letters, digits, ``_``, ``.`` and ``-``, in words separated by single
   spaces (:data:`EVALUATOR_PATTERN`); it is case-sensitive and kept as written (D111).
6. ``accepted`` (assessments.csv, as SDTM's RSACPTFL) marks the evaluator whose reads of
   the patient enter the cohort analyses: true on a row of that evaluator (D112). At most
   one evaluator per patient; one evaluator's rows may not say both true and false.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from prrt.io.issues import Issue, Severity
from prrt.io.validate_cells import ParsedTable, is_one_of
from prrt.io.validate_keys import ASSESSMENT_LINKED, Links
from prrt.io.validate_lesions import Fragments, group_fragments
from prrt.io.validate_patients import Timeline, derive_timeline

EVALUATOR = "evaluator"
ACCEPTED = "accepted"
READ_TABLES = ("lesions", "measurements", "new_lesions", "responses", "sums")
"""Tables whose rows are one evaluator's reads (rule 1)."""
EVALUATOR_PATTERN = re.compile(r"[\w.-]+(?: [\w.-]+)*")
"""Rule 5: e.g. ``R1``, ``reader_a``, ``Dr. Smith``; no leading, trailing or double space."""
_OWNED = (*READ_TABLES, "assessments")
_KEY, _READER_KEY = "(patient_id, ", "(patient_id, evaluator, "
"""How a duplicate read row's key is named: within an evaluator's view the evaluator is
part of it (bundle.md 1.2)."""
_REFERENCES = (
    ("measurements", "lesions", "lesion_id"),
    *((name, "assessments", "assessment_id") for name in READ_TABLES if name != "lesions"),
)
"""(table, referenced table, column) whose references stay within the evaluator."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReaderView:
    """One evaluator's reads and the shared rows of their patients (rule 4)."""

    evaluator: str
    """Empty: the patients that no evaluator reads by name."""
    tables: Mapping[str, ParsedTable]
    positions: Mapping[str, np.ndarray]
    """Table name -> positions of the view's rows in the whole table."""

    def rows_of(self, file: str) -> frozenset[int]:
        """The file rows of ``file`` (as issues name it) that are the view's."""
        return frozenset(
            int(row)
            for table in self.tables.values()
            if table.raw.file == file
            for row in table.raw.rows.tolist()
        )


def named_evaluators(tables: Mapping[str, ParsedTable]) -> tuple[str, ...]:
    """The evaluators the bundle names, sorted (empty: a single-reader bundle)."""
    found: set[str] = set()
    for name in _OWNED:
        table = tables[name]
        named = table.cells_at(EVALUATOR, np.flatnonzero(table.given(EVALUATOR)))
        found.update(str(e) for e in pd.unique(named))
    return tuple(sorted(found))


def patient_evaluators(tables: Mapping[str, ParsedTable]) -> dict[str, tuple[str, ...]]:
    """patient_id -> the evaluators reading the patient by name, sorted (rule 3); a name
    breaking rule 5 reads nobody (its rows are reported and left out of every view)."""
    found: dict[str, set[str]] = {}
    for name in _OWNED:
        table = tables[name]
        named = np.flatnonzero(table.given(EVALUATOR))
        for pid, evaluator in zip(
            table.cells_at("patient_id", named).tolist(),
            table.cells_at(EVALUATOR, named).tolist(),
            strict=True,
        ):
            if EVALUATOR_PATTERN.fullmatch(evaluator):
                found.setdefault(pid, set()).add(evaluator)
    return {pid: tuple(sorted(names)) for pid, names in found.items()}


def accepted_evaluators(tables: Mapping[str, ParsedTable]) -> dict[str, str]:
    """patient_id -> the evaluator whose rows say ``accepted = true`` (rule 6; checked by
    :func:`check_evaluators`, so at most one per patient)."""
    assessments = tables["assessments"]
    rows = np.flatnonzero((assessments.values[ACCEPTED] == 1) & assessments.given(EVALUATOR))
    pids = assessments.cells_at("patient_id", rows).tolist()
    evaluators = assessments.cells_at(EVALUATOR, rows).tolist()
    return dict(zip(pids, evaluators, strict=True))


def check_evaluators(tables: Mapping[str, ParsedTable]) -> list[Issue]:
    """Rules 1, 5 and 6 on the whole bundle (the views check everything else); on a
    bundle naming no evaluator, only ``accepted`` given without one (a warning)."""
    readers = patient_evaluators(tables)
    issues: list[Issue] = []
    for name in _OWNED:
        table = tables[name]
        given = table.given(EVALUATOR)
        named = np.flatnonzero(given)
        bad = [
            p
            for p, evaluator in zip(
                named.tolist(), table.cells_at(EVALUATOR, named).tolist(), strict=True
            )
            if not EVALUATOR_PATTERN.fullmatch(str(evaluator))
        ]
        issues += table.raw.issues_at(
            bad,
            severity=Severity.ERROR,
            code="bad_evaluator",
            column=EVALUATOR,
            rule="must be letters, digits, _, . and - in words separated by single spaces",
            hint="e.g. R1, reader_a or Dr. Smith, without spaces around it",
        )
        if name == "assessments" or not readers:
            continue
        pid = table.text("patient_id")
        missing = [p for p in np.flatnonzero(~given).tolist() if str(pid[p]) in readers]
        issues += table.raw.issues_at(
            missing,
            severity=Severity.ERROR,
            code="evaluator_missing",
            column=EVALUATOR,
            rule=[
                f"patient {pid[p]} is read by {_names(readers[str(pid[p])])}: every read "
                "row of the patient names its evaluator"
                for p in missing
            ],
            hint="fill in the evaluator who made this read",
        )
    return issues + _check_pet(tables) + _check_accepted(tables["assessments"])


def _check_pet(tables: Mapping[str, ParsedTable]) -> list[Issue]:
    assessments = tables["assessments"]
    pet = np.flatnonzero(assessments.value_in("modality", ("PET",)) & assessments.given(EVALUATOR))
    return assessments.raw.issues_at(
        pet,
        severity=Severity.ERROR,
        code="evaluator_on_pet",
        column=EVALUATOR,
        rule="a PET assessment is shared by every evaluator: evaluators read CT/MRI only "
        "(RECIST 1.1)",
        hint="leave evaluator empty on PET rows",
    )


def _check_accepted(assessments: ParsedTable) -> list[Issue]:
    """Rule 6: ``accepted`` on a row without evaluator is ignored (warning); conflicts are
    errors."""
    accepted = assessments.values[ACCEPTED]
    said_at = accepted >= 0
    given = assessments.given(EVALUATOR)
    issues = assessments.raw.issues_at(
        np.flatnonzero(said_at & ~given),
        severity=Severity.WARNING,
        code="accepted_without_evaluator",
        column=ACCEPTED,
        rule="is ignored: accepted marks the reads of the evaluator named on the row",
        hint="give the evaluator, or leave accepted empty",
    )
    said: dict[tuple[str, str], tuple[int, int]] = {}
    chosen: dict[str, tuple[str, int]] = {}
    named = np.flatnonzero(said_at & given)
    pids = assessments.cells_at("patient_id", named).tolist()
    evaluators = assessments.cells_at(EVALUATOR, named).tolist()
    for p, pid, evaluator in zip(named.tolist(), pids, evaluators, strict=True):
        key = (str(pid), str(evaluator))
        value = int(accepted[p])
        row = int(assessments.raw.rows[p])
        earlier = said.setdefault(key, (value, row))
        if earlier[0] != value:
            issues += _accepted_issue(
                assessments,
                p,
                "accepted_conflict",
                f"evaluator {key[1]} of patient {key[0]} is accepted on one row and not on "
                f"another (row {earlier[1]})",
            )
            continue
        if value != 1:
            continue
        first = chosen.setdefault(key[0], (key[1], row))
        if first[0] != key[1]:
            issues += _accepted_issue(
                assessments,
                p,
                "several_accepted",
                f"patient {key[0]} already has the accepted evaluator {first[0]} (row "
                f"{first[1]}): one evaluator's reads are accepted per patient",
            )
    return issues


def _accepted_issue(assessments: ParsedTable, position: int, code: str, rule: str) -> list[Issue]:
    return assessments.raw.issues_at(
        [position],
        severity=Severity.ERROR,
        code=code,
        column=ACCEPTED,
        rule=rule,
        hint="set accepted = true on the rows of the one accepted evaluator only",
    )


def split_readers(tables: Mapping[str, ParsedTable]) -> list[ReaderView]:
    """One view per evaluator (rule 4), sorted by evaluator; the single reader (empty) first
    when some row belongs to it. A read row without evaluator of a patient read by name,
    or with an evaluator breaking rule 5, belongs to no view (:func:`check_evaluators`
    reports it)."""
    readers = patient_evaluators(tables)
    named = tuple(readers)
    views = []
    valid = [e for e in named_evaluators(tables) if EVALUATOR_PATTERN.fullmatch(e)]
    for evaluator in ("", *valid):
        mine = (
            tuple(pid for pid, names in readers.items() if evaluator in names)
            if evaluator
            else named
        )
        positions: dict[str, np.ndarray] = {}
        for name, table in tables.items():
            in_view = is_one_of(table.text("patient_id"), mine)
            if not evaluator:
                in_view = ~in_view
            if name in _OWNED:
                own = table.text(EVALUATOR) == evaluator
                in_view = (
                    own
                    if name != "assessments"
                    else in_view & (own | (table.text(EVALUATOR) == ""))
                )
                if name != "assessments" and not evaluator:
                    in_view &= ~is_one_of(table.text("patient_id"), named)
            positions[name] = np.flatnonzero(in_view)
        if evaluator or any(len(p) for p in positions.values()):
            views.append(
                ReaderView(
                    evaluator=evaluator,
                    tables={n: _subset(t, positions[n]) for n, t in tables.items()},
                    positions=positions,
                )
            )
    return views


def _subset(table: ParsedTable, positions: np.ndarray) -> ParsedTable:
    raw = table.raw
    return ParsedTable(
        spec=table.spec,
        raw=replace(
            raw, rows=raw.rows[positions], text={c: v[positions] for c, v in raw.text.items()}
        ),
        values={c: v[positions] for c, v in table.values.items()},
    )


def merge_view_issues(
    views: Sequence[ReaderView], found: Sequence[Sequence[Issue]], *, replaced: Iterable[Issue]
) -> list[Issue]:
    """The views' issues once each; ``replaced`` (better messages of
    :func:`other_evaluator_references`) stand for the views' issues at the same row; a
    duplicate read row names the evaluator in its key.

    An issue raised in some but not all of the views holding its row (a patient-level
    problem of one evaluator's reads, e.g. no lesion data) names those evaluators.
    """
    better = {(i.file, i.row, i.column): i for i in replaced}
    raised: dict[Issue, list[str]] = {}
    for view, issues in zip(views, found, strict=True):
        reads = {view.tables[name].raw.file for name in READ_TABLES}
        for issue in issues:
            if (issue.file, issue.row, issue.column) in better and issue.code.startswith(
                "unknown_"
            ):
                continue
            if view.evaluator and issue.code == "duplicate_key" and issue.file in reads:
                # every read row of the view has its evaluator: the key names it
                issue = replace(issue, rule=issue.rule.replace(_KEY, _READER_KEY, 1))
            raised.setdefault(issue, []).append(view.evaluator)
    merged = list(better.values())
    held: dict[tuple[int, str], frozenset[int]] = {}
    for issue, evaluators in raised.items():
        if issue.row is None or any(not e for e in evaluators):
            merged.append(issue)
            continue
        for k, view in enumerate(views):
            if (k, issue.file) not in held:
                held[k, issue.file] = view.rows_of(issue.file)
        holders = [v.evaluator for k, v in enumerate(views) if issue.row in held[k, issue.file]]
        if len(evaluators) == len(holders):
            merged.append(issue)
        else:
            merged.append(replace(issue, rule=f"{issue.rule} (evaluator {_names(evaluators)})"))
    return merged


def other_evaluator_references(tables: Mapping[str, ParsedTable]) -> list[Issue]:
    """Reads naming a lesion or assessment that only another evaluator has (rule 4)."""
    issues: list[Issue] = []
    for name, target, column in _REFERENCES:
        owner = tables[target]
        owners: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for pid, evaluator, key, row in zip(
            owner.text("patient_id").tolist(),
            owner.text(EVALUATOR).tolist(),
            owner.text(column).tolist(),
            owner.raw.rows.tolist(),
            strict=True,
        ):
            owners.setdefault((pid, key), []).append((evaluator, row))
        table = tables[name]
        thing = column.removesuffix("_id")
        for p, (pid, evaluator, key) in enumerate(
            zip(
                table.text("patient_id").tolist(),
                table.text(EVALUATOR).tolist(),
                table.text(column).tolist(),
                strict=True,
            )
        ):
            holders = owners.get((pid, key), [])
            if not evaluator or not holders or any(e in (evaluator, "") for e, _ in holders):
                continue
            other, row = holders[0]
            issues += table.raw.issues_at(
                [p],
                severity=Severity.ERROR,
                code=f"{thing}_of_other_evaluator",
                column=column,
                rule=f"{thing} {key} of patient {pid} is read by evaluator {other} "
                f"({owner.raw.file} row {row}), not by {evaluator}",
                hint=f"each evaluator names their own {thing}s: correct evaluator or the ID",
            )
    return issues


def _names(evaluators: Sequence[str]) -> str:
    return ", ".join(evaluators)


def unlinked(tables: Mapping[str, ParsedTable]) -> tuple[Links, Timeline, Fragments]:
    """Links, timeline and fragments that resolve nothing: a bundle of several evaluators
    is only linked within each view (:class:`ReaderView`)."""
    none = {name: np.full(len(t), -1, dtype=np.int64) for name, t in tables.items()}
    links = Links(
        patient=none,
        assessment={name: none[name] for name in ASSESSMENT_LINKED},
        lesion=none["measurements"],
        usable={name: np.zeros(len(t), dtype=bool) for name, t in tables.items()},
    )
    reference = np.full(len(tables["patients"]), np.datetime64("NaT", "D"))
    timeline, _ = derive_timeline(tables, links, reference)
    return links, timeline, group_fragments(tables, links)
