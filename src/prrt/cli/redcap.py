"""``prrt import redcap`` and ``prrt export redcap``: the PRRT registry in REDCap (docs/redcap.md).

Exit 2, nothing written, when the export is not a raw records export of the registry, when
the bundle it gives (or the bundle to export) has errors, or when ``--out`` is unusable.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings


def run_import_redcap(export: Path, out: Path, config_path: Path | None) -> int:
    """Run ``prrt import redcap EXPORT --out BUNDLE``; return the exit status."""
    from prrt.config import load_config
    from prrt.io.formats.redcap import import_redcap
    from prrt.io.schema import TABLES

    config = load_config(config_path)
    if out.is_file() or (out.is_dir() and any((out / s.file).exists() for s in TABLES.values())):
        print(
            f"error: --out {out}: already holds a bundle; give a new folder (or .xlsx path) "
            "so that no file of another bundle is mixed in. Nothing was written.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    result = import_redcap(export, out, config=config)
    print_warnings(result.warnings)
    rows = ", ".join(f"{name} {count:,}" for name, count in result.rows.items())
    print(f"Wrote the bundle {result.bundle} from {export.name} ({rows} rows); it is valid.")
    return EXIT_OK


def run_export_redcap(bundle: Path, out: Path, config_path: Path | None) -> int:
    """Run ``prrt export redcap BUNDLE --out DIR``; return the exit status."""
    from prrt.config import load_config
    from prrt.io.formats.redcap import export_redcap

    config = load_config(config_path)
    if out.exists() and not out.is_dir():
        print(f"error: --out {out}: is a file; give a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = export_redcap(bundle, out, config=config)
    print_warnings(result.warnings)
    print(
        f"Wrote {result.records} ({result.patients:,} records, {result.instances:,} "
        f"instances of repeating instruments), {result.dictionary} and {result.repeating}."
    )
    print(
        "In REDCap: upload data_dictionary.csv (Designer > Data Dictionary), make the "
        "instruments of repeating_instruments.csv repeating, then import records.csv "
        "(Data Import Tool, CSV, records as rows)."
    )
    return EXIT_OK
