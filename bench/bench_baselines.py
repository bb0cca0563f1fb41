"""Baselines for a columnar engine: a bare DuckDB pass, and pyrecist beside ``prrt assess``.

Usage::

    .venv/bin/python bench/bench_baselines.py --patients 100000 1000000 \\
        --pyrecist-patients 100000 --compare-patients 2000

Needs the ``bench`` extra (``pip install -e '.[bench]'``: duckdb and pyrecist).

1. Bare DuckDB pass, the yardstick of a columnar engine (docs/decisions.md, D175). For
   each size a Parquet bundle is simulated (seed 1, profile mixed, RECIST tables only) in
   chunks of ``--chunk`` patients with distinct patient IDs, each chunk written as a CSV
   bundle and appended to one Parquet file per table in the form ``prrt convert --to
   parquet`` writes (string columns, snappy). One SQL statement then joins the target
   lesions (lesions.parquet, role ``target``) to their measurements and assessments,
   reads each diameter as integer hundredths of a millimetre (DECIMAL(12,2) times 100,
   no float), sums them per patient and assessment, takes the minimum of the patient's
   earlier sums (the nadir before it, by assessment date) and writes the result to
   Parquet. It runs in a process of its own that imports duckdb alone; wall time as
   bench_assess.py measures it, memory as the process's peak resident set (a pass may end
   before the first quarter-second sample). The first patients' results are checked
   against Python's ``Decimal``. It is not an assessment: no too-small default, no NE,
   no non-targets or new lesions, no node rule.
2. pyrecist 0.1.0 beside ``prrt assess``, both on the same simulated CSV bundle. pyrecist
   reads one CSV of lesion measurements: the target lesions' rows that hold a diameter,
   dated by their assessment (YYYYMMDD), the patients numbered 1, 2, ... (pyrecist
   subtracts every column of a patient's rows, so IDs must be numbers); its baseline is
   each patient's first date. Its command line is timed, then ``prrt assess``; the ratio
   is wall time over that of ``prrt assess``. On a small cohort the per-assessment
   target response of both is compared and every difference given the reason found
   (baselines_agreement.py).

Results are printed as Markdown tables and appended to bench/results.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from baselines_agreement import compare
from bench_assess import RECIST_TABLES, heading, measure, print_and_append, run_assess

from prrt.datasets.simulate import PATIENT_ID_PREFIX, simulate_cohort
from prrt.io.writer import write_bundle

PASS_SQL = """
COPY (
    WITH target AS (
        SELECT patient_id, lesion_id
        FROM read_parquet('{bundle}/lesions.parquet')
        WHERE lower(role) = 'target'
    ),
    measured AS (
        SELECT m.patient_id, m.assessment_id,
               CAST(CAST(m.diameter_mm AS DECIMAL(12, 2)) * 100 AS BIGINT) AS diameter_hundredths
        FROM read_parquet('{bundle}/measurements.parquet') AS m
        JOIN target USING (patient_id, lesion_id)
        WHERE m.diameter_mm <> ''
    ),
    summed AS (
        SELECT s.patient_id, s.assessment_id, CAST(a.date AS DATE) AS assessment_date,
               s.sum_hundredths
        FROM (
            SELECT patient_id, assessment_id, sum(diameter_hundredths) AS sum_hundredths
            FROM measured
            GROUP BY patient_id, assessment_id
        ) AS s
        JOIN read_parquet('{bundle}/assessments.parquet') AS a USING (patient_id, assessment_id)
    )
    SELECT patient_id, assessment_id, assessment_date, sum_hundredths,
           min(sum_hundredths) OVER (
               PARTITION BY patient_id ORDER BY assessment_date, assessment_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS nadir_before_hundredths
    FROM summed
) TO '{out}' (FORMAT parquet, COMPRESSION snappy)
"""
"""The bare pass: the target sum per patient and assessment and the minimum of the earlier
sums (``S_t`` and ``N_t`` of recist11.md §4 in their barest form: rows without a diameter
are left out, not made NE or 5 mm, and the baseline needs no mark, being the first)."""

PASS_PROGRAM = (
    "import resource, sys, duckdb\n"
    "rows = duckdb.connect().execute(sys.argv[1]).fetchone()[0]\n"
    "peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "print(rows, duckdb.__version__, peak_kib, file=sys.stderr)\n"
)
"""The measured process: DuckDB with its defaults (one thread per core), nothing else. It
reports its own peak resident set (one process: nothing shared to split as PSS does), as
a pass of a second or less ends before the quarter-second memory samples see it."""

MEMORY_NOTE = (
    "Peak memory of the DuckDB pass: the process's own peak resident set (getrusage); "
    "of the others: sampled PSS of the process tree."
)
PYRECIST_NOTE = (
    "pyrecist reads one CSV of the target rows that hold a diameter and gives the target "
    "response alone; prrt assess reads and validates the whole RECIST bundle and gives "
    "target, non-target, new-lesion and overall responses, best response and endpoints."
)

CHECKED_PATIENTS = 500
"""The DuckDB result of this many patients is checked against Python's Decimal."""

PYRECIST_CLASSES = ("CR", "PR", "SD", "PD")
"""The classes pyrecist 0.1.0 names (it assigns every one but CR)."""


# -- simulated bundles --------------------------------------------------------------------


def recist_chunks(n_patients: int, *, seed: int, chunk: int) -> Iterator[dict[str, pd.DataFrame]]:
    """The RECIST tables of ``n_patients``, ``chunk`` patients at a time, IDs distinct.

    Chunk ``k`` is ``simulate_cohort(size, seed=seed + k)``; with one chunk that is the
    cohort bench_assess.py assesses. With more, chunk ``k``'s patient ``i`` is renumbered
    ``k * chunk + i``.
    """
    width = max(5, len(str(n_patients)))
    for k, start in enumerate(range(0, n_patients, chunk)):
        tables = simulate_cohort(min(chunk, n_patients - start), seed=seed + k, profile="mixed")
        chosen = {name: frame for name, frame in tables.items() if name in RECIST_TABLES}
        del tables
        if n_patients > chunk:
            for frame in chosen.values():
                number = frame["patient_id"].str.removeprefix(PATIENT_ID_PREFIX).astype(int)
                frame["patient_id"] = PATIENT_ID_PREFIX + (number + start).astype(str).str.zfill(
                    width
                )
        yield chosen


def _csv_as_text(path: Path) -> pa.Table:
    """A CSV table with every column read as text, as ``prrt convert`` reads it."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    types = {name: pa.string() for name in header}
    return pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(column_types=types))


def write_parquet_bundle(n_patients: int, folder: Path, *, seed: int, chunk: int) -> int:
    """Simulate a RECIST Parquet bundle into ``folder``; return its measurement rows."""
    folder.mkdir(parents=True)
    writers: dict[str, pq.ParquetWriter] = {}
    measurement_rows = 0
    try:
        for tables in recist_chunks(n_patients, seed=seed, chunk=chunk):
            with tempfile.TemporaryDirectory() as tmp:
                bundle = write_bundle(tables, Path(tmp) / "bundle")
                for name in tables:
                    table = _csv_as_text(bundle / f"{name}.csv")
                    if name not in writers:
                        writers[name] = pq.ParquetWriter(
                            folder / f"{name}.parquet", table.schema, compression="snappy"
                        )
                    writers[name].write_table(table)
            measurement_rows += len(tables["measurements"])
    finally:
        for writer in writers.values():
            writer.close()
    return measurement_rows


# -- 1. the bare DuckDB pass --------------------------------------------------------------


def run_duckdb_pass(bundle: Path, out: Path) -> tuple[float, int, int, str]:
    """Run the pass; return wall seconds, peak memory in KiB, result rows, duckdb version.

    The peak is the larger of the sampled PSS and the process's own peak resident set.
    """
    sql = PASS_SQL.format(bundle=bundle.as_posix(), out=out.as_posix())
    wall, sampled, stderr = measure([sys.executable, "-c", PASS_PROGRAM, sql], what="the pass")
    rows, version, peak_rss = stderr.split()[-3:]
    return wall, max(sampled, int(peak_rss)), int(rows), version


def check_exact(bundle: Path, result: Path) -> int:
    """Check the first patients' sums and nadirs against Decimal; return rows checked."""
    first = pq.read_table(bundle / "patients.parquet", columns=["patient_id"]).column(0)
    chosen = first.slice(0, CHECKED_PATIENTS).to_pylist()
    keep = [("patient_id", "in", chosen)]
    lesions = pd.read_parquet(bundle / "lesions.parquet", filters=keep)
    measurements = pd.read_parquet(bundle / "measurements.parquet", filters=keep)
    assessments = pd.read_parquet(bundle / "assessments.parquet", filters=keep)
    got = pd.read_parquet(result, filters=keep)
    targets = lesions.loc[lesions["role"].str.lower() == "target", ["patient_id", "lesion_id"]]
    rows = measurements.merge(targets, on=["patient_id", "lesion_id"])
    rows = rows[rows["diameter_mm"] != ""]
    hundredths = [Decimal(text) * 100 for text in rows["diameter_mm"]]
    if any(value != value.to_integral_value() for value in hundredths):
        raise SystemExit("a diameter has more than two decimals: not a valid bundle")
    rows = rows.assign(hundredths=[int(value) for value in hundredths])
    sums = rows.groupby(["patient_id", "assessment_id"], as_index=False)["hundredths"].sum()
    sums = sums.merge(assessments[["patient_id", "assessment_id", "date"]])
    sums = sums.sort_values(["patient_id", "date", "assessment_id"], ignore_index=True)
    earlier = sums.groupby("patient_id")["hundredths"].transform(lambda s: s.cummin().shift())
    expected = {
        (p, a): (int(s), None if pd.isna(n) else int(n))
        for p, a, s, n in zip(
            sums["patient_id"], sums["assessment_id"], sums["hundredths"], earlier, strict=True
        )
    }
    found = {
        (p, a): (int(s), None if pd.isna(n) else int(n))
        for p, a, s, n in zip(
            got["patient_id"],
            got["assessment_id"],
            got["sum_hundredths"],
            got["nadir_before_hundredths"],
            strict=True,
        )
    }
    if found != expected:
        wrong = sorted(set(found.items()) ^ set(expected.items()))[:5]
        raise SystemExit(f"the DuckDB pass differs from Decimal arithmetic: {wrong}")
    return len(found)


# -- 2. pyrecist beside prrt assess -------------------------------------------------------


def target_rows(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The target lesions of a bundle's tables and their measurement rows (file order)."""
    lesions = tables["lesions"]
    targets = lesions[lesions["role"].str.lower() == "target"]
    keys = targets[["patient_id", "lesion_id"]]
    return targets, tables["measurements"].merge(keys, on=["patient_id", "lesion_id"])


def pyrecist_input(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.Index]:
    """pyrecist's CSV: target rows with a diameter; and the patient IDs by number - 1."""
    _, rows = target_rows(tables)
    rows = rows[rows["diameter_mm"].notna()]
    dated = rows.merge(tables["assessments"][["patient_id", "assessment_id", "date"]])
    codes, patient_ids = pd.factorize(dated["patient_id"])
    frame = pd.DataFrame(
        {
            "patient_id": codes + 1,
            "study_date": dated["date"].astype(str).str.replace("-", "", regex=False),
            "measurement": dated["diameter_mm"],
            "lesion_label_alias": dated["lesion_id"],
            "lesion_category": "target",
        }
    )
    return frame, pd.Index(patient_ids)


def run_pyrecist(frame: pd.DataFrame, folder: Path) -> tuple[float, int, pd.DataFrame]:
    """Write pyrecist's CSV and run its command line; wall s, peak PSS KiB, its results."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "measurements.csv"
    frame.to_csv(path, index=False)
    command = [sys.executable, "-m", "pyrecist", str(path), "-o", str(folder)]
    wall, peak, _ = measure(command, what="pyrecist")
    return wall, peak, pd.read_csv(folder / "recist_evaluation.csv", dtype={"current_date": str})


# -- main ---------------------------------------------------------------------------------


def duckdb_part(
    sizes: list[int], *, seed: int, chunk: int, prrt_walls: dict[int, float], lines: list[str]
) -> list[str]:
    """Measure the bare DuckDB pass at each size; return the notes on its exactness."""
    notes: list[str] = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            bundle = Path(tmp) / "bundle"
            rows = write_parquet_bundle(n, bundle, seed=seed, chunk=chunk)
            prepare_s = time.perf_counter() - t0
            out = Path(tmp) / "target_sums.parquet"
            wall, peak_kib, result_rows, version = run_duckdb_pass(bundle, out)
            checked = check_exact(bundle, out)
        ratio = f"{wall / prrt_walls[n]:.2f}" if n in prrt_walls else "-"
        lines.append(
            f"| bare DuckDB pass (duckdb {version}, Parquet) | {n:,} | {rows:,} "
            f"| {result_rows:,} | {prepare_s:.1f} | {wall:.1f} | {peak_kib / 1024:,.0f} "
            f"| {ratio} |"
        )
        print(lines[-1], flush=True)
        notes.append(
            f"DuckDB pass, {n:,} patients: the first {CHECKED_PATIENTS} patients' sums and "
            f"nadirs ({checked:,} rows) equal Python's Decimal arithmetic."
        )
    return notes


def pyrecist_part(n: int, *, seed: int, lines: list[str]) -> float:
    """Time pyrecist and ``prrt assess`` on one CSV bundle of ``n`` patients; prrt's wall s."""
    t0 = time.perf_counter()
    tables = next(recist_chunks(n, seed=seed, chunk=n))
    frame, _ = pyrecist_input(tables)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = write_bundle(tables, Path(tmp) / "bundle")
        prepare_s = time.perf_counter() - t0
        rows = len(tables["measurements"])
        del tables
        prrt_wall, prrt_kib = run_assess(bundle, Path(tmp) / "out")
        prrt_rows = sum(1 for _ in (Path(tmp) / "out" / "timepoint_responses.csv").open()) - 1
        their_wall, their_kib, found = run_pyrecist(frame, Path(tmp) / "pyrecist")
    lines.append(
        f"| pyrecist 0.1.0 (CSV of target rows) | {n:,} | {len(frame):,} | {len(found):,} "
        f"| {prepare_s:.1f} | {their_wall:.1f} | {their_kib / 1024:,.0f} "
        f"| {their_wall / prrt_wall:.2f} |"
    )
    print(lines[-1], flush=True)
    lines.append(
        f"| prrt assess (CSV bundle, RECIST tables) | {n:,} | {rows:,} | {prrt_rows:,} "
        f"| {prepare_s:.1f} | {prrt_wall:.1f} | {prrt_kib / 1024:,.0f} | 1.00 |"
    )
    print(lines[-1], flush=True)
    return prrt_wall


def agreement_part(n: int, *, seed: int) -> list[str]:
    """Compare pyrecist's and prrt's target response per assessment on ``n`` patients."""
    tables = next(recist_chunks(n, seed=seed, chunk=n))
    frame, patient_ids = pyrecist_input(tables)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = write_bundle(tables, Path(tmp) / "bundle")
        run_assess(bundle, Path(tmp) / "out")
        _, _, found = run_pyrecist(frame, Path(tmp) / "pyrecist")
        counts, reasons = compare(tables, Path(tmp) / "out", found, patient_ids)
    total = sum(counts.values())
    same = sum(c for (ours, theirs), c in counts.items() if ours == theirs)
    theirs_labels = [*PYRECIST_CLASSES, "", "(no row)"]
    ours_labels = sorted({ours for ours, _ in counts})
    lines = [
        "",
        f"Target response per follow-up assessment, {n:,} patients (prrt: timepoint_responses"
        f".csv, scope all; pyrecist: classification): the same at {same:,} of {total:,} "
        f"({same / total:.1%}). Rows prrt, columns pyrecist (empty: no class):",
        "",
        "| prrt \\ pyrecist | " + " | ".join(label or "(empty)" for label in theirs_labels) + " |",
        "|---|" + "---:|" * len(theirs_labels),
    ]
    for ours in ours_labels:
        cells = " | ".join(f"{counts.get((ours, theirs), 0):,}" for theirs in theirs_labels)
        lines.append(f"| {ours or '(empty)'} | {cells} |")
    lines += ["", "| difference, as the rows show it | assessments |", "|---|---:|"]
    lines += [f"| {reason} | {count:,} |" for reason, count in reasons.most_common()]
    return lines


def main() -> None:
    """Measure the baselines at the sizes asked for and report them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--pyrecist-patients", type=int, nargs="*", default=[100_000])
    parser.add_argument("--compare-patients", type=int, default=2_000)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    lines = [
        heading("baselines of a columnar engine (bench/bench_baselines.py)"),
        "| job | patients | input rows | result rows | prepare s | wall s | peak memory MiB "
        "| wall / prrt assess |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    prrt_walls = {n: pyrecist_part(n, seed=args.seed, lines=lines) for n in args.pyrecist_patients}
    notes = duckdb_part(
        args.patients, seed=args.seed, chunk=args.chunk, prrt_walls=prrt_walls, lines=lines
    )
    if notes:
        lines += ["", *notes, MEMORY_NOTE]
    if prrt_walls:
        lines += [PYRECIST_NOTE]
    if args.compare_patients > 0:
        lines += agreement_part(args.compare_patients, seed=args.seed)
    print_and_append(lines)


if __name__ == "__main__":
    main()
