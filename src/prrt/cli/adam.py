"""``prrt export adam``: ADSL, ADRS, ADTR and ADTTE as SAS XPT v5 and CSV (docs/adam.md).

Exit 2, nothing written, when the bundle has errors, ``--out`` is a file, ``--study-id``
is not usable, or a value does not fit SAS transport v5 (e.g. a lesion group label too
long for PARAM, more than 99 groups).
"""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings


def run_export_adam(bundle_path: Path, out: Path, config_path: Path | None, study_id: str) -> int:
    """Run ``prrt export adam BUNDLE --out DIR``; return the exit status."""
    from prrt.assess import assess_bundle
    from prrt.config import load_config
    from prrt.io.bundle import read_bundle
    from prrt.io.formats.adam import build_adam, check_study_id
    from prrt.io.formats.adam.export import write_datasets

    config = load_config(config_path)
    if out.exists() and not out.is_dir():
        print(f"error: --out {out}: is a file; give a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = check_study_id(study_id)
    if problem is not None:
        print(f"error: --study-id {study_id!r}: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    bundle = read_bundle(bundle_path, config=config, clinical_records=False)
    print_warnings(bundle.report.warnings)
    assessed = assess_bundle(bundle, config=config)
    print_warnings(assessed.warnings.issues)
    try:
        datasets, context = build_adam(bundle, assessed.rows, study_id=study_id, config=config)
    except ValueError as exc:
        print(f"error: {exc}. Nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = write_datasets(datasets, context, out)
    print("dataset\trecords\tvariables\tfiles")
    for dataset in result.datasets:
        stem = dataset.spec.name.lower()
        print(
            f"{dataset.spec.name}\t{len(dataset.records)}\t{len(dataset.spec.variables)}\t"
            f"{stem}.xpt, {stem}.csv"
        )
    print(
        f"Wrote ADSL, ADRS, ADTR and ADTTE (SAS transport v5 and CSV) and "
        f"{result.files[-1].name} to {result.out}."
    )
    return EXIT_OK
