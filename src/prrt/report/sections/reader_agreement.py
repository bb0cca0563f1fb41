"""Inter-reader agreement: per-visit overall response and best overall response.

Only for a bundle whose patients are read by two or more evaluators (bundle.md 1.2;
:func:`has_several_evaluators`); a single-reader report has no such section and no
results.json key. For each pair of evaluators, over the analysed patients both read:

- per visit: the RECIST 1.1 overall response (scope ``all``) of the two reads of the same
  scan, a visit being one patient and assessment date (docs/decisions.md, D113);
- per patient: the primary best overall response (confirmed when
  ``[recist] confirmation_required``), scope ``all``.

Each with the agreement table, the share of agreement and Cohen's kappa with its
asymptotic 95 % CI (:func:`prrt.analysis.agreement.cohen_kappa`). The analyses of the
other sections use the accepted read of each patient (:mod:`.accepted`); this section
also says how it was chosen. results.json ``reader_agreement``.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pandas as pd

from prrt.analysis.agreement import KappaResult, cohen_kappa
from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.accepted import ReaderReads
from prrt.report.sections.common import SectionResult, format_count, format_estimate_ci
from prrt.report.sections.data import CATEGORIES, CohortData

__all__ = ["build_reader_agreement_section", "has_several_evaluators", "pair_visits"]

_KEY = "reader-agreement"
_TITLE = "Inter-reader agreement"
_SCOPE = "all"
_RULES = {
    "single": "read by one evaluator",
    "accepted_evaluator": "[analysis] accepted_evaluator",
    "flag": "accepted = true in assessments.csv",
}


def has_several_evaluators(data: CohortData) -> bool:
    """Whether the section applies: the bundle names two or more evaluators."""
    return data.reads is not None and len(data.reads.evaluators) >= 2


def pair_visits(rows: pd.DataFrame, first: str, second: str) -> tuple[pd.DataFrame, int, int]:
    """The two evaluators' overall responses of the same visits (docs/decisions.md, D113).

    Rule
    ----
    1. Post-baseline rows of scope ``all`` (an overall response given) of patients read
       by both evaluators.
    2. A visit is a patient and an assessment date: the reads of one scan share its
       date, whether the scan is a shared assessments.csv row or each evaluator's own.
    3. A date on which an evaluator has two rows (two scans of one day, a warning of
       the reader) is left out: its rows cannot be paired (``ambiguous``).
    4. A visit read by one evaluator only is not paired (``unpaired``).

    Returns the pairs (patient_id, date, first, second), unpaired and ambiguous visits.
    """
    done = rows[(rows["scope"] == _SCOPE) & rows["overall_response"].notna()]
    both = set(done.loc[done["evaluator"] == first, "patient_id"]) & set(
        done.loc[done["evaluator"] == second, "patient_id"]
    )
    keys = ["patient_id", "date"]
    reads = []
    ambiguous = 0
    for evaluator in (first, second):
        mine = done[(done["evaluator"] == evaluator) & done["patient_id"].isin(both)]
        twice = mine.duplicated(keys, keep=False)
        ambiguous += int(mine[twice].drop_duplicates(keys).shape[0])
        reads.append(mine[~twice][[*keys, "overall_response"]])
    merged = reads[0].merge(reads[1], on=keys, how="outer", suffixes=("_1", "_2"))
    paired = merged.dropna(subset=["overall_response_1", "overall_response_2"])
    pairs = paired.rename(
        columns={"overall_response_1": "first", "overall_response_2": "second"}
    ).reset_index(drop=True)
    return pairs, len(merged) - len(paired), ambiguous


def build_reader_agreement_section(data: CohortData) -> SectionResult:
    """Agreement tables and Cohen's kappa for every pair of evaluators."""
    reads = data.reads
    if reads is None or len(reads.evaluators) < 2:
        section = ReportSection(
            key=_KEY, title=_TITLE, summary="The bundle has a single reader.", notes=()
        )
        return SectionResult(section=section, results={})
    confirmed = data.config.recist.confirmation_required
    column = "bor_confirmed" if confirmed else "bor"
    primary = "confirmed" if confirmed else "unconfirmed"
    summary_rows: list[dict[str, Any]] = []
    tables: list[ReportTable] = []
    notes: list[str] = []
    pairs: list[dict[str, Any]] = []
    for number, (first, second) in enumerate(combinations(reads.evaluators, 2), start=1):
        visits, unpaired, ambiguous = pair_visits(reads.timepoint_responses, first, second)
        visit_kappa = _kappa(visits)
        bor_pairs = _bor_pairs(reads, first, second, column)
        bor_kappa = _kappa(bor_pairs)
        label = f"{first} vs {second}"
        summary_rows += [
            _summary_row(label, "overall response per visit", visit_kappa),
            _summary_row(label, f"best overall response ({primary})", bor_kappa),
        ]
        for what, kappa in (("per-visit", visit_kappa), ("BOR", bor_kappa)):
            if kappa.kappa is None:
                notes.append(f"{label}, {what}: {kappa.reason}.")
        if unpaired or ambiguous:
            notes.append(
                f"{label}: {unpaired} visit(s) read by one evaluator only and {ambiguous} "
                "date(s) with two scans of one evaluator are not paired."
            )
        tables += [
            _agreement_table(
                f"reader_visits_{number}",
                f"Overall response per visit: {label}",
                visit_kappa,
                (first, second),
                f"Scope all, post-baseline visits of the patients both evaluators read, "
                f"paired by assessment date (docs/decisions.md, D113); {visit_kappa.method}.",
            ),
            _agreement_table(
                f"reader_bor_{number}",
                f"Best overall response ({primary}): {label}",
                bor_kappa,
                (first, second),
                f"Scope all, patients both evaluators read; {bor_kappa.method}.",
            ),
        ]
        pairs.append(
            {
                "first": first,
                "second": second,
                "patients": len(bor_pairs),
                "visits": {
                    **_kappa_dict(visit_kappa),
                    "unpaired": unpaired,
                    "ambiguous": ambiguous,
                },
                "bor": {**_kappa_dict(bor_kappa), "column": column},
            }
        )
    accepted = _accepted_table(reads)
    tables.insert(
        0,
        ReportTable(
            name="reader_agreement",
            title="Agreement between evaluators",
            frame=pd.DataFrame(summary_rows),
            footnote=(
                "Agreement: items with the same category; kappa: Cohen's kappa with its "
                "asymptotic 95% CI (Fleiss, Cohen and Everitt 1969). Visits are not "
                "independent (several per patient): their CI is optimistic. "
                f"{data.cycle_filter.text()}"
            ),
        ),
    )
    tables.append(
        ReportTable(
            name="reader_accepted",
            title="Reads used by the other sections",
            frame=accepted,
            footnote=(
                "One read per patient enters the cohort analyses (docs/decisions.md, D112): "
                "the only one, else that of [analysis] accepted_evaluator, else the one "
                "marked accepted in assessments.csv."
            ),
        )
    )
    section = ReportSection(
        key=_KEY,
        title=_TITLE,
        summary=(
            f"{len(reads.evaluators)} evaluators read the scans: agreement of their "
            "overall responses per visit and of their best overall responses, with "
            "Cohen's kappa. The other sections use one accepted read per patient."
        ),
        tables=tuple(tables),
        notes=tuple(notes),
    )
    return SectionResult(
        section=section,
        results={
            "reader_agreement": {
                "evaluators": list(reads.evaluators),
                "accepted": _accepted_counts(reads),
                "pairs": pairs,
            }
        },
        methods=(
            "Agreement between evaluators on the RECIST 1.1 overall response of each visit "
            f"(scope all, visits paired by date) and on the {primary} best overall "
            "response was measured by Cohen's kappa (unweighted) with the asymptotic "
            "standard error of Fleiss, Cohen and Everitt (1969) and a Wald 95% confidence "
            "interval; the other analyses used one accepted read per patient.",
        ),
    )


