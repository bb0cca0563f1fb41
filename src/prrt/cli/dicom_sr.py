"""``prrt import dicom-sr``: TID 1500 measurement reports into a bundle (docs/dicom_sr.md).

The import report goes to stdout, problems to stderr; exit 2, nothing written, when one
of them is an error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK


def run_import_dicom_sr(
    files: list[Path], out: Path, primary_site: str, config_path: Path | None
) -> int:
    """Run ``prrt import dicom-sr FILES... --out BUNDLE``; return the exit status."""
    from prrt.config import load_config
    from prrt.io.formats.dicom_sr import import_dicom_sr

    config = load_config(config_path)
    result = import_dicom_sr(files, out, primary_site=primary_site, config=config)
    if result.report is not None:
        print(result.report.to_text())
    if result.issues:
        print(result.issues.to_text(), file=sys.stderr)
    if result.written is None:
        errors = len(result.issues.errors)
        print(f"{errors} error(s): nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"Wrote the bundle {result.written}; it is valid.")
    return EXIT_OK
