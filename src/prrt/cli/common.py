"""Shared CLI plumbing: exit statuses, error printing, the crash log."""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prrt.io.issues import Issue

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3


class OutputFormat(StrEnum):
    """Format of a command's report."""

    TEXT = "text"
    JSON = "json"


def guarded(command: Callable[[], int]) -> int:
    """Run ``command``; turn prrt input errors into exit 2 and crashes into exit 1.

    Input errors print their message to stderr. Any other exception prints one line and
    writes the traceback to a log file whose path is printed (spec/assess.md).
    """
    from prrt.errors import ConfigError, DataValidationError

    try:
        return command()
    except DataValidationError as exc:
        print(exc.report.to_text(), file=sys.stderr)
        errors = len(exc.report.errors)
        print(f"{errors} error(s): nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `prrt validate ... | head`
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:
        log = Path(tempfile.gettempdir()) / "prrt-crash.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        print(f"internal error: {type(exc).__name__}: {exc} (traceback in {log})", file=sys.stderr)
        return EXIT_INTERNAL


def print_warnings(issues: Sequence[Issue]) -> None:
    """Warnings to stderr, one line each, repeated ones joined (docs/decisions.md, D69)."""
    from prrt.io.issues import ValidationReport

    if issues:
        print(ValidationReport(list(issues)).to_text(), file=sys.stderr)
