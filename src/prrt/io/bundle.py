"""Read and validate a cohort bundle (spec/bundle.md): the package's one way in.

>>> from prrt.io.bundle import read_bundle, validate_bundle  # doctest: +SKIP
>>> report = validate_bundle("cohort/")                      # doctest: +SKIP
>>> bundle = read_bundle("cohort.xlsx")                      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from prrt.config import DEFAULT_CONFIG, Config
from prrt.errors import DataValidationError
from prrt.io.cases import build_cases
from prrt.io.issues import ValidationReport
from prrt.io.schema import Kind
from prrt.io.validate import CheckedBundle, check_bundle
from prrt.io.validate_cells import ParsedTable
from prrt.io.validate_clinical import LabConversion
from prrt.io.validate_readers import accepted_evaluators, named_evaluators
from prrt.model.case import PatientCase
from prrt.model.clinical import CANONICAL_UNITS

__all__ = ["Bundle", "bundle_of", "read_bundle", "validate_bundle"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Bundle:
    """A validated cohort: one case per patient, the typed tables and the warnings."""

    source: Path
    cases: tuple[PatientCase, ...]
    """One per patient, in patients.csv order (a bundle naming evaluators: one per
    patient and evaluator reading it, :attr:`PatientCase.evaluator`); only those of the
    patients :func:`bundle_of` was given, if any."""
    tables: Mapping[str, pd.DataFrame]
    """The typed, cleaned tables (see :func:`typed_frame`), for reports; each frame is
    built when first looked up."""
    report: ValidationReport
    """The warnings (a bundle with errors is never read)."""
    groups: tuple[str, ...]
    """Sorted lesion group labels of lesions.csv."""
    response_scopes: tuple[str, ...]
    """Sorted scopes named in responses.csv."""
    sum_scopes: tuple[str, ...] = ()
    """Sorted scopes named in sums.csv (bundle.md 1.2, sum-level mode)."""
    clinical_records: bool = True
    """Whether the cases hold their symptoms, labs and adverse events (validated either
    way; see :func:`read_bundle`)."""
    evaluators: tuple[str, ...] = ()
    """Sorted evaluators the bundle names (bundle.md 1.2); empty: one reader."""
    accepted: Mapping[str, str] = field(default_factory=dict)
    """patient_id -> the evaluator whose reads assessments.csv marks ``accepted``."""


def validate_bundle(path: Path | str, *, config: Config = DEFAULT_CONFIG) -> ValidationReport:
    """Every problem of the bundle at ``path``, in one pass; never raises on bad data."""
    return check_bundle(Path(path), config=config).report


def read_bundle(
    path: Path | str, *, config: Config = DEFAULT_CONFIG, clinical_records: bool = True
) -> Bundle:
    """Read the bundle at ``path`` into patient cases.

    ``clinical_records=False`` validates symptoms.csv, labs.csv and adverse_events.csv as
    always but leaves them out of the cases (their tuples empty): RECIST and metabolic
    assessment use none of them, and a registry's millions of lab values would cost
    minutes and gigabytes as objects. The report needs them (the default).

    Raises
    ------
    prrt.errors.DataValidationError
        When the report has errors; ``exc.report`` lists every problem.
    """
    source = Path(path)
    return bundle_of(check_bundle(source, config=config), source, clinical_records=clinical_records)


def bundle_of(
    checked: CheckedBundle,
    source: Path,
    *,
    clinical_records: bool = True,
    patients: Collection[str] | None = None,
) -> Bundle:
    """The :class:`Bundle` of checked tables (see :func:`read_bundle`); with ``patients``,
    only the cases of those patient IDs (:func:`prrt.io.cases.build_cases`), the rest as
    for the whole bundle.

    Raises
    ------
    prrt.errors.DataValidationError
        When the report has errors.
    """
    if checked.report.has_errors:
        raise DataValidationError(checked.report)
    tables = checked.tables
    return Bundle(
        source=source,
        cases=build_cases(checked, clinical_records=clinical_records, patients=patients),
        tables=_TypedTables(tables, checked.labs),
        report=checked.report,
        groups=_labels(tables["lesions"].values["group"]),
        response_scopes=_labels(tables["responses"].values["scope"]),
        sum_scopes=_labels(tables["sums"].values["scope"]),
        clinical_records=clinical_records,
        # found once when checked; an evaluator's view has its own (D110)
        evaluators=checked.evaluators if checked.evaluator is None else named_evaluators(tables),
        accepted=accepted_evaluators(tables),
    )


class _TypedTables(Mapping[str, pd.DataFrame]):
    """The typed frames, each built on first access (most callers need only the cases)."""

    def __init__(self, tables: Mapping[str, ParsedTable], labs: LabConversion) -> None:
        self._tables = tables
        self._labs = labs
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            frame = typed_frame(self._tables[name])
            if name == "labs":
                frame = _with_canonical_values(frame, self._tables[name], self._labs)
            self._frames[name] = frame
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


def _labels(values: np.ndarray) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in pd.unique(values) if v}))


def typed_frame(table: ParsedTable) -> pd.DataFrame:
    """A table with typed columns, in bundle.md order, then its unknown columns as text.

    ``row`` is the row in the file (header = row 1). Dates are ``datetime64[s]``, booleans
    ``boolean``, counts, scores and grades ``Int64``, other numbers ``Float64``; diameters
    also come exact, as ``diameter_hmm`` / ``short_axis_hmm`` (``Int64`` hundredths of a
    mm). Empty cells take the column's default, else are missing.
    """
    columns: dict[str, object] = {"row": table.raw.rows}
    for spec in table.spec.columns:
        values = table.values[spec.name]
        if spec.kind is Kind.DATE:
            columns[spec.name] = values.astype("datetime64[s]")  # years 1-9999 fit
        elif spec.kind is Kind.BOOL:
            columns[spec.name] = pd.arrays.BooleanArray(values == 1, values < 0)
        elif spec.kind is Kind.COUNT:
            columns[spec.name] = pd.arrays.IntegerArray(values, values <= 0)
        elif spec.kind is Kind.INTEGER:
            columns[spec.name] = pd.arrays.IntegerArray(values, values < 0)
        elif spec.kind is Kind.DIAMETER:
            hmm_name = spec.name.removesuffix("_mm") + "_hmm"
            columns[spec.name] = pd.arrays.FloatingArray(values / 100, values < 0)
            columns[hmm_name] = pd.arrays.IntegerArray(values, values < 0)
        elif spec.kind in (Kind.AMOUNT, Kind.NUMBER):
            columns[spec.name] = _float_column(values)
        else:
            text = values.copy()
            text[text == ""] = None
            columns[spec.name] = text
    for name, text in table.raw.text.items():
        if name not in columns:
            columns[name] = text
    return pd.DataFrame(columns)


def _float_column(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Decimals (object array, None = missing) as ``Float64``, each distinct one once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    floats = np.array([float(u) for u in uniques] + [np.nan])
    return pd.array(floats[codes], dtype="Float64")


def _with_canonical_values(
    frame: pd.DataFrame, table: ParsedTable, labs: LabConversion
) -> pd.DataFrame:
    """labs.csv also in canonical units (bundle.md 1.1): ``canonical_unit`` (the test's
    unit in :data:`prrt.model.clinical.CANONICAL_UNITS`), ``canonical_value``,
    ``canonical_lln``, ``canonical_uln`` (``Float64``; exact Decimals are in the cases);
    ``unit`` is spelled as bundle.md spells it."""
    units = {str(test): unit for test, unit in CANONICAL_UNITS.items()}
    test = table.values["test"]
    canonical = np.array([units.get(t) for t in test.tolist()], dtype=object)
    extra = pd.DataFrame(
        {
            "canonical_unit": canonical,
            **{
                f"canonical_{name}": pd.array(labs.approximate[name], dtype="Float64")
                for name in ("value", "lln", "uln")
            },
        },
        index=frame.index,
    )
    spelled = labs.unit.copy()
    spelled[spelled == ""] = None
    frame = frame.assign(unit=spelled)
    position = frame.columns.get_loc("uln") + 1
    return pd.concat([frame.iloc[:, :position], extra, frame.iloc[:, position:]], axis=1)
