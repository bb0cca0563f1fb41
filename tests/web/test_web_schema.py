"""Property-based run of the OpenAPI schema (schemathesis): no request makes a 5xx.

Every operation of ``/openapi.json`` is called with requests generated from its schema,
as an editor (API token; an administrator's for the operations an editor may not use),
twice: with generated path parameters (mostly unknown patients) and with those of the
stored patient P1 and its scan A0, so the generated bodies reach the validator, the engine
and the database. The check is schemathesis' ``not_a_server_error``; an exception inside
the application fails the test as well (Starlette's TestClient re-raises it). Report jobs
are queued and finish at once with an empty report: the real one starts a ``prrt report``
process, which has tests of its own.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup


def _helpers() -> ModuleType:
    """tests/web/helpers.py, loaded by path (the test folders are not packages)."""
    name = "prrt_web_tests_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("helpers.py"))
        assert spec is not None
        assert spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


h = _helpers()

MAX_EXAMPLES = 25
"""Per operation and pass (two passes): enough to reach every branch of the validation."""
SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
]
"""Large generated bodies are the point here, and a request through the engine is slow."""
STORED = {"patient_id": "P1", "assessment_id": "A0"}


@pytest.fixture
def web(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The application with its users and the patient P1 with the baseline scan A0; its
    report jobs write an empty report."""
    with h.make_web_app(db_url) as web:
        h.seed(web)
        jobs = web.app.state.jobs
        submit = jobs.submit

        def submit_empty(*, owner: str, kind: str, work: Any) -> Any:
            return submit(owner=owner, kind=kind, work=_empty_report)

        monkeypatch.setattr(jobs, "submit", submit_empty)
        yield web


def _empty_report(out: Path, progress: Any) -> None:
    out.mkdir(parents=True)


def _explore(
    operation: Any, headers: dict[str, str], path_parameters: dict[str, str] | None = None
) -> Counter[int]:
    """Call ``operation`` with generated requests; the status codes seen."""
    statuses: Counter[int] = Counter()

    @given(case=operation.as_strategy(path_parameters=path_parameters))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=SUPPRESSED)
    def explore(case: Any) -> None:
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=[not_a_server_error])

    explore()
    return statuses


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_generated_request_gets_a_server_error(web: Any) -> None:
    operations = _operations(web.app)
    assert {(op.method.upper(), op.path) for op in operations} >= {
        ("GET", "/api/patients"),
        ("POST", "/api/patients"),
        ("PUT", "/api/patients/{patient_id}/assessments/{assessment_id}"),
        ("POST", "/api/patients/{patient_id}/assessments/preview"),
    }
    seen: Counter[int] = Counter()
    for operation in operations:
        stored = {k: v for k, v in STORED.items() if f"{{{k}}}" in operation.path}
        for username in ("editor", "admin"):
            statuses = _explore(operation, web.bearer(username))
            if stored:
                statuses += _explore(operation, web.bearer(username), stored)
            if set(statuses) != {403}:
                break  # an editor may use it (else: an administrator's operation)
        assert set(statuses) != {403}, operation.path
        assert statuses[401] == 0, operation.path
        seen += statuses
    assert not any(status >= 500 for status in seen)
    assert sum(n for status, n in seen.items() if 200 <= status < 300) >= len(operations)


def test_the_exploration_reports_a_server_error() -> None:
    """The same exploration on an application that fails for some inputs fails."""
    app = FastAPI()

    @app.get("/items/{number}")
    def item(number: int) -> JSONResponse:
        return JSONResponse({"number": number}, status_code=500 if number > 3 else 200)

    (operation,) = _operations(app)
    with pytest.raises(FailureGroup, match="Server error"):
        _explore(operation, {})
