"""``prrt import sdtm``: an SDTM study into a bundle (docs/sdtm.md).

The import report goes to stdout (always, also when the study has errors), problems to
stderr; exit 2, nothing written, when one of them is an error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK


def run_import_sdtm(
    folder: Path,
    out: Path,
    *,
    primary_site: str | None,
    prrt_treatments: list[str],
    new_therapy_terms: list[str],
    config_path: Path | None,
) -> int:
    """Run ``prrt import sdtm DIR --out BUNDLE``; return the exit status."""
    from prrt.config import load_config
    from prrt.io.formats.sdtm import SdtmOptions, import_sdtm
    from prrt.io.formats.sdtm.model import DEFAULT_NEW_THERAPY_TERMS

    config = load_config(config_path)
    options = SdtmOptions(
        primary_site=primary_site,
        prrt_treatments=tuple(prrt_treatments),
        new_therapy_terms=tuple(new_therapy_terms) or DEFAULT_NEW_THERAPY_TERMS,
    )
    result = import_sdtm(folder, out, options=options, config=config)
    print(result.report.to_text())
    if result.issues:
        print(result.issues.to_text(), file=sys.stderr)
    if result.written is None:
        errors = len(result.issues.errors)
        print(f"{errors} error(s): nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"Wrote the bundle {result.written}; it is valid.")
    return EXIT_OK
