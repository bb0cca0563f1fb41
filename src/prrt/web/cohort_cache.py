"""The whole stored cohort, read and assessed once per data version.

The cohort page and the mid-treatment view's model and similar patients need every
patient. The stored rows are read as ``prrt report`` reads a bundle (:func:`load_rows`,
``check_loaded``, ``bundle_of``, ``assess_bundle`` with the database's scopes;
docs/decisions.md, D156) and kept in the server's memory while the data version stays the
same: the highest audit entry id and the number of patients (docs/decisions.md, D163).
Every save adds audit entries and every import one (:mod:`prrt.web.db.bundle_io`), so a
page never uses a cohort older than the latest save. The prepared cohort
(:class:`~prrt.report.midpoint.MidpointCohort`: the model is fitted at most once) and the
cohort summary (:func:`~prrt.report.cohort_summary.summarise_cohort`) are made when first
asked for.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from prrt.assess import assess_bundle
from prrt.errors import DataValidationError
from prrt.io.bundle import bundle_of
from prrt.io.validate import check_loaded
from prrt.report.midpoint import MidpointCohort
from prrt.web.db.app_models import AuditEntry
from prrt.web.db.models import ROW_MODELS
from prrt.web.evaluate import DATABASE_SOURCE, cohort_scopes
from prrt.web.figures import DRAWING_LOCK
from prrt.web.store.tables import load_rows

if TYPE_CHECKING:
    from prrt.assess.api import AssessResult
    from prrt.config import Config
    from prrt.io.bundle import Bundle
    from prrt.io.issues import Issue
    from prrt.report.cohort_summary import CohortSummary

__all__ = ["CohortCache", "DataVersion", "StoredCohort", "data_version"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DataVersion:
    """What changes whenever the stored cohort does (docs/decisions.md, D163)."""

    last_audit_id: int
    n_patients: int


def data_version(session: Session) -> DataVersion:
    """The data version of the database now."""
    patients = ROW_MODELS["patients"].__table__
    return DataVersion(
        last_audit_id=int(session.scalar(select(func.max(AuditEntry.id))) or 0),
        n_patients=int(session.scalar(select(func.count()).select_from(patients)) or 0),
    )


@dataclass(slots=True, kw_only=True)
class StoredCohort:
    """The cohort at one data version: assessed, or the errors that keep it from being."""

    version: DataVersion
    config: Config
    errors: tuple[Issue, ...] = ()
    """Errors of the stored rows (as ``prrt validate`` words them); then nothing else."""
    bundle: Bundle | None = None
    assessed: AssessResult | None = None
    midpoint: MidpointCohort | None = None
    """None with errors, or without any patient (nothing to analyse)."""
    _summary: CohortSummary | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def is_empty(self) -> bool:
        """True when no patient is stored (and there is no error)."""
        return not self.errors and self.midpoint is None

    def summary(self) -> CohortSummary | None:
        """Response by timepoint, ORR and PFS per scope, made when first asked for; None
        without any patient.

        Raises
        ------
        DataValidationError
            The stored rows have errors (:attr:`errors`).
        """
        from prrt.io.issues import ValidationReport
        from prrt.report.cohort_summary import summarise_cohort

        if self.errors:
            raise DataValidationError(ValidationReport(list(self.errors)))
        if self.bundle is None or self.assessed is None or self.midpoint is None:
            return None
        with self._lock:
            if self._summary is None:
                data = self.midpoint.data
                with DRAWING_LOCK:  # the PFS figures
                    self._summary = summarise_cohort(
                        self.bundle, self.assessed, config=self.config, data=data
                    )
            return self._summary


class CohortCache:
    """The latest :class:`StoredCohort`; built again when the data version changes."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._current: StoredCohort | None = None
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()

    def get(self, engine: Engine) -> StoredCohort:
        """The cohort at the database's current data version (built now if needed; one
        build at a time, a request that waited for it uses it)."""
        with Session(engine) as session:
            version = data_version(session)
        with self._lock:
            current = self._current
        if current is not None and current.version == version:
            return current
        with self._build_lock:
            with self._lock:
                current = self._current
            if current is not None and current.version == version:
                return current
            built = self._build(engine)
            with self._lock:
                self._current = built
            return built

    def _build(self, engine: Engine) -> StoredCohort:
        """Read the version first, then the rows: the rows are never older than the
        version they are kept under."""
        with Session(engine) as session:
            version = data_version(session)
            checked = check_loaded(load_rows(session), config=self._config)
            scopes = cohort_scopes(session)
        try:
            bundle = bundle_of(checked, DATABASE_SOURCE)
        except DataValidationError:
            errors = tuple(i for i in checked.report.issues if i.severity == "error")
            return StoredCohort(version=version, config=self._config, errors=errors)
        assessed = assess_bundle(bundle, config=self._config, scopes=scopes)
        if not bundle.cases:
            return StoredCohort(version=version, config=self._config)
        return StoredCohort(
            version=version,
            config=self._config,
            bundle=bundle,
            assessed=assessed,
            midpoint=MidpointCohort.prepare(bundle, assessed, config=self._config),
        )
