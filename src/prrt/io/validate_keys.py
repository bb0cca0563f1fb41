"""Duplicate keys and references between the tables of a bundle (bundle.md).

Every reference is resolved once, vectorised, into integer positions: for each row of a
table, the position of its patient in patients.csv, of its assessment in
assessments.csv and (measurements) of its lesion in lesions.csv; ``-1`` where it does
not resolve. Later checks and the case builder work on these positions only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from prrt.io.issues import Issue, Severity, new_issue
from prrt.io.schema import TABLES
from prrt.io.text_codes import combined_key, later_duplicates
from prrt.io.validate_cells import ParsedTable, is_one_of
from prrt.io.validate_fragments import check_fragments

ASSESSMENT_LINKED = ("measurements", "new_lesions", "responses", "sums", "pet_lesions")
"""Tables whose rows refer to an assessment of their patient."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Links:
    """Resolved references of every row (``-1``: not resolved)."""

    patient: Mapping[str, np.ndarray]
    """Table name -> position of the row's patient in patients.csv."""
    assessment: Mapping[str, np.ndarray]
    """measurements, new_lesions, responses, sums, pet_lesions -> position in
    assessments.csv."""
    lesion: np.ndarray
    """measurements -> position in lesions.csv."""
    usable: Mapping[str, np.ndarray]
    """Table name -> rows whose references all resolve and that are not duplicates."""


def link_tables(
    tables: Mapping[str, ParsedTable], *, unusable: frozenset[str], present: frozenset[str]
) -> tuple[Links, list[Issue]]:
    """Report duplicate keys and unresolved references; return the resolved positions."""
    issues: list[Issue] = []
    first = {name: _first_of_key(table, issues) for name, table in tables.items()}
    # measurements.csv: one row per lesion per assessment, or numbered fragments (bundle.md)
    kept, found = check_fragments(tables["measurements"])
    first["measurements"] = first["measurements"] & kept
    issues += found
    patients = tables["patients"]
    pid = patients.text("patient_id")
    owners = np.flatnonzero(first["patients"] & (pid != ""))
    patient_index = pd.Index(pid[owners])
    patient: dict[str, np.ndarray] = {
        "patients": np.where(first["patients"], _arange(patients), -1)
    }
    usable: dict[str, np.ndarray] = {"patients": first["patients"] & (pid != "")}
    for name, table in tables.items():
        if name == "patients":
            continue
        codes, distinct = table.factorized("patient_id")
        position = _resolve(patient_index, owners, distinct)[codes]
        if "patients" not in unusable:
            # a patient whose patients.csv row could not be read was reported there
            # (docs/decisions.md, D72): its other rows are not unknown patients again
            unread = is_one_of(distinct, patients.raw.unread_ids)[codes]
            unknown = np.flatnonzero((position < 0) & table.given("patient_id") & ~unread)
            issues.extend(
                table.raw.issues_at(
                    unknown,
                    severity=Severity.ERROR,
                    code="unknown_patient",
                    column="patient_id",
                    rule="patient not in patients.csv",
                    hint="add the patient to patients.csv or correct the ID",
                )
            )
        patient[name] = position
        usable[name] = (position >= 0) & first[name]
    report = {target: target in present and target not in unusable for target in TABLES}
    assessment = {
        name: _link_owned(
            tables, name, "assessments", "assessment_id", patient, usable, report, issues
        )
        for name in ASSESSMENT_LINKED
    }
    lesion = _link_owned(
        tables, "measurements", "lesions", "lesion_id", patient, usable, report, issues
    )
    if "lesions" not in present and "lesions" not in unusable and len(tables["measurements"]):
        issues.append(
            new_issue(
                Severity.ERROR,
                "missing_file",
                "lesions.csv",
                rule="is missing, but measurements.csv refers to lesions",
                hint="add lesions.csv with every lesion_id of measurements.csv",
            )
        )
    links = Links(patient=patient, assessment=assessment, lesion=lesion, usable=usable)
    return links, issues


