"""The PET data of a checked bundle as Arrow tables with exact integer SUVs, for the
metabolic responses in relational form (:mod:`prrt.columnar.metabolic_relations`;
docs/decisions.md, D216).

SUVs are exact decimals (bundle.md 1.1, ``NUMBER`` cells); here every SUV of the bundle
(pet_lesions.csv ``suv_max``, assessments.csv ``liver_suv_mean`` and ``spleen_suv_mean``)
becomes a whole number of the same unit, ``10**-scale`` with ``scale`` the most decimals
any of them has, so that sums, ratios and the thresholds' cross-multiplications are
integer arithmetic. Where the numbers are too large for that arithmetic to stay exact
(:func:`exact_limits_hold`), there are no frames and the reference path computes the
metabolic files (D216).

Only data is moved here (the rows of the patients with PET data, their CT lesions'
groups); every rule is applied in relational form.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import duckdb
import numpy as np
import pyarrow as pa

from prrt.columnar.frames import check_supported, written_text
from prrt.columnar.patient_dates import date_array
from prrt.config import MetabolicConfig
from prrt.io.validate import CheckedBundle
from prrt.io.validate_cells import ParsedTable

__all__ = ["PetFrames", "exact_limits_hold", "pet_frames"]

EXACT_LIMIT = 1 << 53
"""Integers below this are exact doubles: a quotient of two of them, one IEEE division,
is the correctly rounded double of the exact fraction, which is what
``float(Fraction)`` gives the reference."""
MAX_SCALE = 15
"""The most SUV decimals the frames hold (``10**15`` is below :data:`EXACT_LIMIT`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PetFrames:
    """The PET rows of one bundle, SUVs as integers of ``10**-scale``."""

    patients: pa.Table
    """``patient_pos``, ``patient_id``, ``reference_date``, ``new_therapy_date``: the
    usable patients.csv rows."""
    scans: pa.Table
    """``scan_pos`` (the assessments.csv row), ``patient_pos``, ``assessment_id``,
    ``date``, ``not_done``, ``liver``, ``spleen`` (int64 SUVs, null when empty),
    ``krenning`` (int64, null when empty): the PET rows of assessments.csv."""
    lesions: pa.Table
    """``patient_pos``, ``scan_pos``, ``lesion_id``, ``grp`` (the row's group, else the group of the
    patient's CT lesion of the same ID; null when neither), ``suv`` (int64),
    ``krenning`` (int64, null when empty), ``is_new``: the pet_lesions.csv rows."""
    scale: int
    """The decimals of every SUV integer."""
    largest_suv: int
    """The largest SUV integer (0 without any)."""


def pet_frames(checked: CheckedBundle) -> PetFrames | None:
    """The PET data of a supported bundle (:func:`~prrt.columnar.frames.check_supported`
    first); None when some SUV has more than :data:`MAX_SCALE` decimals."""
    check_supported(checked)
    tables, links = checked.tables, checked.links
    assessments, pet_lesions = tables["assessments"], tables["pet_lesions"]
    owner = links.patient["assessments"]
    scan_rows = np.flatnonzero((owner >= 0) & assessments.value_in("modality", ("PET",)))
    lesion_scan = links.assessment["pet_lesions"]
    lesion_rows = np.flatnonzero(lesion_scan >= 0)
    suvs = {
        "liver": _decimals(assessments, "liver_suv_mean", scan_rows),
        "spleen": _decimals(assessments, "spleen_suv_mean", scan_rows),
        "suv": _decimals(pet_lesions, "suv_max", lesion_rows),
    }
    scale = max((_places(d) for _, distinct in suvs.values() for d in distinct), default=0)
    if scale > MAX_SCALE:
        return None
    units = {name: _units(distinct, scale) for name, (_, distinct) in suvs.items()}
    largest = max((max(found, default=0) for found in units.values()), default=0)
    if largest >= EXACT_LIMIT:
        return None
    whole = {name: _whole(suvs[name][0], found) for name, found in units.items()}
    patients = np.flatnonzero(links.usable["patients"])
    values = tables["patients"].values
    scans = pa.table(
        {
            "scan_pos": pa.array(scan_rows, pa.int64()),
            "patient_pos": pa.array(owner[scan_rows], pa.int64()),
            "assessment_id": written_text(assessments, "assessment_id", scan_rows),
            "date": pa.array(assessments.values["date"][scan_rows], pa.date32()),
            "not_done": pa.array(assessments.values["not_done"][scan_rows] == 1),
            "liver": whole["liver"],
            "spleen": whole["spleen"],
            "krenning": _score(assessments.values["krenning_score"][scan_rows]),
        }
    )
    lesions = pa.table(
        {
            "scan_pos": pa.array(lesion_scan[lesion_rows], pa.int64()),
            "lesion_id": written_text(pet_lesions, "lesion_id", lesion_rows),
            "own_grp": _group(pet_lesions.values["group"][lesion_rows]),
            "suv": whole["suv"],
            "krenning": _score(pet_lesions.values["krenning_score"][lesion_rows]),
            "is_new": pa.array(pet_lesions.values["new"][lesion_rows] == 1),
        }
    )
    ct_owner = links.patient["lesions"]
    ct_rows = np.flatnonzero(ct_owner >= 0)
    ct_lesions = pa.table(
        {
            "patient_pos": pa.array(ct_owner[ct_rows], pa.int64()),
            "lesion_id": written_text(tables["lesions"], "lesion_id", ct_rows),
            "ct_grp": _group(tables["lesions"].values["group"][ct_rows]),
        }
    )
    return PetFrames(
        patients=pa.table(
            {
                "patient_pos": pa.array(patients, pa.int64()),
                "patient_id": written_text(tables["patients"], "patient_id", patients),
                "reference_date": date_array(checked.timeline.reference[patients]),
                "new_therapy_date": date_array(values["new_therapy_date"][patients]),
            }
        ),
        scans=scans,
        lesions=_with_ct_groups(lesions, scans, ct_lesions),
        scale=scale,
        largest_suv=largest,
    )


def exact_limits_hold(frames: PetFrames, config: MetabolicConfig) -> bool:
    """Whether every product the criteria form stays below :data:`EXACT_LIMIT`: the
    percent change ``100 (S1 P0 - S0 P1) / (S0 P1)`` of sums ``S`` of up to
    ``suvmax_max_lesions`` SUVs and spleen values ``P``, and its comparison with a
    threshold ``n / d`` cross-multiplied (``100 d (S1 P0 - S0 P1) >= n S0 P1``); then
    every value, change and comparison is exact (D216)."""
    progression = Fraction(config.progression_threshold_pct)
    response = Fraction(config.response_threshold_pct)
    factor = max(
        100 * progression.denominator,
        100 * response.denominator,
        abs(progression.numerator),
        abs(response.numerator),
    )
    largest = max(frames.largest_suv, 1)
    product = factor * config.suvmax_max_lesions * largest * largest
    return product < EXACT_LIMIT and 10**frames.scale < EXACT_LIMIT


def _with_ct_groups(lesions: pa.Table, scans: pa.Table, ct_lesions: pa.Table) -> pa.Table:
    """``grp``: the PET row's group, else that of the patient's CT lesion of the same ID
    (:func:`prrt.criteria.metabolic.evaluate.derive_metabolic_responses`, rule 1)."""
    with duckdb.connect() as con:
        con.register("lesions", lesions)
        con.register("scans", scans)
        con.register("ct_lesions", ct_lesions)
        return con.sql(
            """
            SELECT s.patient_pos, l.scan_pos, l.lesion_id,
                   coalesce(l.own_grp, c.ct_grp) AS grp, l.suv, l.krenning, l.is_new
            FROM lesions l
            JOIN scans s USING (scan_pos)
            LEFT JOIN ct_lesions c ON c.patient_pos = s.patient_pos
                                  AND c.lesion_id = l.lesion_id
                                  AND l.own_grp IS NULL
            ORDER BY l.scan_pos, l.lesion_id
            """
        ).to_arrow_table()


def _decimals(
    table: ParsedTable, column: str, rows: np.ndarray
) -> tuple[np.ndarray, list[Decimal | None]]:
    """The codes of ``column`` at ``rows`` (-1 where empty) and each code's Decimal:
    every distinct text parsed once (the checks' codes)."""
    codes, _ = table.factorized(column)
    codes = codes[rows]
    first = np.full(int(codes.max(initial=-1)) + 1, -1, dtype=np.int64)
    first[codes[::-1]] = rows[::-1]  # the first row of each code
    cells = table.values[column]
    distinct = [cells[row] if row >= 0 else None for row in first.tolist()]
    empty = np.array([d is None for d in distinct] or [True], dtype=bool)
    return np.where(empty[codes], -1, codes), distinct


def _places(value: Decimal | None) -> int:
    if value is None:
        return 0
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # checked cells are finite decimals
    return max(-exponent, 0)


def _units(distinct: list[Decimal | None], scale: int) -> list[int]:
    """Each Decimal as a whole number of ``10**-scale`` (exact: ``scale`` is at least its
    decimals); 0 for an empty cell."""
    return [0 if d is None else int(Fraction(d) * 10**scale) for d in distinct]


def _whole(codes: np.ndarray, units: list[int]) -> pa.Array:
    """Each row's integer (:func:`_units` by code); null where the code is -1."""
    table = np.array(units or [0], dtype=np.int64)
    return pa.array(table[np.maximum(codes, 0)], pa.int64(), mask=codes < 0)


def _score(values: np.ndarray) -> pa.Array:
    """INTEGER cells: -1 when empty (:mod:`prrt.io.validate_cells`)."""
    return pa.array(values, pa.int64(), mask=values < 0)


def _group(values: np.ndarray) -> pa.Array:
    """GROUP cells: ``""`` when empty."""
    text = pa.array(np.asarray(values, dtype=object), pa.string())
    return pa.compute.if_else(pa.compute.equal(text, ""), pa.scalar(None, pa.string()), text)
