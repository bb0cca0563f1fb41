"""``prrt export fhir``: one FHIR R4B transaction Bundle per patient, mCODE (docs/fhir.md).

Exit 2, nothing written, when the bundle has errors, ``--out`` is a file,
``--identifier-system`` is not an absolute URI, or two patient IDs would name files that
differ only in case.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings


def run_export_fhir(
    bundle_path: Path, out: Path, config_path: Path | None, identifier_system: str
) -> int:
    """Run ``prrt export fhir BUNDLE --out DIR``; return the exit status."""
    from prrt.assess import assess_bundle
    from prrt.config import load_config
    from prrt.io.bundle import read_bundle
    from prrt.io.formats.fhir import (
        PROFILE_LABELS,
        check_identifier_system,
        export_fhir,
        fhir_file_names,
    )

    config = load_config(config_path)
    if out.exists() and not out.is_dir():
        print(f"error: --out {out}: is a file; give a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = check_identifier_system(identifier_system)
    if problem is not None:
        print(f"error: --identifier-system {identifier_system!r}: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    bundle = read_bundle(bundle_path, config=config, clinical_records=False)
    print_warnings(bundle.report.warnings)
    if bundle.evaluators:  # one file per patient: one read each (docs/decisions.md, D111)
        print(
            f"error: the bundle names evaluators ({', '.join(bundle.evaluators)}): a FHIR "
            "file holds one read per patient; export a bundle with the accepted reads only, "
            "evaluator left empty. Nothing was written.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        fhir_file_names([case.patient_id for case in bundle.cases])
    except ValueError as exc:
        print(f"error: {exc}. Nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    assessed = assess_bundle(bundle, config=config, scopes=["all"])
    print_warnings(assessed.warnings.issues)
    result = export_fhir(
        bundle,
        assessed.timepoint_responses.to_dict("records"),
        out,
        identifier_system=identifier_system,
    )
    labels = list(PROFILE_LABELS.values())
    print("\t".join(["patient_id", "file", *labels, "unmeasured_targets"]))
    for file in result.files:
        counts = [str(file.resources[label]) for label in labels]
        print("\t".join([file.patient_id, file.path.name, *counts, str(file.unmeasured_targets)]))
    resources = sum(sum(file.resources.values()) for file in result.files)
    unmeasured = sum(file.unmeasured_targets for file in result.files)
    print(
        f"Wrote {len(result.files):,} FHIR R4B transaction Bundles ({resources:,} resources, "
        f"mCODE profiles) to {result.out}; every one validated with fhir.resources."
    )
    if unmeasured:
        print(
            f"{unmeasured:,} target value(s) without a measured diameter (too_small, "
            "not_evaluable, coalesced) have no TumorSize (docs/fhir.md)."
        )
    return EXIT_OK