def gather(values: np.ndarray, positions: np.ndarray, fill: Any) -> np.ndarray:
    """``values[positions]``, with ``fill`` where a position is -1 (safe on empty tables)."""
    if len(values) == 0:
        return np.full(len(positions), fill, dtype=values.dtype)
    found: np.ndarray = np.where(positions >= 0, values[np.maximum(positions, 0)], fill)
    return found


def _arange(table: ParsedTable) -> np.ndarray:
    return np.arange(len(table), dtype=np.int64)


def _resolve(index: pd.Index, positions: np.ndarray, keys: np.ndarray) -> np.ndarray:
    found = index.get_indexer(keys) if len(keys) else np.empty(0, np.int64)
    return np.where(found >= 0, positions[np.maximum(found, 0)] if len(positions) else -1, -1)


DENSE_LOOKUP_FACTOR = 2
"""A key lookup uses a table indexed by key when the largest key is at most this many
times the number of keys; else it searches the sorted owner keys or hashes them."""
FEW_KEYS_FACTOR = 8
"""A lookup of fewer keys than the owners' over this factor (a table linked to
assessments.csv beside it: new lesions, responses) searches the sorted owner keys:
owner keys come nearly sorted (grouped by patient), and sorting them costs a fraction of
hashing millions of them (about 0.6 s each at a million patients)."""


