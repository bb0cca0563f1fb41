"""A throwaway PostgreSQL 15 server for the tests, from Debian's ``postgresql`` package.

:func:`start_postgres` creates a cluster in a new temporary folder (``initdb``), starts it
(``pg_ctl``) listening on 127.0.0.1 only, at a free port, with its Unix socket in that
folder, and returns a :class:`PostgresServer`; :meth:`PostgresServer.stop` stops it and
deletes the folder. The superuser ``prrt`` logs in over TCP with a random password
(scram-sha-256), so other users of the machine cannot reach the databases. Durability is
switched off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the cluster lives
for one test session only (docs/decisions.md, D147).

PostgreSQL refuses to run as root. Under root the server runs as the user ``postgres``,
which the Debian package creates (``runuser -u postgres --``); otherwise as the current
user. :class:`PostgresUnavailableError` says why no server can be started at all (binaries
or the ``postgres`` user missing); a server that should start but fails raises
:class:`RuntimeError` with the server's log.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

__all__ = ["PG_BIN", "PostgresServer", "PostgresUnavailableError", "start_postgres"]

PG_BIN = Path("/usr/lib/postgresql/15/bin")
"""Where Debian's ``postgresql-15`` package (pulled in by ``postgresql``) installs the server."""
HOST = "127.0.0.1"
SUPERUSER = "prrt"
COMMAND_TIMEOUT_S = 120
_START_ATTEMPTS = 3  # another process may take the free port between the probe and the start
_SETTINGS = """
# prrt tests: a throwaway cluster on the loopback interface, without durability
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
"""


class PostgresUnavailableError(Exception):
    """A PostgreSQL server cannot be started on this machine; the message says why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PostgresServer:
    """A running server: its folder, port and superuser password."""

    folder: Path
    port: int
    password: str
    run_as: str | None
    """The user the server runs as (``postgres`` when the tests run as root), else ``None``."""

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@{HOST}:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=HOST,
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname="postgres",
            autocommit=True,  # CREATE/DROP DATABASE cannot run in a transaction
        )

    def create_database(self, name: str) -> str:
        """Create the empty database ``name``; its URL."""
        with self._admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing connections still open to it (PostgreSQL 13+: FORCE)."""
        with self._admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        try:
            data = str(self.folder / "data")
            _run(self.run_as, "pg_ctl", "stop", "-D", data, "-m", "fast", "-w", "-s")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _run_as_user() -> str | None:
    """``postgres`` when running as root (the server refuses root), else ``None``."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailableError(
            "running as root and there is no user postgres to run the server as "
            "(PostgreSQL refuses to run as root; Debian's postgresql package creates it)"
        ) from None
    if shutil.which("runuser") is None:
        raise PostgresUnavailableError("running as root and runuser (util-linux) is missing")
    return "postgres"


def _run(run_as: str | None, program: str, *args: str) -> None:
    command = [str(PG_BIN / program), *args]
    if run_as is not None:
        command = ["runuser", "-u", run_as, "--", *command]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{program} failed (exit {result.returncode}): {result.stdout}{result.stderr}"
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _give_to(run_as: str | None, path: Path) -> None:
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _start(run_as: str | None, folder: Path) -> int:
    """Start the cluster of ``folder`` at a free port; that port."""
    data = folder / "data"
    settings = data / "postgresql.conf"
    base_settings = settings.read_text(encoding="utf-8")
    log = folder / "server.log"
    attempt = 1
    while True:
        port = _free_port()
        settings.write_text(
            base_settings + _SETTINGS.format(port=port, socket_dir=folder), encoding="utf-8"
        )
        try:
            _run(run_as, "pg_ctl", "start", "-D", str(data), "-l", str(log), "-w", "-s")
        except RuntimeError as exc:
            text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
            if "could not bind" in text and attempt < _START_ATTEMPTS:
                attempt += 1
                continue
            with contextlib.suppress(RuntimeError):  # a server that started too slowly
                _run(run_as, "pg_ctl", "stop", "-D", str(data), "-m", "immediate", "-w", "-s")
            raise RuntimeError(f"{exc}\nserver log:\n{text}") from None
        return port


def start_postgres() -> PostgresServer:
    """Create and start a cluster (see the module docstring); stop it with ``.stop()``.

    Raises
    ------
    PostgresUnavailableError
        When the binaries or the ``postgres`` user are missing.
    RuntimeError
        When ``initdb`` or ``pg_ctl`` fails (the message holds their output and the log).
    """
    if not (PG_BIN / "initdb").is_file() or not (PG_BIN / "pg_ctl").is_file():
        raise PostgresUnavailableError(
            f"PostgreSQL 15 is not installed ({PG_BIN} has no initdb/pg_ctl): install "
            "Debian's postgresql (apt-get install postgresql), as the README test command does"
        )
    run_as = _run_as_user()
    folder = Path(tempfile.mkdtemp(prefix="prrt-postgres-"))
    try:
        _give_to(run_as, folder)
        password = secrets.token_urlsafe(24)
        password_file = folder / "password"
        password_file.write_text(password + "\n", encoding="utf-8")
        _give_to(run_as, password_file)
        initdb_options = [
            f"--pwfile={password_file}",
            "--auth-local=peer",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        ]
        _run(run_as, "initdb", "-D", str(folder / "data"), "-U", SUPERUSER, *initdb_options)
        password_file.unlink()
        port = _start(run_as, folder)
        return PostgresServer(folder=folder, port=port, password=password, run_as=run_as)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
