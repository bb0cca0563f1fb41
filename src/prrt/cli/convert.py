"""``prrt convert BUNDLE --to parquet|csv --out DIR`` (bundle.md, "Parquet form").

Reads a CSV folder, a Parquet folder or an .xlsx workbook as every command reads it and
writes each table present as a CSV or Parquet file into ``DIR`` (new or empty). The
bundle need not be valid; what cannot be read as written is listed, exit 2, and nothing
is written (docs/decisions.md, D170). Warnings go to stderr, the summary to stdout.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings


class BundleForm(StrEnum):
    """The form ``prrt convert`` writes: one file per table."""

    CSV = "csv"
    """UTF-8, comma-separated, ``\\n`` line ends, minimal quoting (D133)."""
    PARQUET = "parquet"
    """String columns, snappy compression (D173)."""


def run_convert(bundle: Path, form: BundleForm, out: Path) -> int:
    """Run ``prrt convert``; return the exit status."""
    from prrt.io.convert import read_for_conversion, write_csv_table, write_parquet_table
    from prrt.io.issues import Severity, ValidationReport

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(
            f"error: --out {out} must be a new or empty folder; nothing was written.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    conversion = read_for_conversion(bundle)
    errors = [i for i in conversion.issues if i.severity is Severity.ERROR]
    if errors:
        print(ValidationReport(conversion.issues).to_text(), file=sys.stderr)
        print(
            f"{len(errors)} error(s): part of the bundle cannot be read as written, so it "
            "cannot be converted unchanged; nothing was written.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    print_warnings(conversion.issues)
    if not conversion.tables:
        print(f"error: {bundle} holds no bundle table; nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    write = write_parquet_table if form is BundleForm.PARQUET else write_csv_table
    out.mkdir(parents=True, exist_ok=True)
    rows = 0
    for table in conversion.tables.values():
        write(table, out)
        rows += len(table)
    tables = len(conversion.tables)
    print(f"Wrote {tables} table(s), {rows:,} rows, as {form.value} files to {out}")
    if conversion.other_files:
        listed = ", ".join(conversion.other_files)
        print(f"Not converted (not bundle tables): {listed}")
    return EXIT_OK