def lookup_positions(owner_keys: np.ndarray, positions: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each key, ``positions[k]`` where ``owner_keys[k]`` equals it (owner keys are
    distinct and >= 0), else -1.

    >>> lookup_positions(np.array([7, 2]), np.array([10, 11]), np.array([2, -3, 7, 5])).tolist()
    [11, -1, 10, -1]
    >>> lookup_positions(np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([-1]))
    array([-1])
    >>> owners = np.arange(0, 10**7, 1000)
    >>> lookup_positions(owners, owners + 1, np.array([5000, 5001, -1, 10**7])).tolist()
    [5001, -1, -1, -1]
    """
    size = int(max(owner_keys.max(initial=0), keys.max(initial=0))) + 1
    if size > DENSE_LOOKUP_FACTOR * (len(owner_keys) + len(keys)) + 1024:
        if len(keys) * FEW_KEYS_FACTOR < len(owner_keys):
            return _search_sorted(owner_keys, positions, keys)
        return _resolve(pd.Index(owner_keys), positions, keys)
    # positions as int32 where they fit: half the memory of a table of tens of millions
    narrow = np.int32 if int(positions.max(initial=0)) < 2**31 else np.int64
    table = np.full(size, -1, dtype=narrow)
    table[owner_keys] = positions
    found: np.ndarray = np.where(keys >= 0, table[np.maximum(keys, 0)], np.int64(-1))
    return found


def _search_sorted(owner_keys: np.ndarray, positions: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """:func:`lookup_positions` by a binary search of each key in the sorted owner keys;
    of owner keys given twice, the first one's position."""
    if not len(owner_keys):
        return np.full(len(keys), -1, dtype=np.int64)
    order = np.argsort(owner_keys, kind="stable")
    ordered = owner_keys[order]
    at = np.minimum(np.searchsorted(ordered, keys), len(ordered) - 1)
    found: np.ndarray = np.where(ordered[at] == keys, positions[order[at]], -1)
    return found


def _key_codes(table: ParsedTable, columns: tuple[str, ...]) -> np.ndarray:
    """One int64 key per row for the combination of ``columns`` (-1 if any is missing)."""
    parts: list[tuple[np.ndarray, int]] = []
    missing = np.zeros(len(table), dtype=bool)
    for column in columns:
        values = table.values[column]
        codes, uniques = (
            table.factorized(column) if values is table.text(column) else pd.factorize(values)
        )
        missing |= ~_given_value(table, column)
        parts.append((codes, len(uniques)))
    key = combined_key(parts)  # int64, new: marked in place (D229)
    key[missing] = -1
    return key


def _given_value(table: ParsedTable, column: str) -> np.ndarray:
    """Key columns are text (empty = missing), dates (NaT) or counts (0 = missing)."""
    values = table.values[column]
    if values.dtype == object:
        given: np.ndarray = values != ""
    elif values.dtype.kind == "M":
        given = ~np.isnat(values)
    else:
        given = values > 0
    return given


def _first_of_key(table: ParsedTable, issues: list[Issue]) -> np.ndarray:
    """True on the first row of each key; later rows with the same key are reported."""
    key = table.spec.key
    if not key:
        return np.ones(len(table), dtype=bool)
    codes = _key_codes(table, key)
    later = later_duplicates(codes)
    if later.any():
        positions = np.flatnonzero(later)
        uniques, first_index = np.unique(codes, return_index=True)
        first_rows = table.raw.rows[first_index[np.searchsorted(uniques, codes[positions])]]
        names = ", ".join(key) if len(key) == 1 else f"({', '.join(key)})"
        rules = [f"duplicate of row {r}: {names} must be unique" for r in first_rows]
        issues.extend(
            table.raw.issues_at(
                positions,
                severity=Severity.ERROR,
                code="duplicate_key",
                column=key[-1],
                rule=rules,
                hint="delete the duplicate row or correct its ID",
            )
        )
    first: np.ndarray = ~later
    return first


def _link_owned(
    tables: Mapping[str, ParsedTable],
    name: str,
    target: str,
    column: str,
    patient: Mapping[str, np.ndarray],
    usable: dict[str, np.ndarray],
    report: Mapping[str, bool],
    issues: list[Issue],
) -> np.ndarray:
    """Resolve ``column`` of ``name`` to rows of ``target`` owned by the same patient.

    Unresolved rows are reported only when ``target`` could be read.
    """
    table, owner_table = tables[name], tables[target]
    # the codes of pandas.factorize(owner_ids followed by ids), from each side's codes
    row_codes, row_uniques = table.factorized(column)
    owner_codes, owner_uniques = owner_table.factorized(column)
    joint, uniques = pd.factorize(np.concatenate([owner_uniques, row_uniques]))
    owner_codes = joint[: len(owner_uniques)][owner_codes]
    row_codes = joint[len(owner_uniques) :][row_codes]
    width = max(len(uniques), 1)
    owned = np.flatnonzero(usable[target] & owner_table.given(column))
    keys = patient[name] * width + row_codes
    position = lookup_positions(patient[target][owned] * width + owner_codes[owned], owned, keys)
    failed = np.flatnonzero((position < 0) & (patient[name] >= 0) & table.given(column))
    if len(failed) and report[target]:
        issues.extend(_unresolved(table, owner_table, column, failed, owner_codes, row_codes))
    usable[name] &= position >= 0
    return position


def _unresolved(
    table: ParsedTable,
    owner_table: ParsedTable,
    column: str,
    failed: np.ndarray,
    owner_codes: np.ndarray,
    row_codes: np.ndarray,
) -> list[Issue]:
    """Unknown IDs, and IDs that belong to another patient (named with their row)."""
    rows = np.arange(len(owner_codes), dtype=np.int64)
    owners = _search_sorted(owner_codes, rows, row_codes[failed])  # the first owner row
    target_file = TABLES[owner_table.spec.name].file
    thing = column.removesuffix("_id")
    pids, owner_pids = table.text("patient_id"), owner_table.text("patient_id")
    issues: list[Issue] = []
    for position, owner in zip(failed.tolist(), owners.tolist(), strict=True):
        pid = pids[position]
        if owner < 0 or owner_pids[owner] == pid:
            code = f"unknown_{thing}"
            rule = f"patient {pid} has no {thing} with this ID in {target_file}"
            hint = f"add the {thing} to {target_file} or correct the ID"
        else:
            code = f"{thing}_of_other_patient"
            rule = (
                f"this {thing} belongs to patient {owner_pids[owner]} "
                f"({target_file} row {owner_table.raw.rows[owner]}), not to {pid}"
            )
            hint = "correct patient_id or the ID"
        issues += table.raw.issues_at(
            [position], severity=Severity.ERROR, code=code, column=column, rule=rule, hint=hint
        )
    return issues
