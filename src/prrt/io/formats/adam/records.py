"""Records of the ADaM datasets, and what the dataset builders share.

A record maps variable names to Python values: ``str``, ``int``, ``float``, exact
``Decimal`` millimetres, ``datetime.date`` or ``None`` (empty). The assess output tables
are read as mappings per column (docs/outputs.md), grouped per patient.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from prrt.assess.rows import EVALUATOR_COLUMN, output_columns
from prrt.config import Config, RecistConfig
from prrt.io.formats.adam.metadata import DatasetSpec
from prrt.io.formats.adam.parameters import Parameter, Reader, ScopeCodes
from prrt.model.case import PatientCase

Value = str | int | float | Decimal | date | None
Record = dict[str, Value]
Row = Mapping[str, object]

RESPONSE_CODES: dict[str, int] = {
    "CR": 1,
    "PR": 2,
    "SD": 3,
    "NON-CR/NON-PD": 4,
    "PD": 5,
    "NE": 6,
    "MISSING": 7,
    "NED": 8,
}
"""AVAL of a response: admiralonco ``aval_resp`` (CR 1 ... MISSING 7) and NED 8 (D106)."""


@dataclass(frozen=True, slots=True)
class AdamDataset:
    """One dataset: its metadata and its records, in order."""

    spec: DatasetSpec
    records: tuple[Record, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectFacts:
    """patients.csv columns the engine's cases do not carry."""

    sex: str | None = None
    birth_date: date | None = None


@dataclass(slots=True, kw_only=True)
class PatientTables:
    """One patient's rows of the assess tables (docs/outputs.md), in their order."""

    timepoint_responses: list[Row] = field(default_factory=list)
    best_response: list[Row] = field(default_factory=list)
    endpoints: list[Row] = field(default_factory=list)

    def scopes(self) -> list[str]:
        """The patient's scopes, in best_response.csv order."""
        return [str(row["scope"]) for row in self.best_response]

    def visits(self, scope: str) -> list[Row]:
        """timepoint_responses.csv rows of a scope, the baseline first."""
        return [row for row in self.timepoint_responses if row["scope"] == scope]

    def best(self, scope: str) -> Row:
        """The best_response.csv row of a scope."""
        return next(row for row in self.best_response if row["scope"] == scope)


@dataclass(frozen=True, slots=True, kw_only=True)
class AdamContext:
    """What every dataset builder reads."""

    study_id: str
    config: Config
    scope_codes: ScopeCodes
    parameters: dict[str, Parameter] = field(default_factory=dict)
    """Every parameter written, by ``<dataset>:<PARAMCD>`` (for the metadata workbook)."""
    reader: Reader | None = None
    """Whose reads the records hold when the bundle names evaluators (D134); None: the
    single reader (PARCAT2 Investigator)."""

    def usubjid(self, patient_id: str) -> str:
        """``STUDYID-patient_id``."""
        return f"{self.study_id}-{patient_id}"

    def for_reader(self, reader: Reader | None) -> AdamContext:
        """The context of one reader's records (the parameters found are shared)."""
        return replace(self, reader=reader)

    def _reader_of(self, parameter: Parameter) -> Reader | None:
        """The reader of a parameter: none for parameters of no reader (DEATH, OS)."""
        return None if parameter.evaluator is None else self.reader

    def code(self, parameter: Parameter, scope: str | None) -> str:
        """PARAMCD of a parameter in a scope, for this context's reader (D104, D134)."""
        scope = scope if parameter.is_scoped else None
        return self.scope_codes.code(parameter.code, scope, self._reader_of(parameter))

    def parameter(self, parameter: Parameter, scope: str | None) -> Record:
        """PARAMCD, PARAM and PARCAT1-4 of a parameter in a scope (D104), PARCAT2 and PARAM
        naming the reader when the bundle names evaluators (D134)."""
        code = self.code(parameter, scope)
        scope = scope if parameter.is_scoped else None
        reader = self._reader_of(parameter)
        self.parameters[f"{parameter.dataset}:{code}"] = parameter
        return {
            "PARAMCD": code,
            "PARAM": self.scope_codes.name(parameter.name, scope, reader),
            "PARCAT1": parameter.category or None,
            "PARCAT2": parameter.evaluator if reader is None else reader.label,
            "PARCAT3": parameter.criterion,
            "PARCAT4": scope,
        }