def _bor_pairs(reads: ReaderReads, first: str, second: str, column: str) -> pd.DataFrame:
    best = reads.best_response
    best = best[best["scope"] == _SCOPE]
    one = best.loc[best["evaluator"] == first, ["patient_id", column]]
    two = best.loc[best["evaluator"] == second, ["patient_id", column]]
    merged = one.merge(two, on="patient_id", suffixes=("_1", "_2"))
    return merged.rename(columns={f"{column}_1": "first", f"{column}_2": "second"})


def _kappa(pairs: pd.DataFrame) -> KappaResult:
    return cohen_kappa(
        pairs["first"].astype(str).tolist(),
        pairs["second"].astype(str).tolist(),
        categories=CATEGORIES,
    )


def _summary_row(label: str, measure: str, kappa: KappaResult) -> dict[str, Any]:
    agree = sum(kappa.table[i][i] for i in range(len(kappa.categories)))
    return {
        "evaluators": label,
        "measure": measure,
        "n": kappa.n,
        "agreement": format_count(agree, kappa.n),
        "kappa (95% CI)": format_estimate_ci(kappa.kappa, kappa.ci_low, kappa.ci_high),
    }


def _agreement_table(
    name: str, title: str, kappa: KappaResult, readers: tuple[str, str], footnote: str
) -> ReportTable:
    frame = kappa.to_frame()
    frame.index.name = f"{readers[0]} \\ {readers[1]}"
    frame.columns.name = None
    return ReportTable(name=name, title=title, frame=frame.reset_index(), footnote=footnote)


