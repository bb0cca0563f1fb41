"""The exploratory metabolic responses as relations: metabolic_responses and
best_metabolic_response of ``prrt assess --engine columnar`` computed by DuckDB
(docs/outputs.md, "Metabolic responses"; docs/decisions.md, D58, D59, D216).

The reference (:func:`prrt.criteria.metabolic.evaluate.derive_metabolic_responses` and
the criteria it calls) stays the definition; tests/columnar compares the two. Every rule
below is one of the reference's, cited where it is defined.

Rule
----
0. Patients with PET data (:func:`prrt.criteria.metabolic.evaluate.has_pet_data`): a PET
   row of assessments.csv with a pet_lesions.csv row, a liver or spleen SUVmean or a
   Krenning score. Their scopes are those of their RECIST outputs (best_response.csv of
   the same run; :func:`prrt.assess.patient_metabolic.assess_patient_metabolic`); a PET
   lesion without a group takes that of the patient's CT lesion of the same ID
   (:mod:`prrt.columnar.pet_frames`).
1. PET baseline: the latest PET done on or before the reference date, the last row of
   its date (:func:`~prrt.criteria.metabolic.timepoints.select_pet_baseline`, D59). With
   one, every PET after the reference date is compared with it, in date then row order
   (:func:`~prrt.criteria.metabolic.timepoints.post_baseline_pets`).
2. Timepoint: a PET done takes the label (mid, end, post6m) of the CT/MRI protocol time
   point nearest in days within ``timepoint_window_days`` (a tie to the earlier CT); of
   several PETs taking one label, the nearest keeps it, a tie to the earlier PET
   (:func:`~prrt.criteria.metabolic.timepoints.derive_pet_timepoints`).
3. Scope lesions: by group (spec/recist11.md §12), new ones included
   (:func:`~prrt.criteria.metabolic.lesions.scope_lesions`). Followed lesions: the up to
   ``suvmax_max_lesions`` baseline lesions of the scope with the highest SUVmax, ties to
   the smaller ID, found at a scan by ID
   (:func:`~prrt.criteria.metabolic.lesions.follow_hottest`).
4. SUV criteria (:func:`~prrt.criteria.metabolic.lesions.assess_followed_lesions`): a sum
   ``S`` of the followed SUVmax, divided by ``10**scale`` (suvmax) or by the number of
   followed lesions times the scan's spleen SUVmean ``P`` (tumour_to_spleen,
   :func:`~prrt.criteria.metabolic.tumour_to_spleen.compute_tumour_to_spleen`). With
   ``P = 1`` for suvmax the percent change is ``100 (S1 P0 - S0 P1) / (S0 P1)`` and the
   thresholds ``n / d`` are decided by ``100 d (S1 P0 - S0 P1) >= n S0 P1`` in 128-bit
   integers (:meth:`~prrt.criteria.metabolic.thresholds.MetabolicThresholds.classify_change`);
   values are one division of exact doubles (:func:`~prrt.columnar.pet_frames.exact_limits_hold`).
5. Krenning (:func:`~prrt.criteria.metabolic.krenning.assess_krenning`): the highest
   score of the scope, the scan's own score in scope ``all`` when given.
6. Best response per scope and criterion
   (:func:`~prrt.criteria.metabolic.best_response.derive_best_metabolic_response`): the
   scans before a new therapy up to the first PMD count; the best by CMR > PMR > SMD >
   PMD > NE, the earliest on a tie.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prrt.assess.csv_format import format_header
from prrt.assess.parquet_format import arrow_schema
from prrt.assess.rows import METABOLIC_TABLE_COLUMNS, ColumnType, Row, output_types
from prrt.columnar.batch_runs import ConnectionShare, batch_count, run_batches
from prrt.columnar.batches import PatientRows, copied_out, patient_positions
from prrt.columnar.csv_text import csv_body, float_text
from prrt.columnar.pet_frames import PetFrames
from prrt.config import MetabolicConfig
from prrt.criteria.metabolic.result import MetabolicCategory, MetabolicReason
from prrt.criteria.metabolic.timepoints import POST_BASELINE_TIMEPOINTS
from prrt.model.enums import Timepoint

__all__ = [
    "PATIENTS_AT_ONCE",
    "metabolic_relation_rows",
    "metabolic_relations",
    "write_metabolic_csv",
]

_GRADED = ("value", "baseline_value")
"""The columns holding a Krenning grade (an int, written ``3``) on krenning rows."""
_LABELS = pa.array([str(t) for t in Timepoint], pa.string())
"""The CT/MRI protocol labels in the reference's order (timepoints.csv)."""
_PET_LABELS = pa.array([str(t) for t in POST_BASELINE_TIMEPOINTS], pa.string())
"""The labels a later PET can take."""


