"""Check a whole bundle in one pass and keep what the case builder needs (bundle.md).

Order of the checks: read the tables (:mod:`prrt.io.tables`), parse every cell
(:mod:`prrt.io.validate_cells`), impute partial dates (:mod:`prrt.io.validate_dates`,
version 1.2), resolve keys and references
(:mod:`prrt.io.validate_keys`), then the cross-file checks on the rows that parsed:
patients and dates (:mod:`prrt.io.validate_patients`), modes
(:mod:`prrt.io.validate_modes`), lesions (:mod:`prrt.io.validate_lesions`), sums
(:mod:`prrt.io.validate_sums`, version 1.2), then the
tables of version 1.1: SSTR-PET (:mod:`prrt.io.validate_pet`), symptoms, labs and adverse
events (:mod:`prrt.io.validate_clinical`). A row
that fails one check is left out of the checks that need the failed value, never out of
the others, so one run reports every problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from prrt.config import Config
from prrt.io.issues import Issue, ValidationReport
from prrt.io.schema import TABLES, Kind
from prrt.io.tables import LoadedTables, RawTable, load_tables
from prrt.io.validate_cells import ParsedTable, parse_table
from prrt.io.validate_clinical import LabConversion, check_clinical, convert_labs
from prrt.io.validate_dates import DateImputations, check_partial_assessments, impute_dates
from prrt.io.validate_keys import Links, link_tables
from prrt.io.validate_lesions import Fragments, check_lesions, group_fragments
from prrt.io.validate_modes import check_modes
from prrt.io.validate_patients import Timeline, check_reference_dates, derive_timeline
from prrt.io.validate_pet import check_pet
from prrt.io.validate_readers import (
    check_evaluators,
    merge_view_issues,
    named_evaluators,
    other_evaluator_references,
    split_readers,
    unlinked,
)
from prrt.io.validate_sums import check_sums


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckedBundle:
    """The report and the parsed, linked tables of one bundle."""

    report: ValidationReport
    tables: Mapping[str, ParsedTable]
    """Every table of bundle version 1.1 (an absent optional table has no rows)."""
    links: Links
    timeline: Timeline
    fragments: Fragments
    labs: LabConversion
    """labs.csv in canonical units."""
    evaluator: str | None = None
    """The evaluator whose view this is (bundle.md 1.2; empty: the patients no evaluator
    reads by name); None for a bundle that names no evaluator."""
    readers: tuple[CheckedBundle, ...] = ()
    """A bundle naming evaluators: one checked view per evaluator
    (:func:`prrt.io.validate_readers.split_readers`); its own ``links``, ``timeline`` and
    ``fragments`` then resolve nothing (each view has its own)."""
    imputed: DateImputations = field(default_factory=DateImputations)
    """The partial dates imputed in ``tables`` (bundle.md 1.2; :mod:`prrt.io.validate_dates`)."""
    evaluators: tuple[str, ...] = ()
    """The evaluators the bundle names, sorted
    (:func:`prrt.io.validate_readers.named_evaluators`, found once when it is checked)."""


def check_bundle(path: Path, *, config: Config) -> CheckedBundle:
    """Read and check the bundle at ``path``; every problem goes into the report."""
    return check_loaded(load_tables(path), config=config)


def without_codes(checked: CheckedBundle) -> CheckedBundle:
    """``checked`` without the codes its checks factorized (:meth:`ParsedTable.factorized`):
    the same text, values, links and report, in less memory. A code asked for later is
    computed again, with the same result. The readers' codes stay: a column read as codes
    holds its cells only as codes (:mod:`prrt.io.text_codes`, D221)."""
    tables = {name: table.fresh() for name, table in checked.tables.items()}
    readers = tuple(without_codes(reader) for reader in checked.readers)
    return replace(checked, tables=tables, readers=readers)


def check_loaded(loaded: LoadedTables, *, config: Config) -> CheckedBundle:
    """Check tables already read as text (a file's, or the web application's rows)."""
    issues: list[Issue] = list(loaded.issues)
    tables: dict[str, ParsedTable] = {}
    for name, spec in TABLES.items():
        raw = loaded.tables.get(name) or RawTable(
            name=name, file=spec.file, rows=np.empty(0, dtype=np.int64), text={}
        )
        tables[name], found = parse_table(raw, spec)
        issues += found
    tables, imputed, found = impute_dates(tables, impute_day=config.dates.impute_day)
    issues += found
    unusable = loaded.unusable | _keyless(loaded.tables)
    present = frozenset(loaded.tables)
    issues += check_evaluators(tables)
    evaluators = named_evaluators(tables)
    if evaluators:
        checked = _check_readers(
            tables, unusable=unusable, present=present, config=config, imputed=imputed
        )
    else:
        checked = _check_linked(
            tables, unusable=unusable, present=present, config=config, imputed=imputed
        )
    issues += checked.report.issues
    issues.sort(key=_position)
    return replace(checked, report=ValidationReport(issues), imputed=imputed, evaluators=evaluators)


def _check_linked(
    tables: Mapping[str, ParsedTable],
    *,
    unusable: frozenset[str],
    present: frozenset[str],
    config: Config,
    evaluator: str | None = None,
    imputed: DateImputations,
) -> CheckedBundle:
    """Every check after the cells, on parsed tables of one reader (the report unsorted)."""
    issues: list[Issue] = []
    links, found = link_tables(tables, unusable=unusable, present=present)
    issues += found
    reference, found = check_reference_dates(
        tables, links, cycles_readable="cycles" not in unusable
    )
    issues += found
    issues += check_partial_assessments(tables, links, reference, imputed)
    timeline, found = derive_timeline(tables, links, reference)
    issues += found
    issues += check_modes(tables, links, timeline, unusable=unusable)
    fragments = group_fragments(tables, links)
    issues += check_lesions(
        tables,
        links,
        timeline,
        fragments,
        config=config.recist,
        measurements_readable="measurements" not in unusable,
    )
    issues += check_sums(tables, links, timeline, unusable=unusable)
    issues += check_pet(tables, links, timeline)
    labs = convert_labs(tables["labs"])
    issues += check_clinical(tables, links, timeline, labs)
    return CheckedBundle(
        report=ValidationReport(issues),
        tables=tables,
        links=links,
        timeline=timeline,
        fragments=fragments,
        labs=labs,
        evaluator=evaluator,
        imputed=imputed,
    )


def _check_readers(
    tables: Mapping[str, ParsedTable],
    *,
    unusable: frozenset[str],
    present: frozenset[str],
    config: Config,
    imputed: DateImputations,
) -> CheckedBundle:
    """A bundle naming evaluators: every check on each evaluator's view
    (:mod:`prrt.io.validate_readers`, docs/decisions.md, D110), each problem once."""
    views = split_readers(tables)
    readers = tuple(
        _check_linked(
            view.tables,
            unusable=unusable,
            present=present,
            config=config,
            evaluator=view.evaluator,
            imputed=imputed.subset(view.positions),
        )
        for view in views
    )
    issues = merge_view_issues(
        views,
        [reader.report.issues for reader in readers],
        replaced=other_evaluator_references(tables),
    )
    links, timeline, fragments = unlinked(tables)
    return CheckedBundle(
        report=ValidationReport(issues),
        tables=tables,
        links=links,
        timeline=timeline,
        fragments=fragments,
        labs=convert_labs(tables["labs"]),
        readers=readers,
    )


def _keyless(tables: Mapping[str, RawTable]) -> frozenset[str]:
    """Tables lacking an ID column: their rows cannot be linked (missing_column said so)."""
    return frozenset(
        name
        for name, raw in tables.items()
        for column in TABLES[name].columns
        if column.kind is Kind.ID and column.name not in raw.text
    )


_RANK = {name: rank for rank, name in enumerate(TABLES)}


def _position(issue: Issue) -> tuple[int, int]:
    """Issues are listed by file (bundle.md order, then others) and row; sheet names
    rank ignoring case, as they are matched (:mod:`prrt.io.workbook`); a Parquet file
    ranks as its CSV form (:mod:`prrt.io.parquet`)."""
    table = issue.file.removesuffix(".csv").removesuffix(".parquet")
    rank = _RANK.get(table.strip().lower(), len(_RANK))
    return rank, issue.row or 0
