"""The columnar engine's compiled DuckDB SQL kept on disk between runs (docs/decisions.md,
D213).

Compiling the expressions to SQL takes about a second whatever the bundle's size, longer
than running a small bundle. The SQL depends only on the code, the library versions, the
input schemas and the configuration, so it is stored under a key made of all of them:
the bytes of every module of the installed ``prrt`` package, the versions of Ibis,
sqlglot and DuckDB, the schemas, the activity scale and the configuration's ``repr``.
Any change of these gives a new key; an entry is never trusted beyond its key.

Entries are JSON (no pickle: nothing in the cache can run code), written to a temporary
file and renamed, so a reader never sees half an entry. A missing, unreadable or broken
entry is compiled again; a directory that cannot be written is used read-only, or not at
all. The directory: ``PRRT_CACHE_DIR``, else ``$XDG_CACHE_HOME/prrt``, else
``~/.cache/prrt``; its ``columnar-sql`` folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa

__all__ = ["CachedPlan", "cache_folder", "load_plan", "plan_key", "store_plan"]

_FORMAT = 1
"""The layout of an entry; part of the key."""


@dataclass(frozen=True, slots=True)
class CachedPlan:
    """The SQL of one configuration and input schema (``prrt.columnar.engine``)."""

    stages: tuple[tuple[str, str], ...]
    """Tables created in this order before the outputs: name, SQL."""
    outputs: dict[str, tuple[str, pa.Schema]]
    """Per output table: its SQL and the Arrow schema of its result."""
    check: str | None
    """The end-anchor check, when the settings need one."""


def cache_folder() -> Path:
    """Where entries live (see the module docstring)."""
    given = os.environ.get("PRRT_CACHE_DIR")
    if given:
        root = Path(given)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg) if xdg else Path.home() / ".cache") / "prrt"
    return root / "columnar-sql"


@cache
def _code_fingerprint() -> str:
    """The installed package's modules and the versions of the libraries the SQL
    depends on, hashed once per process."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    for name in ("ibis-framework", "sqlglot", "duckdb"):
        digest.update(f"{name}=={version(name)}".encode())
    return digest.hexdigest()


_code_fingerprint()  # now, as the engine's modules are imported: a source file edited
# while a long run goes on must not key the SQL of the code the process runs


def plan_key(schemas: object, scale: int, config: object) -> str:
    """The key of a plan: the code, the schemas, the scale and the configuration."""
    text = f"{_FORMAT}\n{_code_fingerprint()}\n{schemas!r}\n{scale}\n{config!r}"
    return hashlib.sha256(text.encode()).hexdigest()


def load_plan(key: str) -> CachedPlan | None:
    """The stored plan of ``key``; None when there is none or it cannot be read."""
    try:
        entry = json.loads((cache_folder() / f"{key}.json").read_text(encoding="utf-8"))
        if entry["key"] != key:
            return None
        outputs = {
            name: (sql, pa.ipc.read_schema(pa.py_buffer(base64.b64decode(schema))))
            for name, (sql, schema) in entry["outputs"].items()
        }
        stages = tuple((str(name), str(sql)) for name, sql in entry["stages"])
        return CachedPlan(stages=stages, outputs=outputs, check=entry["check"])
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None


def store_plan(key: str, plan: CachedPlan) -> None:
    """Store ``plan`` under ``key``; silently nothing when the folder cannot be written
    (the plan is then compiled again next time)."""
    entry = {
        "key": key,
        "stages": [list(stage) for stage in plan.stages],
        "outputs": {
            name: [sql, base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")]
            for name, (sql, schema) in plan.outputs.items()
        },
        "check": plan.check,
    }
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False
        ) as handle:
            json.dump(entry, handle)
    except OSError:
        return
    try:
        os.replace(handle.name, folder / f"{key}.json")
    except OSError:
        Path(handle.name).unlink(missing_ok=True)