def metabolic_relations(
    frames: PetFrames,
    *,
    scopes: pa.Table,
    ct_timepoints: pa.Table,
    config: MetabolicConfig,
) -> dict[str, pa.Table]:
    """metabolic_responses and best_metabolic_response in the reference's order and
    Parquet schema (:func:`prrt.assess.parquet_format.arrow_schema`); empty when no
    patient has PET data or no criterion is configured.

    ``scopes``: ``patient_pos``, ``scope``, ``scope_rank`` of best_response.csv;
    ``ct_timepoints``: ``patient_pos``, ``timepoint``, ``date`` of timepoints.csv. The
    patients with PET rows are taken :data:`PATIENTS_AT_ONCE` at a time.
    """
    if not config.criteria:
        return {}
    inputs = {
        "patients": frames.patients,
        "scans": frames.scans,
        "lesions": frames.lesions,
        "scopes": scopes.select(["patient_pos", "scope", "scope_rank"]),
        "ct": _labelled(ct_timepoints),
    }
    cuts = {name: PatientRows.of(table, patient_positions(table)) for name, table in inputs.items()}
    criteria = _criteria(config.criteria)
    views_sql = _views_sql(frames.scale, config)

    def run_batch(con: duckdb.DuckDBPyConnection, patients: tuple[int, int]) -> list[pa.Table]:
        con.register("criteria", criteria)
        for name, cut in cuts.items():
            con.register(name, cut.between(*patients))
        con.execute(views_sql)
        return [copied_out(con.sql(sql).to_arrow_table()) for sql in (_RESPONSES_SQL, _BEST_SQL)]

    ranges = _patient_ranges(frames.scans.column("patient_pos"))
    if not ranges:
        return {}
    found_batches = run_batches(ranges, connect=_connection, run=run_batch)
    parts = zip(METABOLIC_TABLE_COLUMNS, zip(*found_batches, strict=True), strict=True)
    found = {name: pa.concat_tables(tables) for name, tables in parts}
    if not found["best_metabolic_response"].num_rows:
        return {}
    return {name: _typed(name, table) for name, table in found.items()}


def _connection(share: ConnectionShare) -> duckdb.DuckDBPyConnection:
    """An in-memory connection of the threads ``share`` gives it (D226); it closes as a
    context manager."""
    return duckdb.connect(config={"threads": share.threads})


PATIENTS_AT_ONCE = 50_000
"""About the most patients with PET rows whose relations DuckDB computes at once
(:func:`_patient_ranges`): every rule is a patient's own and every output is ordered by
patient first, so the batches' outputs, concatenated, are one run's (as the engine's
batches, D215)."""


def _patient_ranges(patient_pos: pa.ChunkedArray) -> list[tuple[int, int]]:
    """Consecutive ``[low, high)`` ranges of ``patient_pos``, each holding about as many
    of the patients with PET rows, at most about :data:`PATIENTS_AT_ONCE`, in a number
    the side-by-side connections share evenly
    (:func:`~prrt.columnar.batch_runs.batch_count`, D226)."""
    patients = np.unique(np.asarray(patient_pos.to_numpy()))
    if not len(patients):
        return []
    count = batch_count(len(patients), PATIENTS_AT_ONCE)
    firsts = (np.arange(count, dtype=np.int64) * len(patients)) // count
    lows = patients[firsts].tolist()
    return list(itertools.pairwise([*lows, int(patients[-1]) + 1]))


def metabolic_relation_rows(tables: dict[str, pa.Table]) -> dict[str, list[Row]]:
    """The rows of :func:`metabolic_relations` as the reference gives them: Krenning
    grades ``int``, the other values ``float`` (:func:`prrt.assess.rows.metabolic_rows`)."""
    rows: dict[str, list[Row]] = {}
    for name, table in tables.items():
        columns = {c: table.column(c).to_pylist() for c in table.column_names}
        if name == "metabolic_responses":
            graded = [c == "krenning" for c in columns["criterion"]]
            for column in _GRADED:
                columns[column] = [
                    int(v) if g and v is not None else v
                    for v, g in zip(columns[column], graded, strict=True)
                ]
        rows[name] = list(zip(*(columns[c] for c in METABOLIC_TABLE_COLUMNS[name]), strict=True))
    return rows


