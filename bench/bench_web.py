"""Benchmark the web application: concurrent users reading patient pages and saving scans.

Usage::

    .venv/bin/python bench/bench_web.py --patients 5000 --users 50 --seconds 60

Simulates a bundle (seed 1, profile mixed), imports it into a new SQLite database, adds
one editor per simulated user, and starts ``prrt serve`` in its own process on 127.0.0.1
(loopback only). Every user logs in before the measurement starts, then sends one request
every ``--interval`` seconds (start times staggered) for ``--seconds``: four of five are
page reads (a patient's timeline or a scan's entry page), one in five is a save of a scan
through the JSON API (a target diameter changed with a reason; the server validates the
patient, stores the change with its audit entries and recomputes the responses). Each user
works on its own patients, so no save meets a conflict. Concurrency is bounded by the users
(one request in flight each). Targets: p95 under 100 ms for pages, under 200 ms for saves.
The table is printed and appended to bench/results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
from bench_assess import heading, print_and_append

from prrt.datasets.simulate import simulate_cohort
from prrt.io.writer import write_bundle

PASSWORD = "bench password 0123"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A free TCP port on the loopback address."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def prepare(folder: Path, patients: int, users: int) -> tuple[str, list[tuple[str, str]]]:
    """The database URL and (patient, assessment) pairs with a measured target."""
    bundle = folder / "bundle"
    write_bundle(simulate_cohort(patients, seed=1, profile="mixed"), bundle)
    url = f"sqlite:///{folder / 'prrt.db'}"
    prrt = [sys.executable, "-m", "prrt"]
    subprocess.run([*prrt, "db", "init", "--db", url], check=True, capture_output=True)
    subprocess.run(
        [*prrt, "db", "import", str(bundle), "--db", url], check=True, capture_output=True
    )
    for i in range(users):
        subprocess.run(
            [*prrt, "user", "add", f"editor{i}", "--role", "editor", "--db", url],
            input=PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
        )
    with (bundle / "measurements.csv").open(encoding="utf-8", newline="") as handle:
        pairs = sorted(
            {
                (r["patient_id"], r["assessment_id"])
                for r in csv.DictReader(handle)
                if r["diameter_mm"]
            }
        )
    return url, pairs


async def login(client: httpx2.AsyncClient, username: str) -> str:
    """Log in; return the session's CSRF token."""
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    answer = await client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.status_code
    patients = await client.get("/patients")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', patients.text)
    assert csrf is not None
    return csrf.group(1)


async def save_scan(client: httpx2.AsyncClient, csrf: str, pid: str, aid: str, step: int) -> float:
    """Change one target diameter of a scan through the API; the PUT's latency in s."""
    scan = (await client.get(f"/api/patients/{pid}/assessments/{aid}")).json()
    lesion = next(row for row in scan["lesions"] if row["diameter_mm"])
    value = float(lesion["diameter_mm"])
    lesion["diameter_mm"] = f"{value + (0.1 if step % 2 == 0 else -0.1):.1f}"
    body = {k: v for k, v in scan.items() if k != "version"}
    body.update(version=scan["version"], reason="benchmark remeasurement")
    started = time.perf_counter()
    answer = await client.put(
        f"/api/patients/{pid}/assessments/{aid}", json=body, headers={"x-csrf-token": csrf}
    )
    elapsed = time.perf_counter() - started
    if answer.status_code != 200:
        raise RuntimeError(f"save answered {answer.status_code}: {answer.text[:200]}")
    return elapsed


async def user(
    index: int,
    base: str,
    pairs: list[tuple[str, str]],
    *,
    users: int,
    seconds: float,
    interval: float,
    start_at: float,
    timings: dict[str, list[float]],
    errors: list[str],
) -> None:
    """One user's session: log in, then one request every ``interval`` seconds."""
    mine = pairs[index::users]
    async with httpx2.AsyncClient(base_url=base, timeout=30) as client:
        csrf = await login(client, f"editor{index}")
        await asyncio.sleep(max(0.0, start_at - time.perf_counter()) + interval * index / users)
        step = 0
        end = start_at + seconds
        while time.perf_counter() < end:
            tick = time.perf_counter()
            pid, aid = mine[step % len(mine)]
            try:
                if step % 5 == 4:
                    timings["save"].append(await save_scan(client, csrf, pid, aid, step))
                else:
                    path = (
                        f"/patients/{pid}"
                        if step % 2 == 0
                        else f"/patients/{pid}/assessments/{aid}"
                    )
                    started = time.perf_counter()
                    answer = await client.get(path)
                    timings["page"].append(time.perf_counter() - started)
                    if answer.status_code != 200:
                        errors.append(f"{path}: {answer.status_code}")
            except (httpx2.HTTPError, RuntimeError) as exc:
                errors.append(str(exc))
            step += 1
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - tick)))


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


async def run_users(
    base: str, pairs: list[tuple[str, str]], args: argparse.Namespace
) -> tuple[dict[str, list[float]], list[str]]:
    timings: dict[str, list[float]] = {"page": [], "save": []}
    errors: list[str] = []
    start_at = time.perf_counter() + 5 + args.users * 0.05  # every login done before
    await asyncio.gather(
        *(
            user(
                i,
                base,
                pairs,
                users=args.users,
                seconds=args.seconds,
                interval=args.interval,
                start_at=start_at,
                timings=timings,
                errors=errors,
            )
            for i in range(args.users)
        )
    )
    return timings, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args()
    title = heading("prrt serve (bench/bench_web.py)", sampling=None)  # the state at start
    with tempfile.TemporaryDirectory(prefix="prrt-bench-web-") as tmp:
        started = time.perf_counter()
        url, pairs = prepare(Path(tmp), args.patients, args.users)
        print(f"prepared {args.patients} patients in {time.perf_counter() - started:.0f} s")
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prrt",
                "serve",
                "--db",
                url,
                "--host",
                LOOPBACK,
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://{LOOPBACK}:{port}"
        try:
            for _ in range(300):
                try:
                    httpx2.get(f"{base}/login", timeout=1)
                    break
                except httpx2.HTTPError:
                    time.sleep(0.1)
            time.sleep(20)  # the patient list's summaries are computed at start-up
            timings, errors = asyncio.run(run_users(base, pairs, args))
        finally:
            server.terminate()
            server.wait(timeout=30)
    lines = [
        title,
        f"{args.patients} patients, SQLite, {args.users} users logged in, one request per user "
        f"every {args.interval:g} s for {args.seconds:g} s (4 page reads : 1 API save with the "
        "responses recomputed); latency in ms, measured by the clients on 127.0.0.1.",
        "",
        "| requests | n | p50 | p95 | max | target p95 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, target in (("page", 100), ("save", 200)):
        values = timings[kind]
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 0.5):.0f} | "
            f"{percentile(values, 0.95):.0f} | {max(values) * 1000:.0f} | < {target} |"
        )
    lines.append(f"\nErrors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print_and_append(lines)


if __name__ == "__main__":
    main()