def group_by_patient(
    tables: Mapping[str, Sequence[Sequence[object]]],
    *,
    evaluators: bool = False,
    imputed_dates: bool = False,
) -> dict[tuple[str, str], PatientTables]:
    """The assess row tuples (``AssessResult.rows``) as mappings, per read: by
    (patient_id, evaluator), the evaluator ``""`` for the single reader. ``evaluators``
    and ``imputed_dates`` say which columns follow the listed ones (``output_columns``)."""
    grouped: dict[tuple[str, str], PatientTables] = defaultdict(PatientTables)
    for name in ("timepoint_responses", "best_response", "endpoints"):
        columns = output_columns(name, evaluators=evaluators, imputed_dates=imputed_dates)
        for values in tables.get(name, ()):
            row = dict(zip(columns, values, strict=True))
            read = (str(row["patient_id"]), as_text(row.get(EVALUATOR_COLUMN)) or "")
            getattr(grouped[read], name).append(row)
    return dict(grouped)


def study_day(when: date | None, reference: date) -> int | None:
    """ADaM relative day: ``when - reference + 1`` on or after it, else ``when - reference``.

    >>> cycle_1 = date(2024, 1, 10)
    >>> study_day(date(2024, 1, 10), cycle_1), study_day(date(2024, 1, 3), cycle_1)
    (1, -7)
    """
    if when is None:
        return None
    days = (when - reference).days
    return days + 1 if days >= 0 else days


def yes_no(value: bool) -> str:
    """``Y`` or ``N`` (ADaM flags that are never empty)."""
    return "Y" if value else "N"


def flag(value: bool) -> str | None:
    """``Y`` or empty (ADaM analysis flags)."""
    return "Y" if value else None


def as_date(value: object) -> date | None:
    """A date cell of an assess table (``None`` when empty)."""
    return value if isinstance(value, date) else None


def as_text(value: object) -> str | None:
    """A text cell of an assess table (``None`` when empty)."""
    return None if value is None or value == "" else str(value)


def counts_for_best_response(
    when: date,
    *,
    scope: str,
    case: PatientCase,
    first_pd_date: date | None,
    patient_first_pd_date: date | None,
    recist: RecistConfig,
) -> bool:
    """Whether a post-baseline assessment counts for BOR (recist11.md §9, §11-12).

    Rule
    ----
    1. With ``censor_at_new_therapy``: dated on or before ``new_therapy_date``.
    2. In a subset with ``subset_truncate_at_patient_pd``: on or before the patient's
       (scope ``all``) first PD.
    3. With ``truncate_at_first_pd``: on or before the scope's first PD.
    """
    therapy = case.new_therapy_date
    if recist.censor_at_new_therapy and therapy is not None and when > therapy:
        return False
    if (
        scope != "all"
        and recist.subset_truncate_at_patient_pd
        and patient_first_pd_date is not None
        and when > patient_first_pd_date
    ):
        return False
    return not (recist.truncate_at_first_pd and first_pd_date is not None and when > first_pd_date)


_DIGITS = re.compile(r"(\d+)")


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """``LDIAM2`` before ``LDIAM10``."""
    return tuple(
        (1, int(part)) if part.isdigit() else (0, part) for part in _DIGITS.split(text) if part
    )


def number_records(records: Iterable[Record]) -> list[Record]:
    """Sort one subject's records and set ASEQ 1, 2, ... (admiral derive_var_obs_number).

    Order: PARAMCD (digits as numbers), ADT (empty last), AVISITN (empty last).
    """

    def key(record: Record) -> tuple[object, ...]:
        when = record.get("ADT")
        visit = record.get("AVISITN")
        return (
            _natural(str(record["PARAMCD"])),
            when is None,
            when if isinstance(when, date) else date.min,
            visit is None,
            visit if isinstance(visit, int) else 0,
        )

    ordered = sorted(records, key=key)
    for number, record in enumerate(ordered, start=1):
        record["ASEQ"] = number
    return ordered


def complete(record: Record, spec: DatasetSpec) -> Record:
    """The record with every variable of the dataset, in order (missing ones empty)."""
    return {name: record.get(name) for name in spec.names}