def write_metabolic_csv(table: pa.Table, name: str, out_dir: Path) -> Path:
    """Write a table of :func:`metabolic_relations` as ``out_dir/name.csv``, the bytes of
    the reference's writer (:mod:`prrt.columnar.csv_text`; a Krenning grade as an int)."""
    kinds = output_types(name)
    path = out_dir / f"{name}.csv"
    with path.open("wb") as handle:
        handle.write(format_header(kinds).encode("utf-8"))
        for piece in _csv_pieces(table, name, kinds):
            handle.write(piece)
    return path


def _csv_pieces(table: pa.Table, name: str, kinds: dict[str, ColumnType]) -> Iterator[pa.Buffer]:
    if name != "metabolic_responses":
        yield from csv_body(table, kinds)
        return
    graded = pc.equal(table.column("criterion"), "krenning")
    text_kinds = dict(kinds)
    for column in _GRADED:
        values = table.column(column).combine_chunks()
        grades = values.cast(pa.int64(), safe=False).cast(pa.string())
        text = pc.if_else(graded, grades, float_text(values))
        table = table.set_column(table.column_names.index(column), column, text)
        text_kinds[column] = ColumnType.TEXT
    yield from csv_body(table, text_kinds)


def _typed(name: str, table: pa.Table) -> pa.Table:
    schema = arrow_schema(name)
    return table.select(list(schema.names)).cast(schema)


def _labelled(ct_timepoints: pa.Table) -> pa.Table:
    """The CT/MRI time points a later PET can borrow, with their rank in the reference's
    order (its tie-break between two CTs of one date)."""
    rows = ct_timepoints.select(["patient_pos", "timepoint", "date"])
    rows = rows.filter(pc.is_in(rows.column("timepoint"), _PET_LABELS))
    ranks = pc.index_in(rows.column("timepoint"), value_set=_LABELS).cast(pa.int64())
    return rows.append_column("label_rank", ranks)


def _criteria(criteria: Sequence[str]) -> pa.Table:
    return pa.table(
        {"criterion": list(criteria), "crit_rank": pa.array(range(len(criteria)), pa.int64())}
    )


def _views_sql(scale: int, config: MetabolicConfig) -> str:
    """The relations every output reads (rules 0-5), the settings written in as integers:
    the patients, their scans, scopes, PET baselines and later scans are tables, made
    once, as several relations read each; the others are views (D229)."""
    progression = Fraction(config.progression_threshold_pct)
    response = Fraction(config.response_threshold_pct)
    settings = {
        "unit": 10**scale,
        "window": int(config.timepoint_window_days),
        "max_lesions": int(config.suvmax_max_lesions),
        "pn": progression.numerator,
        "pd": progression.denominator,
        "rn": response.numerator,
        "rd": response.denominator,
        "rise": int(config.krenning_progression_rise),
        "drop": int(config.krenning_response_drop),
    }
    return _VIEWS_SQL.format(
        **{k: int(v) for k, v in settings.items()}, category_of_reason=_CATEGORY_OF_REASON
    )


_CATEGORIES = {
    MetabolicReason.NEW_LESION: MetabolicCategory.PMD,
    MetabolicReason.NOT_DONE: MetabolicCategory.NE,
    MetabolicReason.NO_BASELINE_LESION: MetabolicCategory.NE,
    MetabolicReason.LESION_MISSING: MetabolicCategory.NE,
    MetabolicReason.SPLEEN_MISSING: MetabolicCategory.NE,
    MetabolicReason.KRENNING_MISSING: MetabolicCategory.NE,
    MetabolicReason.BASELINE_ZERO: MetabolicCategory.NE,
    MetabolicReason.LIVER_BACKGROUND: MetabolicCategory.CMR,
    MetabolicReason.KRENNING_ZERO: MetabolicCategory.CMR,
    MetabolicReason.PROGRESSION: MetabolicCategory.PMD,
    MetabolicReason.RESPONSE: MetabolicCategory.PMR,
    MetabolicReason.STABLE: MetabolicCategory.SMD,
}
"""The category each rule of a scan gives, in every criterion
(:func:`prrt.criteria.metabolic.lesions.assess_followed_lesions`,
:func:`prrt.criteria.metabolic.krenning.assess_krenning`): the relations decide the
rule (``reason``) and read the category off it."""
_CATEGORY_OF_REASON = (
    "CASE reason "
    + " ".join(f"WHEN '{reason}' THEN '{category}'" for reason, category in _CATEGORIES.items())
    + " END"
)

