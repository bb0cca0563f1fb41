"""The patient list's columns: site, grade, cycles, last response and mid status.

Computed by the engine for the whole database in a background thread when the server
starts, then for one patient after each save (docs/decisions.md, D155); the list shows
"computing" for a patient not yet done. The responses are those of the ``all`` scope
(RECIST 1.1 §4.4.1 overall response; the mid timepoint as docs/recist11.md §12 defines it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from prrt.assess import assess_bundle
from prrt.assess.rows import output_columns
from prrt.config import Config
from prrt.errors import DataValidationError
from prrt.io.bundle import bundle_of
from prrt.io.validate import check_loaded
from prrt.web.db.models import ROW_MODELS
from prrt.web.evaluate import DATABASE_SOURCE, Evaluation, cohort_scopes
from prrt.web.store.tables import load_rows

__all__ = ["PatientSummary", "SummaryCache", "summarise"]

_log = logging.getLogger("prrt.web")


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientSummary:
    """What the patient list shows besides the stored cells."""

    cycles: int
    last_response: str
    """Overall response of the latest assessment (scope all), ``""`` without one."""
    last_response_date: str
    mid_response: str
    """Overall response at mid (scope all); ``""``: no mid assessment yet."""
    problems: int = 0
    """Errors that keep the engine from assessing the patient."""


def summarise(
    patient_id: str, tables: Mapping[str, Sequence[Mapping[str, object]]]
) -> PatientSummary:
    """The summary of one patient from the engine's output rows."""
    rows = [r for r in tables.get("timepoint_responses", ()) if r["scope"] == "all"]
    rows.sort(key=lambda r: str(r["date"]))
    last = rows[-1] if rows else None
    mid = next((r for r in rows if r["timepoint"] == "mid"), None)
    courses = tables.get("courses", ())
    cycles = sum(int(str(c["cycles_given"])) for c in courses if c["cycles_given"] is not None)
    return PatientSummary(
        cycles=cycles,
        last_response=str(last["overall_response"]) if last else "",
        last_response_date=str(last["date"]) if last else "",
        mid_response=str(mid["overall_response"]) if mid else "",
    )


def summary_of(evaluation: Evaluation, patient_id: str) -> PatientSummary:
    """The summary of an evaluated patient (errors: counted, nothing else shown)."""
    if evaluation.errors:
        return PatientSummary(
            cycles=0,
            last_response="",
            last_response_date="",
            mid_response="",
            problems=len(evaluation.errors),
        )
    return summarise(patient_id, evaluation.tables)


class SummaryCache:
    """Summaries by patient, filled in the background and kept current on saves."""

    def __init__(self) -> None:
        self._summaries: dict[str, PatientSummary] = {}
        self._lock = threading.Lock()
        self.ready = threading.Event()

    def get(self, patient_id: str) -> PatientSummary | None:
        """The patient's summary, or None while it is being computed."""
        with self._lock:
            return self._summaries.get(patient_id)

    def put(self, patient_id: str, summary: PatientSummary) -> None:
        """Store a patient's summary (after a save)."""
        with self._lock:
            self._summaries[patient_id] = summary

    def start(self, engine: Engine, config: Config) -> threading.Thread:
        """Compute every patient's summary in a background thread."""
        thread = threading.Thread(target=self._fill, args=(engine, config), daemon=True)
        thread.start()
        return thread

    def _fill(self, engine: Engine, config: Config) -> None:
        try:
            with Session(engine) as session:
                checked = check_loaded(load_rows(session), config=config)
                scopes = cohort_scopes(session)
            bundle = bundle_of(checked, DATABASE_SOURCE, clinical_records=False)
        except DataValidationError:
            _log.warning("the stored cohort has errors: summaries are computed per patient")
            self._fill_each(engine, config)
            return
        assessed = assess_bundle(bundle, config=config, scopes=scopes)
        by_patient: dict[str, dict[str, list[dict[str, object]]]] = {}
        for name, rows in assessed.rows.items():
            columns = output_columns(
                name, evaluators=assessed.evaluators, imputed_dates=assessed.imputed_dates
            )
            for row in rows:
                record = dict(zip(columns, row, strict=True))
                by_patient.setdefault(str(record["patient_id"]), {}).setdefault(name, []).append(
                    record
                )
        with self._lock:
            for case in bundle.cases:
                pid = case.patient_id
                if pid not in self._summaries:
                    self._summaries[pid] = summarise(pid, by_patient.get(pid, {}))
        self.ready.set()

    def _fill_each(self, engine: Engine, config: Config) -> None:
        from prrt.web.evaluate import evaluate_patient

        with Session(engine) as session:
            patients = ROW_MODELS["patients"].__table__
            query = select(patients.c.patient_id).order_by(patients.c.row_order)
            ids = list(session.scalars(query))
            for pid in ids:
                if self.get(pid) is None:
                    self.put(pid, summary_of(evaluate_patient(session, pid, config=config), pid))
        self.ready.set()
