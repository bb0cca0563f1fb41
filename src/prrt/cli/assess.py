"""``prrt assess``: read, validate, assess, write the output files of spec/assess.md.

CSV files, or Parquet files for a Parquet bundle; ``--output-format`` chooses either way
(docs/outputs.md, "Parquet outputs"; docs/decisions.md, D179).
"""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.assess.engines import Engine
from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings
from prrt.cli.progress import progress_bar
from prrt.io.table_format import TableFormat


def run_assess(
    bundle_path: Path,
    out: Path,
    config_path: Path | None,
    scopes: list[str],
    output_format: TableFormat | None = None,
    engine: Engine = Engine.REFERENCE,
) -> int:
    """Run ``prrt assess``; return the exit status. Without ``output_format``, Parquet
    for a Parquet bundle and CSV otherwise (:func:`prrt.assess.api.default_output_format`)."""
    from prrt.assess.api import default_output_format, resolve_scopes, worker_count
    from prrt.assess.parallel import assess_to_csv, assess_to_parquet
    from prrt.config import load_config
    from prrt.criteria.recist11.scope import Scope
    from prrt.io.bundle import read_bundle

    config = load_config(config_path)
    try:
        for text in scopes:
            Scope.parse(text)
    except ValueError as exc:
        print(f"error: --scope: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if engine is Engine.COLUMNAR:
        from prrt.cli.assess_columnar import run_assess_columnar

        return run_assess_columnar(bundle_path, out, config, scopes, output_format)
    bundle = read_bundle(bundle_path, config=config, clinical_records=False)
    print_warnings(bundle.report.warnings)
    cases = bundle.cases
    if output_format is None:
        output_format = default_output_format(bundle_path)
    write = assess_to_parquet if output_format is TableFormat.PARQUET else assess_to_csv
    with progress_bar("Assessing patients", total=len(cases)) as advance:
        paths, warnings = write(
            cases,
            out,
            config=config,
            scopes=resolve_scopes(bundle, scopes or None),
            workers=worker_count(len(cases)),
            on_progress=advance,
        )
    print_warnings(warnings)
    what = f"{len(cases)} patients"
    if bundle.evaluators:  # one case per patient and evaluator (bundle.md 1.2)
        what = f"{len(cases)} reads of {len({c.patient_id for c in cases})} patients"
    print(f"Assessed {what}; wrote {len(paths)} files to {out}")
    return EXIT_OK