_VIEWS_SQL = """
-- tables where several relations read one (each view is computed again where it is
-- read; a table of a few rows per scan costs less, D229)
-- rule 0: the patients with PET data and their PET scans
CREATE OR REPLACE TEMP TABLE mpat AS
SELECT p.patient_pos, p.patient_id, p.reference_date, p.new_therapy_date
FROM patients p
WHERE p.patient_pos IN (
    SELECT patient_pos FROM scans
    WHERE liver IS NOT NULL OR spleen IS NOT NULL OR krenning IS NOT NULL
       OR scan_pos IN (SELECT scan_pos FROM lesions));

CREATE OR REPLACE TEMP TABLE ps AS
SELECT s.*, p.reference_date FROM scans s JOIN mpat p USING (patient_pos);

CREATE OR REPLACE TEMP TABLE pscope AS
SELECT s.patient_pos, s.scope, s.scope_rank,
       CASE WHEN s.scope = 'all' THEN 'all' ELSE split_part(s.scope, ':', 1) END AS kind,
       CASE WHEN s.scope = 'all' THEN NULL
            ELSE substr(s.scope, strpos(s.scope, ':') + 1) END AS sgrp
FROM scopes s JOIN mpat USING (patient_pos);

-- rule 1: the PET baseline and the later scans
CREATE OR REPLACE TEMP TABLE base AS
SELECT patient_pos, scan_pos AS base_pos, assessment_id AS base_id, date AS base_date,
       spleen AS base_spleen, krenning AS base_krenning
FROM ps
WHERE NOT not_done AND date <= reference_date
QUALIFY row_number() OVER (PARTITION BY patient_pos ORDER BY date DESC, scan_pos DESC) = 1;

CREATE OR REPLACE TEMP TABLE later AS
SELECT s.*, b.base_pos, b.base_id, b.base_date, b.base_spleen, b.base_krenning,
       row_number() OVER (PARTITION BY s.patient_pos ORDER BY s.date, s.scan_pos) AS ord
FROM ps s JOIN base b USING (patient_pos)
WHERE s.date > s.reference_date;

-- rule 2: the borrowed protocol labels
CREATE OR REPLACE TEMP VIEW nearest AS
SELECT l.patient_pos, l.scan_pos, l.date AS pet_date, c.timepoint,
       abs(date_diff('day', c.date, l.date)) AS dist
FROM later l JOIN ct c USING (patient_pos)
WHERE NOT l.not_done AND abs(date_diff('day', c.date, l.date)) <= {window}
QUALIFY row_number() OVER (PARTITION BY l.scan_pos ORDER BY dist, c.date, c.label_rank) = 1;

CREATE OR REPLACE TEMP VIEW label AS
SELECT scan_pos, timepoint FROM nearest
QUALIFY row_number() OVER (
    PARTITION BY patient_pos, timepoint ORDER BY dist, pet_date, scan_pos) = 1;

-- rule 3: the lesions of each scope, per scan, and the followed ones
CREATE OR REPLACE TEMP VIEW sl AS
SELECT l.patient_pos, l.scan_pos, p.scope, l.lesion_id, l.suv, l.krenning, l.is_new
FROM lesions l JOIN ps s USING (scan_pos) JOIN pscope p ON p.patient_pos = l.patient_pos
WHERE p.kind = 'all' OR (p.kind = 'only' AND l.grp = p.sgrp)
   OR (p.kind = 'without' AND l.grp IS DISTINCT FROM p.sgrp);

CREATE OR REPLACE TEMP VIEW scan_scope AS
SELECT scan_pos, scope, count(*) AS n_lesions, bool_or(is_new) AS any_new,
       max(suv) AS max_suv, max(krenning) AS max_k, count(*) - count(krenning) AS null_k
FROM sl GROUP BY scan_pos, scope;

CREATE OR REPLACE TEMP VIEW hot AS
SELECT sl.patient_pos, sl.scope, sl.lesion_id, sl.suv,
       row_number() OVER (
           PARTITION BY sl.patient_pos, sl.scope ORDER BY sl.suv DESC, sl.lesion_id) AS k
FROM sl JOIN base b ON sl.scan_pos = b.base_pos
QUALIFY k <= {max_lesions};

CREATE OR REPLACE TEMP VIEW followed AS
SELECT patient_pos, scope, count(*) AS n, sum(suv)::HUGEINT AS s0,
       string_agg(lesion_id, ';' ORDER BY k) AS ids
FROM hot GROUP BY patient_pos, scope;

CREATE OR REPLACE TEMP VIEW found AS
SELECT lt.scan_pos, h.scope, count(*) AS n_found, sum(l.suv)::HUGEINT AS s1
FROM later lt
JOIN hot h USING (patient_pos)
JOIN lesions l ON l.scan_pos = lt.scan_pos AND l.lesion_id = h.lesion_id
GROUP BY lt.scan_pos, h.scope;

-- rules 4-5: each criterion in each scope at each later scan
CREATE OR REPLACE TEMP VIEW grid AS
SELECT lt.patient_pos, lt.scan_pos, lt.ord, lt.assessment_id, lt.date, lt.not_done,
       lt.liver, lt.spleen, lt.krenning, lt.base_id, lt.base_date, lt.base_spleen,
       lt.base_krenning, p.scope, p.scope_rank, p.kind, c.criterion, c.crit_rank,
       coalesce(ss.any_new, false) AS any_new, coalesce(ss.n_lesions, 0) AS n_lesions,
       ss.max_suv, ss.max_k, ss.null_k,
       coalesce(bs.n_lesions, 0) AS base_n_lesions, bs.max_k AS base_max_k,
       bs.null_k AS base_null_k,
       coalesce(f.n, 0) AS n, f.s0, f.ids, coalesce(fd.n_found, 0) AS n_found, fd.s1,
       CASE WHEN c.criterion = 'suvmax' THEN 1::HUGEINT ELSE lt.base_spleen::HUGEINT END AS p0,
       CASE WHEN c.criterion = 'suvmax' THEN 1::HUGEINT ELSE lt.spleen::HUGEINT END AS p1
FROM later lt
JOIN pscope p USING (patient_pos)
CROSS JOIN criteria c
LEFT JOIN scan_scope ss ON ss.scan_pos = lt.scan_pos AND ss.scope = p.scope
LEFT JOIN scan_scope bs ON bs.scan_pos = lt.base_pos AND bs.scope = p.scope
LEFT JOIN followed f ON f.patient_pos = lt.patient_pos AND f.scope = p.scope
LEFT JOIN found fd ON fd.scan_pos = lt.scan_pos AND fd.scope = p.scope;

CREATE OR REPLACE TEMP VIEW suv_steps AS
SELECT *,
       CASE WHEN n = 0 THEN 'no_baseline_lesion'
            WHEN n_found < n THEN 'followed_lesion_missing' END AS problem,
       n > 0 AND coalesce(p0 > 0, false) AS base_ok,
       n > 0 AND NOT coalesce(p0 > 0, false) AS base_missing,
       NOT not_done AND n > 0 AND n_found = n AND coalesce(p1 > 0, false) AS value_ok,
       NOT not_done AND n > 0 AND n_found = n AND NOT coalesce(p1 > 0, false) AS value_missing,
       100 * (s1 * p0 - s0 * p1) AS change_num,
       s0 * p1 AS change_den
FROM grid WHERE criterion <> 'krenning';

CREATE OR REPLACE TEMP VIEW suv_rows AS
SELECT *,
       CASE WHEN any_new THEN 'new_lesion' WHEN not_done THEN 'not_done'
            WHEN problem IS NOT NULL THEN problem
            WHEN base_missing OR value_missing THEN 'spleen_suv_mean_missing'
            WHEN s0 = 0 THEN 'baseline_value_zero'
            WHEN liver IS NOT NULL AND n_lesions > 0 AND max_suv <= liver THEN 'at_or_below_liver'
            WHEN {pd} * change_num >= {pn} * change_den THEN 'progression_threshold'
            WHEN {rd} * change_num <= {rn} * change_den THEN 'response_threshold'
            ELSE 'stable' END AS reason,
       CASE WHEN value_ok THEN s1::DOUBLE / (
            CASE WHEN criterion = 'suvmax' THEN {unit} ELSE n * p1 END)::DOUBLE END AS value,
       CASE WHEN base_ok THEN s0::DOUBLE / (
            CASE WHEN criterion = 'suvmax' THEN {unit} ELSE n * p0 END)::DOUBLE END
           AS baseline_value,
       CASE WHEN value_ok AND base_ok AND s0 <> 0
            THEN change_num::DOUBLE / change_den::DOUBLE END AS pct_change,
       ids AS lesion_ids
FROM suv_steps;

CREATE OR REPLACE TEMP VIEW krenning_steps AS
SELECT *,
       CASE WHEN kind = 'all' AND base_krenning IS NOT NULL THEN base_krenning
            WHEN base_n_lesions = 0 OR base_null_k > 0 THEN NULL
            ELSE base_max_k END AS base_score,
       CASE WHEN not_done THEN NULL
            WHEN kind = 'all' AND krenning IS NOT NULL THEN krenning
            WHEN n_lesions = 0 OR null_k > 0 THEN NULL
            ELSE max_k END AS score
FROM grid WHERE criterion = 'krenning';

CREATE OR REPLACE TEMP VIEW krenning_rows AS
SELECT *,
       CASE WHEN any_new THEN 'new_lesion' WHEN not_done THEN 'not_done'
            WHEN base_score IS NULL OR score IS NULL THEN 'krenning_score_missing'
            WHEN score = 0 AND base_score > 0 THEN 'krenning_0'
            WHEN score - base_score >= {rise} THEN 'progression_threshold'
            WHEN base_score - score >= {drop} THEN 'response_threshold'
            ELSE 'stable' END AS reason,
       score::DOUBLE AS value, base_score::DOUBLE AS baseline_value,
       NULL::DOUBLE AS pct_change, NULL::VARCHAR AS lesion_ids
FROM krenning_steps;

-- a table: both outputs read it
CREATE OR REPLACE TEMP TABLE rated AS
SELECT patient_pos, scope, scope_rank, criterion, crit_rank, ord, scan_pos, assessment_id,
       date, value, baseline_value, pct_change, {category_of_reason} AS category, reason,
       base_id, base_date, lesion_ids
FROM (SELECT * FROM suv_rows UNION ALL BY NAME SELECT * FROM krenning_rows);
"""

