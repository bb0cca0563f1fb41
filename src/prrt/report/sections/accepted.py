"""Which evaluator's reads enter the cohort analyses (bundle.md 1.2, several evaluators).

``prrt assess`` writes every evaluator's reads; the report analyses one read per patient,
the *accepted* one, and keeps every read for the inter-reader agreement
(:mod:`prrt.report.sections.reader_agreement`).

Rules
-----
docs/decisions.md, D112, per patient:

1. A patient read by one evaluator (or by the single reader): that read.
2. ``[analysis] accepted_evaluator`` names an evaluator who reads the patient: that
   evaluator's read (a cohort-wide choice, e.g. the central reader, or a sensitivity
   analysis by another reader, overrides the flags).
3. Else the evaluator whose assessments.csv rows say ``accepted = true`` (as SDTM
   RSACPTFL, the adjudicated read).
4. Else the report refuses (a :class:`prrt.errors.ConfigError` naming the patients and
   both ways to choose): it never picks a reader silently.

``accepted_evaluator`` naming an evaluator the bundle does not have is an error too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from prrt.assess.rows import OUTPUT_COLUMNS
from prrt.config import Config
from prrt.errors import ConfigError

if TYPE_CHECKING:
    from prrt.assess.api import AssessResult
    from prrt.io.bundle import Bundle

__all__ = ["ReaderReads", "accepted_reads", "select_accepted"]

SHOWN_PATIENTS = 5
"""Patients named in the refusal before "and N more"."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReaderReads:
    """Every evaluator's reads of a bundle naming evaluators, and the accepted ones."""

    evaluators: tuple[str, ...]
    """The evaluators the bundle names, sorted."""
    accepted: Mapping[str, str]
    """patient_id -> evaluator of the accepted read (``""``: the single reader)."""
    chosen_by: Mapping[str, str]
    """patient_id -> the rule that chose it: ``single``, ``accepted_evaluator``, ``flag``."""
    timepoint_responses: pd.DataFrame
    """timepoint_responses.csv of every evaluator (with ``evaluator``)."""
    best_response: pd.DataFrame
    """best_response.csv of every evaluator (with ``evaluator``)."""

    def only(self, patient_ids: set[str]) -> ReaderReads:
        """The reads of these patients only."""
        return replace(
            self,
            accepted={p: e for p, e in self.accepted.items() if p in patient_ids},
            chosen_by={p: e for p, e in self.chosen_by.items() if p in patient_ids},
            timepoint_responses=_of(self.timepoint_responses, patient_ids),
            best_response=_of(self.best_response, patient_ids),
        )


def select_accepted(bundle: Bundle, config: Config) -> tuple[dict[str, str], dict[str, str]]:
    """patient_id -> accepted evaluator, and -> the rule that chose it (module rules).

    Raises
    ------
    prrt.errors.ConfigError
        When ``accepted_evaluator`` is not an evaluator of the bundle, or some patient
        read by several evaluators has no accepted read (rule 4).
    """
    wanted = config.analysis.accepted_evaluator
    if wanted is not None and wanted not in bundle.evaluators:
        raise ConfigError(
            f"[analysis] accepted_evaluator = {wanted!r}: no read in the bundle is by this "
            f"evaluator; the bundle's evaluators: {', '.join(bundle.evaluators) or 'none'}"
        )
    readers: dict[str, list[str]] = {}
    for case in bundle.cases:
        readers.setdefault(case.patient_id, []).append(case.evaluator or "")
    accepted: dict[str, str] = {}
    chosen_by: dict[str, str] = {}
    open_patients: list[str] = []
    for pid, names in readers.items():
        if len(names) == 1:
            accepted[pid], chosen_by[pid] = names[0], "single"
        elif wanted in names:
            accepted[pid], chosen_by[pid] = wanted, "accepted_evaluator"
        elif bundle.accepted.get(pid) in names:
            accepted[pid], chosen_by[pid] = bundle.accepted[pid], "flag"
        else:
            open_patients.append(f"{pid} ({', '.join(names)})")
    if open_patients:
        shown = ", ".join(open_patients[:SHOWN_PATIENTS])
        more = len(open_patients) - SHOWN_PATIENTS
        if more > 0:
            shown += f" and {more} more"
        raise ConfigError(
            f"{len(open_patients)} patient(s) read by several evaluators have no accepted "
            f"read: {shown}. The cohort analyses use one read per patient: set "
            '[analysis] accepted_evaluator = "<evaluator>" in the configuration, or '
            "accepted = true on the accepted evaluator's rows of assessments.csv"
        )
    return accepted, chosen_by


def accepted_reads(
    bundle: Bundle, assessed: AssessResult, *, config: Config
) -> tuple[Bundle, AssessResult, ReaderReads | None]:
    """The bundle and outputs reduced to the accepted reads (without ``evaluator``), and
    every read; unchanged, with None, for a bundle naming no evaluator."""
    if not bundle.evaluators and config.analysis.accepted_evaluator is None:
        return bundle, assessed, None
    accepted, chosen_by = select_accepted(bundle, config)
    if not bundle.evaluators:
        return bundle, assessed, None
    kept = {(pid, evaluator) for pid, evaluator in accepted.items()}
    rows = {}
    for name, table in assessed.rows.items():
        at = len(OUTPUT_COLUMNS[name])  # evaluator follows the listed columns (D110)
        rows[name] = [row[:at] + row[at + 1 :] for row in table if (row[0], row[at]) in kept]
    reads = ReaderReads(
        evaluators=bundle.evaluators,
        accepted=accepted,
        chosen_by=chosen_by,
        timepoint_responses=assessed.timepoint_responses,
        best_response=assessed.best_response,
    )
    cases = tuple(c for c in bundle.cases if (c.patient_id, c.evaluator or "") in kept)
    return (
        replace(bundle, cases=cases),
        replace(assessed, rows=rows, evaluators=False),
        reads,
    )


def _of(frame: pd.DataFrame, patient_ids: set[str]) -> pd.DataFrame:
    return frame[frame["patient_id"].isin(patient_ids)].reset_index(drop=True)
