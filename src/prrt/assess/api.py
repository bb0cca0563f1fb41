"""Run the engine over a bundle and collect the output tables (spec/assess.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from prrt.assess.csv_format import format_header, format_rows
from prrt.assess.engines import Engine
from prrt.assess.patient import assess_patient, has_metabolic_outputs
from prrt.assess.rows import (
    METABOLIC_TABLE_COLUMNS,
    TABLE_COLUMNS,
    Row,
    output_columns,
    patient_rows,
)
from prrt.config import DEFAULT_CONFIG, Config
from prrt.criteria.recist11.scope import Scope, default_scopes
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.forked import available_workers
from prrt.io.issues import Issue, ValidationReport
from prrt.io.table_format import TableFormat

if TYPE_CHECKING:
    import pandas as pd

    from prrt.io.bundle import Bundle
    from prrt.model.case import PatientCase

ProgressCallback = Callable[[int], None]
"""Called with the number of patients just finished."""

PARALLEL_MIN_PATIENTS = 4000
"""Below this many patients one process is faster than starting workers."""


@dataclass(slots=True)
class AssessResult:
    """The output tables as row lists, with data frames built on demand.

    ``rows`` holds the five tables of spec/assess.md and, when some patient has PET data
    (:func:`output_tables`), the two metabolic tables of docs/outputs.md.
    """

    rows: dict[str, list[Row]]
    warnings: ValidationReport = field(default_factory=ValidationReport)
    evaluators: bool = False
    """The bundle names evaluators: every table ends with ``evaluator`` (bundle.md 1.2,
    :func:`prrt.assess.rows.output_columns`)."""
    imputed_dates: bool = False
    """The bundle has partial dates: the date-derived tables end with ``date_imputation``
    (bundle.md 1.2, :mod:`prrt.assess.date_flags`)."""

    def frame(self, table: str) -> pd.DataFrame:
        """One table as a pandas DataFrame with its columns (empty if not computed)."""
        import pandas as pd

        columns = output_columns(
            table, evaluators=self.evaluators, imputed_dates=self.imputed_dates
        )
        return pd.DataFrame(self.rows.get(table, []), columns=list(columns))

    @property
    def timepoint_responses(self) -> pd.DataFrame:
        """timepoint_responses.csv."""
        return self.frame("timepoint_responses")

    @property
    def best_response(self) -> pd.DataFrame:
        """best_response.csv."""
        return self.frame("best_response")

    @property
    def endpoints(self) -> pd.DataFrame:
        """endpoints.csv."""
        return self.frame("endpoints")

    @property
    def timepoints(self) -> pd.DataFrame:
        """timepoints.csv."""
        return self.frame("timepoints")

    @property
    def courses(self) -> pd.DataFrame:
        """courses.csv."""
        return self.frame("courses")

    @property
    def metabolic_responses(self) -> pd.DataFrame:
        """metabolic_responses.csv (exploratory SSTR-PET; empty without PET data)."""
        return self.frame("metabolic_responses")

    @property
    def best_metabolic_response(self) -> pd.DataFrame:
        """best_metabolic_response.csv (exploratory SSTR-PET; empty without PET data)."""
        return self.frame("best_metabolic_response")


def resolve_scopes(bundle: Bundle, scopes: Sequence[str] | None) -> list[Scope]:
    """Requested scopes, or ``all`` plus only:/without: for every group (assess.md): the
    groups of lesions.csv and those named by scopes of responses.csv and sums.csv."""
    if scopes:
        return [Scope.parse(text) for text in scopes]
    groups = list(bundle.groups)
    for text in (*bundle.response_scopes, *bundle.sum_scopes):
        scope = Scope.parse(text)
        if scope.group is not None:
            groups.append(scope.group)
    return default_scopes(groups)


def has_imputed_dates(cases: Sequence[PatientCase]) -> bool:
    """Whether the cases come from a bundle with partial dates: the date-derived tables
    then end with ``date_imputation`` (docs/decisions.md, D118)."""
    return any(case.imputed_dates is not None for case in cases)


def output_tables(cases: Sequence[PatientCase], config: Config) -> tuple[str, ...]:
    """The tables to write: the five of spec/assess.md, plus the metabolic tables when some
    patient has PET data and ``[metabolic] criteria`` is not empty (docs/outputs.md)."""
    if any(has_metabolic_outputs(case, config) for case in cases):
        return (*TABLE_COLUMNS, *METABOLIC_TABLE_COLUMNS)
    return tuple(TABLE_COLUMNS)


def assess_cases(
    cases: Sequence[PatientCase],
    *,
    config: Config,
    scopes: Sequence[Scope],
) -> tuple[dict[str, list[Row]], list[Issue]]:
    """Assess patients in this process; rows keyed by table (:func:`output_tables`), and
    engine warnings."""
    thresholds = ExactThresholds.from_config(config.recist)
    tables: dict[str, list[Row]] = {name: [] for name in output_tables(cases, config)}
    warnings: list[Issue] = []
    for case in cases:
        assessed = assess_patient(case, config=config, thresholds=thresholds, requested=scopes)
        for name, rows in patient_rows(assessed).items():
            tables[name].extend(rows)
        warnings.extend(assessed.warnings)
    return tables, warnings


def assess_bundle(
    bundle: Bundle,
    *,
    config: Config = DEFAULT_CONFIG,
    scopes: Sequence[str] | None = None,
    workers: int = 1,
    on_progress: ProgressCallback | None = None,
) -> AssessResult:
    """Assess every patient of a validated bundle (the Python API of ``prrt assess``).

    Patients are assessed in chunks (:func:`prrt.assess.parallel.assess_rows`), by
    ``workers`` forked processes when more than one; the result is the same.
    ``on_progress`` is called with the number of patients of each chunk done.
    """
    from prrt.assess.parallel import assess_rows

    tables, warnings = assess_rows(
        bundle.cases,
        config=config,
        scopes=resolve_scopes(bundle, scopes),
        workers=workers,
        on_progress=on_progress,
    )
    report = ValidationReport()
    report.extend(warnings)
    return AssessResult(
        rows=tables,
        warnings=report,
        evaluators=bool(bundle.evaluators),
        imputed_dates=has_imputed_dates(bundle.cases),
    )


def assess_path(
    path: Path | str,
    *,
    config: Config = DEFAULT_CONFIG,
    scopes: Sequence[str] | None = None,
    engine: Engine | str = Engine.REFERENCE,
) -> AssessResult:
    """Read, validate and assess a bundle folder or workbook; ``engine="columnar"``
    computes the same rows with the columnar engine (docs/columnar.md; extra
    ``columnar``), which refuses what it does not compute
    (:class:`~prrt.columnar.errors.ColumnarUnsupportedError`)."""
    if Engine(engine) is Engine.COLUMNAR:
        from prrt.columnar.assess_files import assess_path_columnar

        return assess_path_columnar(Path(path), config=config, scopes=scopes)
    from prrt.io.bundle import read_bundle

    bundle = read_bundle(path, config=config, clinical_records=False)
    return assess_bundle(bundle, config=config, scopes=scopes)


def write_assess_outputs(
    result: AssessResult,
    out_dir: Path | str,
    *,
    output_format: TableFormat | str = TableFormat.CSV,
) -> list[Path]:
    """Write the output files of assess.md (and the metabolic ones, if any) into
    ``out_dir``: CSV files, or Parquet files with ``output_format="parquet"``
    (docs/outputs.md, "Parquet outputs"; docs/decisions.md, D179-D180).

    Raises
    ------
    DataValidationError
        Parquet only: a value its column's type cannot hold exactly; nothing is written.
    """
    if TableFormat(output_format) is TableFormat.PARQUET:
        from prrt.assess.parquet_format import write_parquet_outputs

        return write_parquet_outputs(
            result.rows,
            Path(out_dir),
            evaluators=result.evaluators,
            imputed_dates=result.imputed_dates,
        )
    return write_tables(
        result.rows.items(),
        Path(out_dir),
        evaluators=result.evaluators,
        imputed_dates=result.imputed_dates,
    )


def default_output_format(bundle_path: Path | str) -> TableFormat:
    """The format ``prrt assess`` writes by default: Parquet for a Parquet bundle (a folder
    whose table files are all Parquet, :func:`prrt.io.parquet.is_parquet_bundle`), CSV for
    any other bundle (docs/decisions.md, D179)."""
    from prrt.io.parquet import is_parquet_bundle

    return TableFormat.PARQUET if is_parquet_bundle(Path(bundle_path)) else TableFormat.CSV


def write_tables(
    tables: Iterable[tuple[str, list[Row]]],
    out_dir: Path,
    *,
    evaluators: bool = False,
    imputed_dates: bool = False,
) -> list[Path]:
    """Write row lists as CSV files with their headers (assess.md, docs/outputs.md;
    ``evaluator`` when the bundle names evaluators, then ``date_imputation`` when it has
    partial dates)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        write_table_text(
            name, format_rows(rows), out_dir, evaluators=evaluators, imputed_dates=imputed_dates
        )
        for name, rows in tables
    ]


def write_table_text(
    name: str, text: str, out_dir: Path, *, evaluators: bool = False, imputed_dates: bool = False
) -> Path:
    """One CSV file: the header of ``name`` (as :func:`write_tables`), then ``text``, rows
    already formatted (:func:`prrt.assess.csv_format.format_rows`)."""
    path = out_dir / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            format_header(output_columns(name, evaluators=evaluators, imputed_dates=imputed_dates))
        )
        handle.write(text)
    return path


def worker_count(n_patients: int) -> int:
    """Processes to use: one for small cohorts, else every core."""
    if n_patients < PARALLEL_MIN_PATIENTS:
        return 1
    return available_workers()
