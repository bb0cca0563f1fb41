"""Platelet nadirs: the lowest count of each cycle interval and its day (DOMAIN.md §2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from prrt.analysis.toxicity.intervals import (
    DEFAULT_WINDOW,
    CycleInterval,
    ToxicityWindow,
    derive_cycle_intervals,
    interval_index,
)
from prrt.analysis.toxicity.tables import rows_frame
from prrt.model.case import PatientCase
from prrt.model.clinical import LabTest, LabValue

NADIR_METHOD = (
    "Median (IQR, type 7 quantiles) of days from cycle to lowest platelet count of its "
    "interval, over patient-cycle intervals"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlateletNadir:
    """The lowest platelet count of one cycle interval and its day after the cycle."""

    patient_id: str
    course: int
    cycle: int
    cycle_date: date
    nadir_date: date
    nadir_value: Decimal
    days_to_nadir: int
    n_values: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PlateletNadirResult:
    """Days from each cycle to its platelet nadir, summarised over patient-intervals."""

    nadirs: tuple[PlateletNadir, ...]
    n_intervals: int
    n_patients: int
    median_days: float | None
    q1_days: float | None
    q3_days: float | None
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per patient-interval with a platelet value."""
        return rows_frame(self.nadirs, PlateletNadir)


def _nadir(patient_id: str, interval: CycleInterval, values: Sequence[LabValue]) -> PlateletNadir:
    lowest = min(values, key=lambda value: (value.value, value.date))
    return PlateletNadir(
        patient_id=patient_id,
        course=interval.course,
        cycle=interval.cycle,
        cycle_date=interval.cycle_date,
        nadir_date=lowest.date,
        nadir_value=lowest.value,
        days_to_nadir=(lowest.date - interval.cycle_date).days,
        n_values=len(values),
    )


def derive_platelet_nadirs(
    cases: Sequence[PatientCase], *, window: ToxicityWindow = DEFAULT_WINDOW
) -> PlateletNadirResult:
    """Days from each cycle to the lowest platelet count of its interval (DOMAIN.md §2).

    Rule
    ----
    1. For every patient and cycle interval (:func:`derive_cycle_intervals`) with at
       least one platelet value, the nadir is the lowest value; ties: the earliest.
    2. Days to nadir = nadir date - cycle date.
    3. Summary over patient-intervals: median and quartiles (type 7, R's default).

    Project decisions
    -----------------
    Every interval with a platelet value counts, even one with only the pre-dose value
    of the next cycle: the nadir can only be as precise as the sampling, and
    ``n_values`` says how many values each nadir was chosen from.
    """
    nadirs = []
    for case in cases:
        intervals = derive_cycle_intervals(case.cycles, window=window)
        platelets = [value for value in case.labs if value.test == LabTest.PLATELETS]
        inside: dict[int, list[LabValue]] = {}
        for value in platelets:
            index = interval_index(intervals, value.date)
            if index is not None:
                inside.setdefault(index, []).append(value)
        nadirs += [
            _nadir(case.patient_id, intervals[index], values)
            for index, values in sorted(inside.items())
        ]
    days = np.array([nadir.days_to_nadir for nadir in nadirs], dtype=float)
    median, q1, q3 = (
        (float(np.median(days)), float(np.percentile(days, 25)), float(np.percentile(days, 75)))
        if len(days)
        else (None, None, None)
    )
    return PlateletNadirResult(
        nadirs=tuple(nadirs),
        n_intervals=len(nadirs),
        n_patients=len({nadir.patient_id for nadir in nadirs}),
        median_days=median,
        q1_days=q1,
        q3_days=q3,
        method=NADIR_METHOD,
    )
