"""`prrt user add|token` and `prrt serve` (docs/web.md): scriptable first admin, tokens
shown once, and the application started by one command on a database from `prrt db init`."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from prrt.cli.main import main
from prrt.web.accounts import secret_of, token_identity
from prrt.web.db.app_models import User
from prrt.web.db.session import open_database

PASSWORD = "a long enough password"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def _database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path / 'prrt.db'}"
    assert _run(["db", "init", "--db", url], capsys)[0] == 0
    return url


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_user_add_reads_the_password_from_standard_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _database(tmp_path, capsys)
    _stdin(monkeypatch, PASSWORD + "\n")
    assert _run(["user", "add", "admin", "--role", "admin", "--db", url], capsys) == (
        0,
        "Added admin (admin).\n",
        "",
    )
    with Session(open_database(url)) as session:
        user = session.scalars(select(User)).one()
    assert (user.username, user.role, user.active) == ("admin", "admin", True)
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("username", "role", "password", "message"),
    [
        ("nurse1", "editor", "short", "the password must have at least 12 characters"),
        ("nurse1", "owner", PASSWORD, "the role must be one of viewer, editor, admin"),
        ("a b", "viewer", PASSWORD, "the user name must be 1-64 letters"),
    ],
)
def test_user_add_refuses_bad_input_with_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    role: str,
    password: str,
    message: str,
) -> None:
    url = _database(tmp_path, capsys)
    _stdin(monkeypatch, password + "\n")
    status, out, err = _run(["user", "add", username, "--role", role, "--db", url], capsys)
    assert (status, out) == (2, "")
    assert message in err
    assert err.endswith("; no user added\n")
    with Session(open_database(url)) as session:
        assert session.scalars(select(User)).all() == []


def test_a_second_user_of_the_same_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _database(tmp_path, capsys)
    for expected in (0, 2):
        _stdin(monkeypatch, PASSWORD + "\n")
        status, _, err = _run(["user", "add", "nurse1", "--role", "editor", "--db", url], capsys)
        assert status == expected
    assert "the user 'nurse1' exists already" in err


def test_user_commands_need_an_initialised_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    _stdin(monkeypatch, PASSWORD + "\n")
    status, _, err = _run(["user", "add", "admin", "--role", "admin", "--db", url], capsys)
    assert status == 2
    assert "not initialised: run `prrt db init` first" in err


def test_user_token_prints_a_working_token_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _database(tmp_path, capsys)
    _stdin(monkeypatch, PASSWORD + "\n")
    _run(["user", "add", "reader", "--role", "viewer", "--db", url], capsys)
    status, out, err = _run(["user", "token", "reader", "--name", "scripts", "--db", url], capsys)
    assert status == 0
    token = out.strip()
    assert "shown once" in err
    engine = open_database(url)
    identity = token_identity(engine, token, secret=secret_of(engine))
    assert identity is not None
    assert (identity.username, identity.role) == ("reader", "viewer")
    assert _run(["user", "token", "nobody", "--db", url], capsys)[0] == 2


def test_serve_refuses_an_uninitialised_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    status, _, err = _run(["serve", "--db", url], capsys)
    assert status == 2
    assert "not initialised" in err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_starts_the_application_in_one_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path, capsys)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "prrt", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                login = httpx2.get(f"{base}/login", timeout=1)
                break
            except httpx2.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("prrt serve did not answer within 10 s")
        assert login.status_code == 200
        assert "Log in" in login.text
        patients = httpx2.get(f"{base}/patients", follow_redirects=False, timeout=5)
        assert (patients.status_code, patients.headers["location"]) == (303, "/login")
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert out.startswith(f"prrt on {base}/ (database sqlite)")
