"""``prrt db``: schema, migrations, lossless import/export (docs/database.md).

The tests that take ``db_url`` or ``make_db_url`` (tests/web/conftest.py) run twice: on
SQLite and on PostgreSQL 15.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, UniqueConstraint, func, select
from sqlalchemy.engine import make_url

import prrt.datasets
from prrt.cli.main import main
from prrt.io.schema import TABLES
from prrt.io.writer import write_bundle
from prrt.web.db import bundle_io
from prrt.web.db.models import ROW_MODELS, Base, BundleColumn, Meta
from prrt.web.db.session import (
    current_revision,
    head_revision,
    init_database,
    open_database,
)

DEMO = Path(prrt.datasets.__file__).parent / "demo"
SCENARIOS = Path(__file__).parents[1] / "scenarios" / "own"
ROUND_TRIP = {
    "demo": DEMO,
    # O31 fragments, O60 sums.csv, O70 evaluators, O75 partial dates (their README.md)
    **{name: SCENARIOS / name for name in ("O31", "O60", "O70", "O75")},
}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _shown(url: str) -> str:
    """``url`` as the commands print it: SQLAlchemy shows a password as ``***``."""
    return repr(make_url(url))


def _bundle_files(folder: Path) -> dict[str, bytes]:
    """The bundle tables of ``folder`` (scenario folders also hold expected_*.csv)."""
    return {
        spec.file: (folder / spec.file).read_bytes()
        for spec in TABLES.values()
        if (folder / spec.file).is_file()
    }


def _secret(url: str) -> str:
    engine = open_database(url)
    try:
        with engine.connect() as connection:
            value = connection.execute(
                select(Meta.value).where(Meta.key == "session_secret")
            ).scalar_one()
    finally:
        engine.dispose()
    return str(value)


def _row_counts(url: str) -> dict[str, int]:
    engine = open_database(url)
    try:
        with engine.connect() as connection:
            return {
                name: int(connection.scalar(select(func.count()).select_from(model)) or 0)
                for name, model in {**ROW_MODELS, "bundle_columns": BundleColumn}.items()
            }
    finally:
        engine.dispose()


# ---------------------------------------------------------------- schema


def test_models_follow_the_bundle_schema() -> None:
    """One table per bundle table, one TEXT column per bundle column, in bundle.md order;
    required columns are CHECKed; keys (plus evaluator where present) are UNIQUE (D131)."""
    assert tuple(ROW_MODELS) == tuple(TABLES)
    for name, spec in TABLES.items():
        table = ROW_MODELS[name].__table__
        columns = [c.name for c in table.columns]
        assert columns == [*spec.names, "id", "row_order", "extra_cells"], name
        for column in spec.columns:
            assert str(table.c[column.name].type) == "TEXT"
            assert table.c[column.name].comment.startswith(str(column.kind))
            assert not table.c[column.name].nullable
        checks = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        assert checks == {f"ck_{name}_{c.name}_required" for c in spec.columns if c.required}
        uniques = [
            tuple(c.name for c in u.columns)
            for u in table.constraints
            if isinstance(u, UniqueConstraint)
        ]
        evaluator = ("evaluator",) if "evaluator" in spec.names else ()
        assert uniques == ([(*spec.key, *evaluator)] if spec.key else []), name


def test_migrations_create_exactly_the_models(db_url: str) -> None:
    engine = open_database(db_url)
    init_database(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


# ---------------------------------------------------------------- init / upgrade


def test_init_creates_the_head_revision_and_a_secret(
    make_db_url: Callable[[], str], capsys
) -> None:
    url = make_db_url()
    status, out, err = _run(["db", "init", "--db", url], capsys)
    assert (status, err) == (0, "")
    assert out == f"Initialised {_shown(url)} at revision 0002.\n"
    engine = open_database(url)
    assert current_revision(engine) == head_revision() == "0002"
    engine.dispose()
    secret = _secret(url)
    assert len(secret) >= 43  # secrets.token_urlsafe(32): 32 random bytes, base64url
    other = make_db_url()
    _run(["db", "init", "--db", other], capsys)
    assert _secret(other) != secret


def test_init_of_an_initialised_database_is_refused(db_url: str, capsys) -> None:
    url = db_url
    _run(["db", "init", "--db", url], capsys)
    secret = _secret(url)
    status, out, err = _run(["db", "init", "--db", url], capsys)
    assert (status, out) == (2, "")
    assert "already initialised (revision 0002); use `prrt db upgrade`" in err
    assert _secret(url) == secret


def test_upgrade_is_idempotent(db_url: str, capsys) -> None:
    url = db_url
    _run(["db", "init", "--db", url], capsys)
    secret = _secret(url)
    for _ in range(2):
        status, out, err = _run(["db", "upgrade", "--db", url], capsys)
        assert (status, out, err) == (0, f"{_shown(url)} is already at revision 0002.\n", "")
    assert _secret(url) == secret


def test_upgrade_of_an_empty_database_reaches_head(db_url: str, capsys) -> None:
    url = db_url
    status, out, _ = _run(["db", "upgrade", "--db", url], capsys)
    assert (status, out) == (0, f"Upgraded {_shown(url)} from empty to 0002.\n")
    assert _secret(url)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_import_then_export_is_byte_identical(
    tmp_path: Path, db_url: str, capsys, name: str
) -> None:
    source = ROUND_TRIP[name]
    url = db_url
    _run(["db", "init", "--db", url], capsys)
    status, out, _ = _run(["db", "import", str(source), "--db", url], capsys)
    assert status == 0
    assert out.endswith(f"table(s) into {_shown(url)}.\n")
    status, _, err = _run(["db", "export", str(tmp_path / "out"), "--db", url], capsys)
    assert (status, err) == (0, "")
    expected = _bundle_files(source)
    assert len(expected) >= 3
    assert _bundle_files(tmp_path / "out") == expected
    assert len(list((tmp_path / "out").iterdir())) == len(expected)


def test_xlsx_bundle_exports_its_cells_as_csv(tmp_path: Path, db_url: str, capsys) -> None:
    """O70 written as a workbook (every cell text, as write_bundle writes it) comes back as
    O70's CSV files, byte for byte."""
    source = SCENARIOS / "O70"
    frames = {
        Path(file).stem: pd.read_csv(source / file, dtype=str, keep_default_na=False)
        for file in _bundle_files(source)
    }
    workbook = write_bundle(frames, tmp_path / "o70.xlsx")
    url = db_url
    _run(["db", "init", "--db", url], capsys)
    assert _run(["db", "import", str(workbook), "--db", url], capsys)[0] == 0
    assert _run(["db", "export", str(tmp_path / "out"), "--db", url], capsys)[0] == 0
    assert _bundle_files(tmp_path / "out") == _bundle_files(source)


