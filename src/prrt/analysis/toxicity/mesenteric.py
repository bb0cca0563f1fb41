"""Adverse events attributed to the mesenteric mass (MesenLuth safety, DOMAIN.md §1.2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from prrt.analysis.proportions import ProportionResult, clopper_pearson
from prrt.analysis.toxicity.intervals import first_cycle_date
from prrt.analysis.toxicity.tables import rows_frame
from prrt.model.case import PatientCase

MESENTERIC_MASS = "mesenteric_mass"
"""adverse_events.csv ``attribution`` of events caused by the mesenteric mass."""
MASS_METHOD = (
    "Patients with >= 1 adverse event attributed to the mesenteric mass, of all patients; "
    "Clopper-Pearson exact CI"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MesentericMassEvent:
    """One adverse event attributed to the mesenteric mass."""

    patient_id: str
    term: str
    ctcae_grade: int
    onset_date: date
    serious: bool | None
    action: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MesentericMassResult:
    """Patients with >= 1 event attributed to the mesenteric mass, of all patients."""

    events: tuple[MesentericMassEvent, ...]
    proportion: ProportionResult
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per event: patient, term, grade, onset, serious, action."""
        return rows_frame(self.events, MesentericMassEvent)


def derive_mesenteric_mass_events(
    cases: Sequence[PatientCase], *, level: float = 0.95
) -> MesentericMassResult:
    """Adverse events attributed to the mesenteric mass (MesenLuth safety, DOMAIN.md §1.2).

    Rule
    ----
    1. Events: adverse_events.csv rows with ``attribution`` mesenteric_mass (any case),
       with onset on or after the first PRRT cycle (the reference date without cycles),
       at any time in follow-up.
    2. Rate: patients with >= 1 such event of all patients, Clopper-Pearson CI.

    Project decisions
    -----------------
    No upper time limit: mass complications (occlusion, ischaemia) are follow-up
    outcomes, not cycle toxicity; an event before treatment is not counted.
    """
    events = []
    for case in cases:
        start = first_cycle_date(case)
        events += [
            MesentericMassEvent(
                patient_id=case.patient_id,
                term=event.term,
                ctcae_grade=event.ctcae_grade,
                onset_date=event.onset_date,
                serious=event.serious,
                action=event.action,
            )
            for event in case.adverse_events
            if (event.attribution or "").strip().lower() == MESENTERIC_MASS
            and event.onset_date >= start
        ]
    k = len({event.patient_id for event in events})
    return MesentericMassResult(
        events=tuple(events),
        proportion=clopper_pearson(k, len(cases), level=level),
        method=MASS_METHOD,
    )
