"""``prrt db init|upgrade|import|export``: the web application's database (docs/database.md).

Messages name tables and row counts only, never a patient identifier or a cell value.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _with_database(url: str, action: Callable[[Engine], int]) -> int:
    """Open ``url`` and run ``action``; database problems become exit 2 with one line."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from prrt.web.db.session import DatabaseError, open_database

    try:
        engine = open_database(url)
    except (ArgumentError, ValueError) as exc:
        print(f"error: not a database URL: {url} ({exc})", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return action(engine)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)  # the driver's own message, when there is one
        reason = str(orig) if orig is not None else type(exc).__name__
        print(f"error: database {engine.url!r}: {reason}; nothing was changed", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        engine.dispose()


def run_db_init(url: str) -> int:
    """Create the database at the head revision, with a new session secret."""
    from prrt.web.db.session import head_revision, init_database

    def action(engine: Engine) -> int:
        init_database(engine)
        print(f"Initialised {engine.url!r} at revision {head_revision()}.")
        return EXIT_OK

    return _with_database(url, action)


def run_db_upgrade(url: str) -> int:
    """Migrate the database to the head revision (nothing to do: no change)."""
    from prrt.web.db.session import current_revision, head_revision, upgrade_to_head

    def action(engine: Engine) -> int:
        before = current_revision(engine)
        upgrade_to_head(engine)
        if before == head_revision():
            print(f"{engine.url!r} is already at revision {before}.")
        else:
            print(f"Upgraded {engine.url!r} from {before or 'empty'} to {head_revision()}.")
        return EXIT_OK

    return _with_database(url, action)


def run_db_import(url: str, bundle: Path, replace: bool) -> int:
    """Validate ``bundle`` and store it in one transaction."""
    from prrt.web.db.bundle_io import import_bundle

    def action(engine: Engine) -> int:
        result = import_bundle(engine, bundle, replace=replace)
        print_warnings(result.report.warnings)
        for name, count in result.rows.items():
            print(f"  {name}: {count}")
        total = sum(result.rows.values())
        print(f"Imported {total} row(s) in {len(result.rows)} table(s) into {engine.url!r}.")
        return EXIT_OK

    return _with_database(url, action)


def run_db_export(url: str, out: Path) -> int:
    """Write the stored bundle as a folder of CSV files."""
    from prrt.web.db.bundle_io import export_bundle

    def action(engine: Engine) -> int:
        written = export_bundle(engine, out)
        for name, count in written.items():
            print(f"  {name}: {count}")
        print(f"Wrote the bundle to {out} ({len(written)} file(s)).")
        return EXIT_OK

    return _with_database(url, action)