def test_unknown_columns_are_kept(tmp_path: Path, db_url: str, capsys) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(SCENARIOS / "O60", bundle, ignore=shutil.ignore_patterns("expected_*"))
    lines = (bundle / "patients.csv").read_text(encoding="utf-8").splitlines()
    note = ["site_note", *(f'"a, {i}"' for i in range(1, len(lines)))]
    patched = "".join(f"{a},{b}\n" for a, b in zip(lines, note, strict=True))
    (bundle / "patients.csv").write_text(patched, encoding="utf-8")
    url = db_url
    _run(["db", "init", "--db", url], capsys)
    status, _, err = _run(["db", "import", str(bundle), "--db", url], capsys)
    assert status == 0
    assert "unknown column site_note, kept and ignored" in err
    _run(["db", "export", str(tmp_path / "out"), "--db", url], capsys)
    assert (tmp_path / "out" / "patients.csv").read_text(encoding="utf-8") == patched


# ---------------------------------------------------------------- refusals


def test_a_failure_mid_import_changes_nothing(
    tmp_path: Path, db_url: str, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = db_url
    _run(["db", "init", "--db", url], capsys)
    _run(["db", "import", str(SCENARIOS / "O31"), "--db", url], capsys)
    before = _row_counts(url)
    written: list[str] = []
    insert_table = bundle_io._insert_table

    def failing(session, table):  # the third table fails, after two were written
        if len(written) == 2:
            raise RuntimeError("forced failure")
        written.append(table.name)
        insert_table(session, table)

    monkeypatch.setattr(bundle_io, "_insert_table", failing)
    engine = open_database(url)
    with pytest.raises(RuntimeError, match="forced failure"):
        bundle_io.import_bundle(engine, DEMO, replace=True)
    engine.dispose()
    assert written == ["patients", "cycles"]
    assert _row_counts(url) == before
    monkeypatch.undo()
    _run(["db", "export", str(tmp_path / "out"), "--db", url], capsys)
    assert _bundle_files(tmp_path / "out") == _bundle_files(SCENARIOS / "O31")


def test_a_non_empty_database_is_refused_unless_replace(
    tmp_path: Path, db_url: str, capsys
) -> None:
    url = db_url
    _run(["db", "init", "--db", url], capsys)
    _run(["db", "import", str(SCENARIOS / "O31"), "--db", url], capsys)
    status, out, err = _run(["db", "import", str(SCENARIOS / "O60"), "--db", url], capsys)
    assert (status, out) == (2, "")
    assert err == (
        "error: the database already holds a bundle: export it first, or import with "
        "--replace to overwrite it\n"
    )
    argv = ["db", "import", str(SCENARIOS / "O60"), "--db", url, "--replace"]
    assert _run(argv, capsys)[0] == 0
    _run(["db", "export", str(tmp_path / "out"), "--db", url], capsys)
    assert _bundle_files(tmp_path / "out") == _bundle_files(SCENARIOS / "O60")


def test_a_bad_bundle_prints_the_report_and_changes_nothing(
    tmp_path: Path, db_url: str, capsys
) -> None:
    bundle = tmp_path / "bad"
    bundle.mkdir()
    (bundle / "patients.csv").write_text("patient_id,primary_site\nP1,mars\n", encoding="utf-8")
    (bundle / "assessments.csv").write_text("patient_id,assessment_id,date\n", encoding="utf-8")
    url = db_url
    _run(["db", "init", "--db", url], capsys)
    status, out, err = _run(["db", "import", str(bundle), "--db", url], capsys)
    assert (status, out) == (2, "")
    assert "error: patients.csv row 2, primary_site = mars: must be one of" in err
    assert err.endswith("2 error(s): nothing was written.\n")
    assert set(_row_counts(url).values()) == {0}


def test_commands_on_an_uninitialised_database_say_so(tmp_path: Path, db_url: str, capsys) -> None:
    url = db_url
    for argv in (["import", str(DEMO)], ["export", str(tmp_path / "out")]):
        status, out, err = _run(["db", *argv, "--db", url], capsys)
        assert (status, out) == (2, "")
        assert err == "error: the database is not initialised: run `prrt db init` first\n"


def test_export_needs_a_bundle_and_an_empty_folder(tmp_path: Path, db_url: str, capsys) -> None:
    url = db_url
    _run(["db", "init", "--db", url], capsys)
    status, _, err = _run(["db", "export", str(tmp_path / "out"), "--db", url], capsys)
    assert (status, err) == (2, "error: the database holds no bundle: run `prrt db import` first\n")
    _run(["db", "import", str(SCENARIOS / "O60"), "--db", url], capsys)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x", encoding="utf-8")
    status, _, err = _run(["db", "export", str(tmp_path / "full"), "--db", url], capsys)
    assert (status, err) == (2, f"error: {tmp_path / 'full'} must be a new or empty folder\n")


def test_a_bad_url_is_bad_input(tmp_path: Path, capsys) -> None:
    status, out, err = _run(["db", "init", "--db", "nosuchdialect://x"], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("error: not a database URL: nosuchdialect://x")
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"
    status, _, err = _run(["db", "init", "--db", missing], capsys)
    assert status == 2
    assert err.endswith("unable to open database file; nothing was changed\n")
