"""``prrt validate BUNDLE [--config FILE] [--format text|json]`` (spec/bundle.md).

Lists every problem of the bundle at once: text is one line per problem
(``error: file row N, column = value: rule; hint``) and a summary line; json is a list
of objects with the keys severity, code, file, row, column, value, rule, hint (the
summary then goes to stderr). Exit 2 when there are errors, 0 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, OutputFormat


def run_validate(bundle: Path, config: Path | None, output_format: OutputFormat) -> int:
    """Validate ``bundle``, print the report, return the exit status."""
    from prrt.config import load_config
    from prrt.heap import reused_heap
    from prrt.io.bundle import validate_bundle

    with reused_heap():  # the checks make and drop many large arrays (D223)
        report = validate_bundle(bundle, config=load_config(config))
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "the bundle cannot be used" if errors else "the bundle can be used"
    summary = f"{errors} error(s), {warnings} warning(s): {verdict}."
    if output_format is OutputFormat.JSON:
        print(report.to_json())
        print(summary, file=sys.stderr)
    else:
        if len(report):
            print(report.to_text())
        print(summary)
    return EXIT_BAD_INPUT if errors else EXIT_OK
