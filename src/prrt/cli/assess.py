"""``prrt assess``: read, validate, assess, write the CSV files of spec/assess.md."""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings
from prrt.cli.progress import progress_bar


def run_assess(bundle_path: Path, out: Path, config_path: Path | None, scopes: list[str]) -> int:
    """Run ``prrt assess``; return the exit status."""
    from prrt.assess.api import resolve_scopes, worker_count
    from prrt.assess.parallel import assess_to_csv
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
    bundle = read_bundle(bundle_path, config=config, clinical_records=False)
    print_warnings(bundle.report.warnings)
    cases = bundle.cases
    with progress_bar("Assessing patients", total=len(cases)) as advance:
        paths, warnings = assess_to_csv(
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