def _kappa_dict(kappa: KappaResult) -> dict[str, Any]:
    return {
        "n": kappa.n,
        "observed_agreement": kappa.observed_agreement,
        "expected_agreement": kappa.expected_agreement,
        "kappa": kappa.kappa,
        "se": kappa.se,
        "ci_low": kappa.ci_low,
        "ci_high": kappa.ci_high,
        "level": kappa.level,
        "method": kappa.method,
        "reason": kappa.reason,
        "table": {
            row: dict(zip(kappa.categories, counts, strict=True))
            for row, counts in zip(kappa.categories, kappa.table, strict=True)
        },
    }


def _accepted_counts(reads: ReaderReads) -> dict[str, Any]:
    best = reads.best_response
    read = best[best["scope"] == _SCOPE].groupby("evaluator")["patient_id"].nunique()
    accepted = list(reads.accepted.values())
    chosen = list(reads.chosen_by.values())
    return {
        "patients_read": {e: int(read.get(e, 0)) for e in reads.evaluators},
        "patients_accepted": {e: accepted.count(e) for e in reads.evaluators},
        "single_reader_patients": accepted.count(""),
        "chosen_by": {rule: chosen.count(rule) for rule in _RULES},
    }


def _accepted_table(reads: ReaderReads) -> pd.DataFrame:
    """Per evaluator (and the single reader of patients no evaluator reads by name):
    patients read, accepted reads and the rules that chose them."""
    counts = _accepted_counts(reads)
    rows = []
    single = counts["single_reader_patients"]
    for evaluator in (*reads.evaluators, *([""] if single else [])):
        mine = [reads.chosen_by[p] for p, e in reads.accepted.items() if e == evaluator]
        rules = [f"{_RULES[rule]}: {mine.count(rule)}" for rule in _RULES if rule in mine]
        rows.append(
            {
                "evaluator": evaluator or "(single reader)",
                "patients read": counts["patients_read"][evaluator] if evaluator else single,
                "accepted reads": len(mine),
                "chosen by": "; ".join(rules) or "-",
            }
        )
    return pd.DataFrame(rows)
