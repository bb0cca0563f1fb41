"""Published figures of the two studies prrt reproduces, as frozen reference data.

The report sets this cohort's figures beside them (``prrt.report.sections.published``).
They are **other cohorts, not comparable by design**: other patients, selection (Halperin:
at least four cycles; MesenLuth: small-intestinal NET with a retractile mesenteric mass),
readers and schedules. Every value is quoted as the abstract gives it (DOMAIN.md §1.1-1.2);
a count or denominator that the abstract does not give is marked in ``note``
(docs/decisions.md, D52).

References
----------
.. [1] Halperin R et al. JCO Oncol Pract 2024;20:1401-1409.
.. [2] Al Mansour et al. J Nucl Med 2024;65:258-263 (MesenLuth).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "HALPERIN_2024",
    "MESENLUTH_2024",
    "NOT_COMPARABLE",
    "PUBLISHED_VALUES",
    "PublishedValue",
]

HALPERIN_2024 = "Halperin et al., JCO Oncol Pract 2024;20:1401-1409 (n = 51)"
MESENLUTH_2024 = "Al Mansour et al. (MesenLuth), J Nucl Med 2024;65:258-263 (n = 52)"
NOT_COMPARABLE = (
    "Published values come from other cohorts and are not comparable by design: other "
    "patients and selection (Halperin et al.: at least four PRRT cycles; MesenLuth: "
    "small-intestinal NET with a retractile mesenteric mass of at least 2 cm), readers, "
    "imaging schedules and definitions. They are shown for orientation only, never as a "
    "test or a target."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedValue:
    """One published figure, its citation, and what in this cohort corresponds to it."""

    key: str
    """results.json key under ``published_reference.values``."""
    citation: str
    measure: str
    published: str
    """As reported (abstract wording and rounding)."""
    published_value: float | None
    """The number itself (a proportion as a fraction, an odds ratio, months); None when
    the abstract gives none for this measure."""
    note: str
    """Denominator, definition or inference caveats; empty when there are none."""


PUBLISHED_VALUES: tuple[PublishedValue, ...] = (
    PublishedValue(
        key="halperin_pr_at_mid",
        citation=HALPERIN_2024,
        measure="PR at mid-treatment (after cycle 2)",
        published="not reported as a rate in the abstract",
        published_value=None,
        note="The abstract gives the share of PRs reached by cycle 2 (next row), not the "
        "PR rate at mid-treatment.",
    ),
    PublishedValue(
        key="halperin_pr_at_end",
        citation=HALPERIN_2024,
        measure="PR at end of treatment (after cycle 4)",
        published="PR 21, SD 23, PD 3 of 51 patients",
        published_value=21 / 51,
        note="21/51 = 41.2% computed from the reported counts; 47 of 51 had a response "
        "category, so about 4 were not evaluable.",
    ),
    PublishedValue(
        key="halperin_first_pr_by_mid",
        citation=HALPERIN_2024,
        measure="Share of PRs first seen at mid-treatment (by cycle 2)",
        published="70.4%",
        published_value=0.704,
        note="Consistent with 19/27 (inferred from the percentage): 27 patients reached "
        "PR at some time, not 21.",
    ),
    PublishedValue(
        key="halperin_aor_pr_end_given_mid",
        citation=HALPERIN_2024,
        measure="Adjusted odds ratio of PR at end for PR vs SD at mid (grade, site)",
        published="aOR 20.9 (P = .002)",
        published_value=20.9,
        note="Model and method (ML or penalised) not stated in the abstract.",
    ),
    PublishedValue(
        key="mesenluth_mm_orr",
        citation=MESENLUTH_2024,
        measure="Objective response rate of the mesenteric mass",
        published="4%",
        published_value=2 / 52,
        note="Consistent with 2/52 = 3.8% (count inferred from the percentage).",
    ),
    PublishedValue(
        key="mesenluth_non_mm_orr",
        citation=MESENLUTH_2024,
        measure="Objective response rate of the other (non-MM) lesions",
        published="8%",
        published_value=4 / 52,
        note="Consistent with 4/52 = 7.7% (count inferred from the percentage).",
    ),
    PublishedValue(
        key="mesenluth_non_mm_pfs",
        citation=MESENLUTH_2024,
        measure="Median PFS of the other (non-MM) lesions, months",
        published="50.3 months (95% CI 38.2-61.7)",
        published_value=50.3,
        note="CI method not stated.",
    ),
    PublishedValue(
        key="mesenluth_mm_pfs",
        citation=MESENLUTH_2024,
        measure="Median PFS of the mesenteric mass, months",
        published="not reached",
        published_value=None,
        note="",
    ),
    PublishedValue(
        key="mesenluth_clinical_response",
        citation=MESENLUTH_2024,
        measure="Clinical response of mesenteric-mass symptoms (per patient)",
        published="46%",
        published_value=12 / 26,
        note="Consistent with 12 of 26 symptomatic patients, 46.2% (count inferred from "
        "the percentage).",
    ),
    PublishedValue(
        key="mesenluth_mm_metabolic_response",
        citation=MESENLUTH_2024,
        measure="Metabolic response of the mesenteric mass",
        published="0%",
        published_value=0.0,
        note="0/52. Metabolic response rule not stated; prrt's criteria are exploratory.",
    ),
    PublishedValue(
        key="mesenluth_non_mm_metabolic_response",
        citation=MESENLUTH_2024,
        measure="Metabolic response of the other (non-MM) lesions",
        published="11.5%",
        published_value=6 / 52,
        note="Consistent with 6/52 (count inferred from the percentage). Metabolic "
        "response rule not stated; prrt's criteria are exploratory.",
    ),
)
"""Every published figure the report quotes, in report order."""