_RESPONSES_SQL = """
SELECT m.patient_id, r.scope, r.assessment_id, r.date, lb.timepoint, r.criterion,
       r.value, r.baseline_value, r.pct_change, r.category, r.reason,
       r.base_id AS baseline_assessment_id, r.base_date AS baseline_date, r.lesion_ids
FROM rated r
JOIN mpat m USING (patient_pos)
LEFT JOIN label lb USING (scan_pos)
ORDER BY r.patient_pos, r.scope_rank, r.ord, r.crit_rank
"""

_BEST_SQL = """
WITH counting AS (
    SELECT r.*,
           CASE category WHEN 'CMR' THEN 0 WHEN 'PMR' THEN 1 WHEN 'SMD' THEN 2
                         WHEN 'PMD' THEN 3 ELSE 4 END AS category_rank
    FROM rated r JOIN mpat m USING (patient_pos)
    WHERE m.new_therapy_date IS NULL OR r.date < m.new_therapy_date
), stops AS (
    SELECT patient_pos, scope, criterion, min(ord) FILTER (WHERE category = 'PMD') AS pmd_ord
    FROM counting GROUP BY patient_pos, scope, criterion
), counted AS (
    SELECT c.*, c.category_rank * 4294967296 + c.ord AS preference
    FROM counting c JOIN stops s USING (patient_pos, scope, criterion)
    WHERE c.ord <= coalesce(s.pmd_ord, c.ord)
), best AS (
    SELECT patient_pos, scope, criterion,
           arg_min_null(category, preference) AS category,
           arg_min_null(reason, preference) AS reason,
           arg_min_null(date, preference) AS date,
           arg_min_null(assessment_id, preference) AS assessment_id,
           min(pct_change) AS best_pct_change,
           min(date) FILTER (WHERE category = 'PMD') AS first_pmd_date
    FROM counted GROUP BY patient_pos, scope, criterion
)
SELECT m.patient_id, p.scope, c.criterion,
       CASE WHEN b.category IS NOT NULL THEN b.category ELSE 'MISSING' END AS best_response,
       b.date AS best_response_date, b.assessment_id, b.best_pct_change, b.first_pmd_date,
       CASE WHEN b.category IS NOT NULL THEN b.reason
            WHEN bl.patient_pos IS NULL THEN 'no_pet_baseline'
            ELSE 'no_follow_up' END AS reason
FROM mpat m
JOIN pscope p USING (patient_pos)
CROSS JOIN criteria c
LEFT JOIN base bl ON bl.patient_pos = m.patient_pos
LEFT JOIN best b ON b.patient_pos = m.patient_pos AND b.scope = p.scope
                AND b.criterion = c.criterion
ORDER BY m.patient_pos, p.scope_rank, c.crit_rank
"""
