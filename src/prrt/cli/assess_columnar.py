"""``prrt assess --engine columnar``: the same files from the columnar engine
(docs/columnar.md; docs/decisions.md, D189)."""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings
from prrt.cli.progress import progress_bar
from prrt.config import Config
from prrt.io.table_format import TableFormat


def run_assess_columnar(
    bundle_path: Path,
    out: Path,
    config: Config,
    scopes: list[str],
    output_format: TableFormat | None,
) -> int:
    """Validate (as ``prrt validate``), assess with the columnar engine, write; return the
    exit status (2 with one line naming what the engine does not support)."""
    from prrt.assess.api import default_output_format
    from prrt.errors import DataValidationError
    from prrt.io.validate import check_bundle

    try:
        from prrt.columnar.assess_files import reference_metabolic_rows, write_columnar_outputs
        from prrt.columnar.engine import OUTPUT_TABLES, assess_columnar
        from prrt.columnar.errors import ColumnarUnsupportedError
    except ImportError as exc:  # ibis, DuckDB: the columnar extra
        print(
            f"error: --engine columnar needs the columnar extra ({exc.name} is missing): "
            "pip install 'prrt[columnar]'",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT

    checked = check_bundle(bundle_path, config=config)
    if checked.report.has_errors:
        raise DataValidationError(checked.report)
    print_warnings(checked.report.warnings)
    patients = int(checked.links.usable["patients"].sum())
    share = patients // len(OUTPUT_TABLES)
    try:
        with progress_bar("Assessing patients (columnar)", total=patients) as advance:
            result = assess_columnar(
                checked,
                config=config,
                scopes=scopes or None,
                on_table=lambda _name: advance(share),
            )
            advance(patients - share * len(OUTPUT_TABLES))
    except ColumnarUnsupportedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print_warnings(result.warnings)
    metabolic = reference_metabolic_rows(checked, bundle_path, config=config)
    chosen = output_format or default_output_format(bundle_path)
    paths = write_columnar_outputs(result, metabolic, out, output_format=chosen)
    print(f"Assessed {patients} patients; wrote {len(paths)} files to {out}")
    return EXIT_OK
