"""Assemble the study report: every section, results.json, methods.md, metadata.

>>> from prrt.report.build import build_report           # doctest: +SKIP
>>> report = build_report(bundle, assessed, config=cfg)  # doctest: +SKIP
>>> report.results["n_patients"]                         # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from typing import TYPE_CHECKING, Any

from prrt.config import DEFAULT_CONFIG, AnalysisConfig, Config
from prrt.forked import map_forked
from prrt.report.model import Report, ReportSection
from prrt.report.sections.burden import build_burden_section
from prrt.report.sections.clinical import build_clinical_section
from prrt.report.sections.cohort import build_cohort_section
from prrt.report.sections.common import SectionResult, jsonable
from prrt.report.sections.data import CohortData, prepare_cohort
from prrt.report.sections.decision_aid import build_decision_aid_section
from prrt.report.sections.figures import build_figures_section
from prrt.report.sections.flow import build_flow_section
from prrt.report.sections.lesion_groups import build_lesion_groups_section
from prrt.report.sections.logistic import build_logistic_section
from prrt.report.sections.metabolic import build_metabolic_section
from prrt.report.sections.mm_paired import build_mm_paired_section
from prrt.report.sections.pfs_sensitivity import build_pfs_sensitivity_section
from prrt.report.sections.pr_end_by_mid import build_pr_end_by_mid_section
from prrt.report.sections.published import build_published_section
from prrt.report.sections.reader_agreement import (
    build_reader_agreement_section,
    has_several_evaluators,
)
from prrt.report.sections.response import build_response_section
from prrt.report.sections.survival import build_survival_section
from prrt.report.sections.timing import build_timing_section
from prrt.report.sections.toxicity import build_toxicity_section

if TYPE_CHECKING:
    from prrt.assess.api import AssessResult
    from prrt.io.bundle import Bundle

__all__ = [
    "ALWAYS_PRESENT",
    "RESULT_SECTIONS",
    "SECTION_APPLIES",
    "SECTION_BUILDERS",
    "SOFTWARE",
    "build_report",
    "methods_text",
    "software_versions",
]

SectionBuilder = Callable[[CohortData], SectionResult]

SECTION_BUILDERS: tuple[tuple[str, str, SectionBuilder], ...] = (
    ("cohort", "Cohort", build_cohort_section),
    ("patient-flow", "Patient flow", build_flow_section),
    ("response-by-timepoint", "Response by protocol timepoint", build_response_section),
    ("timing-first-pr", "Timing of the first partial response", build_timing_section),
    (
        "pr-end-by-mid",
        "PR at end of treatment by response at mid-treatment",
        build_pr_end_by_mid_section,
    ),
    ("tumour-burden", "Tumour-burden change from mid to end of treatment", build_burden_section),
    (
        "logistic-regression",
        "Multivariable logistic regression: PR at end of treatment",
        build_logistic_section,
    ),
    (
        "lesion-groups",
        "Objective response and disease control by lesion group",
        build_lesion_groups_section,
    ),
    (
        "mm-vs-other",
        "Mesenteric mass vs the other lesions in the same patients (paired)",
        build_mm_paired_section,
    ),
    ("survival", "Survival", build_survival_section),
    ("pfs-sensitivity", "PFS sensitivity to the censoring rules", build_pfs_sensitivity_section),
    ("patient-figures", "Per-patient figures", build_figures_section),
    ("metabolic-response", "SSTR-PET metabolic response (exploratory)", build_metabolic_section),
    ("clinical-response", "Clinical (symptom) response", build_clinical_section),
    ("toxicity", "Toxicity (CTCAE v5.0)", build_toxicity_section),
    (
        "decision-aid",
        "Mid-treatment decision aid: probability of PR at end (research output)",
        build_decision_aid_section,
    ),
    ("reader-agreement", "Inter-reader agreement", build_reader_agreement_section),
)
"""The sections in report order: key, title,
builder."""

SECTION_APPLIES: Mapping[str, Callable[[CohortData], bool]] = {
    "reader-agreement": has_several_evaluators,
}
"""Sections built only when their test holds (else absent, with no results.json key);
every other section is always built."""

ResultsBuilder = Callable[[CohortData, Mapping[str, Any]], SectionResult]

RESULT_SECTIONS: tuple[tuple[str, str, ResultsBuilder], ...] = (
    (
        "published-reference",
        "Published reference values (other cohorts, not comparable by design)",
        build_published_section,
    ),
)
"""Sections built after :data:`SECTION_BUILDERS` from their results.json values, in this
order at the end of the report (docs/decisions.md, D55)."""

LONGEST_FIRST = ("toxicity", "patient-figures", "survival", "decision-aid", "logistic-regression")
"""Sections that take longest on large cohorts (bench/bench_report.py), handed to the
workers first so that they finish together; the rest follow in report order."""

ALWAYS_PRESENT = (
    "metabolic",
    "clinical_response",
    "toxicity",
    "midpoint_model",
    "mm_vs_other_paired",
    "clinical_response_per_patient",
    "pfs_sensitivity",
    "published_reference",
)
"""results.json keys present in every report: a section that failed (a bug, said in its
note) leaves an empty object (docs/decisions.md, D61). Without PET, symptom or lab data the sections
themselves fill them with zero counts (their module docstrings)."""

SOFTWARE = (
    "prrt",
    "scipy",
    "statsmodels",
    "lifelines",
    "firthmodels",
    "fisher-rxc",
    "numpy",
    "pandas",
)
"""Distributions whose versions methods.md and the metadata name."""

INTERNAL_ERROR = "Internal error: this section could not be computed"
"""Start of the note of a section whose builder failed (a bug: please report it)."""


def build_report(
    bundle: Bundle,
    assessed: AssessResult,
    *,
    config: Config | AnalysisConfig = DEFAULT_CONFIG,
    workers: int = 1,
) -> Report:
    """Every analysis of the study report on the bundle's assessed patients.

    ``config`` is the whole configuration (``[analysis]`` and, for the primary BOR,
    ``[recist] confirmation_required``; the PFS sensitivity analyses re-derive endpoints
    under ``[recist]`` with one key changed, so pass the configuration ``assessed`` was
    computed with); an :class:`AnalysisConfig` alone is taken with the default
    ``[recist]``. ``[analysis] min_cycles`` restricts every analysis.
    A section that cannot be computed says why in its notes; the report is always built.
    ``workers`` > 1 builds the sections in that many forked processes
    (:func:`prrt.forked.map_forked`); the report is the same.
    """
    full = config if isinstance(config, Config) else Config(analysis=config)
    data = prepare_cohort(bundle, assessed, config=full)
    sections: list[ReportSection] = []
    results: dict[str, Any] = {"n_patients": data.n_patients}
    sentences: list[str] = []
    for built in _build_sections(data, workers=workers):
        sections.append(built.section)
        results.update(built.results)
        sentences += built.methods
    for key, title, later in RESULT_SECTIONS:
        built = _run(partial(_with_results, later, results), data, key=key, title=title)
        sections.append(built.section)
        results.update(built.results)
        sentences += built.methods
    for key in ALWAYS_PRESENT:
        results.setdefault(key, {})
    versions = software_versions()
    results["analysis_config"] = {
        "min_cycles": full.analysis.min_cycles,
        "km_ci": full.analysis.km_ci,
        "orr_threshold": (
            None if full.analysis.orr_threshold is None else float(full.analysis.orr_threshold)
        ),
        "orr_threshold_alternative": full.analysis.orr_threshold_alternative,
        "standard_activity_gbq": float(full.analysis.standard_activity_gbq),
        "confirmation_required": full.recist.confirmation_required,
    }
    results["software"] = versions
    synthetic = _is_synthetic(bundle)
    results["synthetic_data"] = synthetic
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = (
        f"{bundle.source.name}: {data.n_patients} patients analysed. "
        f"{data.cycle_filter.text()} Generated {generated}."
        + (" SYNTHETIC DATA." if synthetic else "")
    )
    return Report(
        title="PRRT cohort report",
        subtitle=subtitle,
        sections=tuple(sections),
        results=jsonable(results),
        methods=methods_text(sentences, versions=versions, data=data),
        metadata={
            **{f"version_{name}": version for name, version in versions.items()},
            "config_sha256": hashlib.sha256(repr(full).encode()).hexdigest(),
            "generated": generated,
            "source": str(bundle.source),
            "n_patients": str(data.n_patients),
            "synthetic": str(synthetic).lower(),
        },
    )


def _build_sections(data: CohortData, *, workers: int) -> list[SectionResult]:
    """Every section of :data:`SECTION_BUILDERS` that applies (:data:`SECTION_APPLIES`),
    in report order."""
    rank = {key: position for position, key in enumerate(LONGEST_FIRST)}
    applies = [
        index
        for index, (key, _, _) in enumerate(SECTION_BUILDERS)
        if SECTION_APPLIES.get(key, _always)(data)
    ]
    order = sorted(
        applies,
        key=lambda index: (rank.get(SECTION_BUILDERS[index][0], len(rank)), index),
    )

    def build(index: int) -> SectionResult:
        key, title, builder = SECTION_BUILDERS[index]
        return _run(builder, data, key=key, title=title)

    built = dict(zip(order, map_forked(build, order, workers=workers), strict=True))
    return [built[index] for index in applies]


def _always(_data: CohortData) -> bool:
    return True


def _with_results(
    builder: ResultsBuilder, results: Mapping[str, Any], data: CohortData
) -> SectionResult:
    """A :data:`RESULT_SECTIONS` builder called on the cohort and the results so far."""
    return builder(data, results)


def _run(builder: SectionBuilder, data: CohortData, *, key: str, title: str) -> SectionResult:
    """Build one section; an unexpected failure becomes a note, never a crash (D61)."""
    try:
        return builder(data)
    except Exception as exc:
        note = f"{INTERNAL_ERROR} ({type(exc).__name__}: {exc})."
        return SectionResult(
            section=ReportSection(key=key, title=title, summary="", notes=(note,)),
            results={},
        )


def software_versions() -> dict[str, str]:
    """Python and the installed versions of :data:`SOFTWARE` (importlib.metadata)."""
    versions = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def methods_text(sentences: list[str], *, versions: dict[str, str], data: CohortData) -> str:
    """methods.md: one paragraph naming each test, CI method and software version."""
    population = data.cycle_filter.methods_text()
    software = (
        f"Analyses used prrt {versions['prrt']} (Python {versions['python']}) with "
        f"SciPy {versions['scipy']}, statsmodels {versions['statsmodels']}, lifelines "
        f"{versions['lifelines']}, firthmodels {versions['firthmodels']} and fisher-rxc "
        f"{versions['fisher-rxc']}. All tests were two-sided unless stated otherwise."
    )
    paragraph = " ".join([population, *sentences, software])
    return "## Statistical methods\n\n" + paragraph + "\n"


def _is_synthetic(bundle: Bundle) -> bool:
    """True when the bundle carries the SYNTHETIC.md label of prrt.datasets."""
    source = bundle.source
    return (source / "SYNTHETIC.md").is_file() or source.with_name(
        f"{source.name}.SYNTHETIC.md"
    ).is_file()
