"""``prrt import table SOURCE --map MAP.toml --out BUNDLE/`` and ``--guess`` (docs/import.md).

Converts a department's sheet (.xlsx or .csv: wide, per_scan or long layout) into a
cohort bundle by a TOML mapping file, then validates the bundle. Prints the import report
(rows read, rows written per table, columns used and not used, value maps applied) and
every problem, each at its source sheet, row and column letter. Exit 2 when there is an
error (nothing is written), 0 otherwise.

``--guess`` proposes a mapping from the headers (English and French names) and the
values of the sheet: printed, or written to ``--map`` when given (a new file).
"""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK


def run_import_table(
    source: Path,
    mapping: Path | None,
    out: Path | None,
    config_path: Path | None,
    *,
    guess: bool,
    overwrite: bool,
) -> int:
    """Run ``prrt import table``; return the exit status."""
    if guess:
        return _run_guess(source, mapping, overwrite=overwrite)
    if mapping is None or out is None:
        missing = " and ".join(
            name for name, value in (("--map", mapping), ("--out", out)) if value is None
        )
        print(f"error: give {missing} (or --guess to propose a mapping)", file=sys.stderr)
        return EXIT_BAD_INPUT
    from prrt.config import load_config
    from prrt.io.formats.table.run import import_table

    result = import_table(
        source, mapping, out, overwrite=overwrite, config=load_config(config_path)
    )
    if result.report is not None:
        print(result.report.to_text())
        print()
    issues = result.issues
    if len(issues):
        print(issues.to_text(), file=sys.stderr)
    errors, warnings = len(issues.errors), len(issues.warnings)
    if errors:
        print(f"{errors} error(s), {warnings} warning(s): nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(
        f"Wrote the bundle to {result.written} ({warnings} warning(s)), with "
        f"import_report.md; next: prrt assess {result.written} --out <folder>"
    )
    return EXIT_OK


def _run_guess(source: Path, mapping: Path | None, *, overwrite: bool) -> int:
    from prrt.io.formats.table.guess import guess_mapping

    text, issues = guess_mapping(source)
    if text is None:
        print("\n".join(f"error: {i.to_text()}" for i in issues), file=sys.stderr)
        return EXIT_BAD_INPUT
    if mapping is None:
        print(text, end="")
        return EXIT_OK
    if mapping.exists() and not overwrite:
        print(f"error: --map {mapping}: exists; pass --overwrite to replace it", file=sys.stderr)
        return EXIT_BAD_INPUT
    mapping.write_text(text, encoding="utf-8")
    print(
        f"Wrote a proposed mapping to {mapping}: check every line, then run "
        f"prrt import table {source} --map {mapping} --out <folder>"
    )
    return EXIT_OK
