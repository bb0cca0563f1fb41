"""Exact thresholds of the exploratory SSTR-PET criteria (EORTC 1999, Young et al.; D58).

Percent thresholds become exact fractions once; every comparison is an exact
cross-multiplication of fractions (as ``prrt.criteria.recist11.thresholds`` does for
RECIST): SUVs are exact decimals, never binary floating point, never rounded before
comparing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from prrt.config import MetabolicConfig
from prrt.criteria.metabolic.result import MetabolicCategory, MetabolicReason

__all__ = ["DEFAULT_THRESHOLDS", "MetabolicThresholds", "exact", "percent_change"]


@lru_cache(maxsize=1 << 16)
def exact(value: Decimal | int) -> Fraction:
    """An exact decimal (or integer) as an exact fraction (cached: SUVs repeat)."""
    return Fraction(value)


def percent_change(value: Fraction, baseline: Fraction) -> Fraction:
    """100 * (value - baseline) / baseline, exact; ``baseline`` must be positive.

    >>> percent_change(Fraction(75), Fraction(100)), percent_change(Fraction(1), Fraction(3))
    (Fraction(-25, 1), Fraction(-200, 3))
    """
    return 100 * (value - baseline) / baseline


@dataclass(frozen=True, slots=True, kw_only=True)
class MetabolicThresholds:
    """The ``[metabolic]`` thresholds as exact numbers (configuration.md, ``[metabolic]``).

    Every value is a project choice for exploratory use, none is a validated SSTR-PET
    cut-off (DOMAIN.md §3).
    """

    max_lesions: int  # EORTC 1999 leaves the number open; 5 as RECIST 1.1 targets
    response_pct: Fraction  # EORTC 1999 PMR: change <= -25 % (inclusive)
    progression_pct: Fraction  # EORTC 1999 PMD: change >= +25 % (inclusive)
    krenning_drop: int  # D58: a fall of >= 1 Krenning grade is response
    krenning_rise: int  # D58: a rise of >= 1 Krenning grade is progression

    @classmethod
    def from_config(cls, config: MetabolicConfig) -> MetabolicThresholds:
        """Convert the decimal configuration once."""
        return cls(
            max_lesions=config.suvmax_max_lesions,
            response_pct=exact(config.response_threshold_pct),
            progression_pct=exact(config.progression_threshold_pct),
            krenning_drop=config.krenning_response_drop,
            krenning_rise=config.krenning_progression_rise,
        )

    def classify_change(
        self, value: Fraction, baseline: Fraction
    ) -> tuple[MetabolicCategory, MetabolicReason]:
        """PMD, PMR or SMD from the exact change of a positive baseline value (EORTC 1999).

        Rule
        ----
        1. PMD: 100 * (value - baseline) >= progression_pct * baseline.
        2. PMR: 100 * (value - baseline) <= response_pct * baseline.
        3. Otherwise SMD.
        Both thresholds are inclusive; with response_pct < 0 < progression_pct (checked
        by the configuration) at most one of 1 and 2 holds.

        >>> t = DEFAULT_THRESHOLDS
        >>> [t.classify_change(Fraction(v), Fraction(100))[0].value for v in (75, 125, 76)]
        ['PMR', 'PMD', 'SMD']
        """
        change = 100 * (value - baseline)
        if change >= self.progression_pct * baseline:
            return MetabolicCategory.PMD, MetabolicReason.PROGRESSION
        if change <= self.response_pct * baseline:
            return MetabolicCategory.PMR, MetabolicReason.RESPONSE
        return MetabolicCategory.SMD, MetabolicReason.STABLE


DEFAULT_THRESHOLDS = MetabolicThresholds.from_config(MetabolicConfig())
"""The ``[metabolic]`` defaults."""
