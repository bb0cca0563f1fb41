"""``prrt template --out FILE.xlsx [--example]``: the data-entry workbook (bundle.md).

Writes a workbook to fill in, one sheet per table of the bundle with commented headers,
drop-down lists and cell checks (:mod:`prrt.io.template`); ``--example`` adds two
synthetic example patients. Exit 2 when ``--out`` is not an ``.xlsx`` path.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK


def run_template(out: Path, *, example: bool) -> int:
    """Write the template to ``out``; return the exit status."""
    from prrt.io.template import write_template
    from prrt.io.template_text import EXAMPLE_ROWS

    if out.suffix.lower() != ".xlsx":
        print(
            f"error: --out {out}: the template is a workbook: give a path ending in .xlsx",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if out.is_dir():
        print(f"error: --out {out}: is a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    path = write_template(out, rows=EXAMPLE_ROWS if example else None)
    what = "with two synthetic example patients " if example else ""
    print(f"Wrote the data-entry workbook {what}to {path}; check it with: prrt validate {path}")
    return EXIT_OK
