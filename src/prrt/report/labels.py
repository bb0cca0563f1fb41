"""How codes and P values read in the displayed report (HTML, PDF, tables.xlsx, figures).

The analyses and the machine-readable files (``tables/*.csv``, results.json) speak in
codes: scopes ``all``, ``only:mesenteric_mass``; site groups ``small_intestine``; protocol
timepoints ``post6m``; model terms ``mid_PR``. A reader sees labels: "All lesions",
"Mesenteric mass only", "Small intestine", "6 months after last cycle", "PR at mid"
(docs/decisions.md, D38). This module is the one place that turns a code into a label;
the renderers (:mod:`prrt.report.render`) apply it to every displayed table, the section
and figure code to their titles and legends.

>>> scope_label("only:mesenteric_mass"), site_label("small_intestine"), term_label("mid_PR")
('Mesenteric mass only', 'Small intestine', 'PR at mid')
>>> format_p(0.0432), format_p(0.0043), format_p(0.0004)
('0.04', '0.004', '<0.001')
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

__all__ = [
    "CRITERION_LABELS",
    "SITE_LABELS",
    "TIMEPOINT_LABELS",
    "cell_label",
    "column_label",
    "column_labeller",
    "criterion_label",
    "format_p",
    "humanise",
    "label_text",
    "p_phrase",
    "scope_label",
    "site_label",
    "term_label",
    "timepoint_label",
    "too_few_phrase",
    "too_few_text",
]

SITE_LABELS = {
    "pancreas": "Pancreas",
    "small_intestine": "Small intestine",
    "other": "Other",
}
"""Primary-site groups (Halperin et al.: PNET, SI-NET, other)."""

TIMEPOINT_LABELS = {
    "baseline": "Baseline",
    "mid": "Mid-treatment",
    "end": "End of treatment",
    "post6m": "6 months after last cycle",
    "last_followup": "Last follow-up",
}
"""Protocol timepoints (spec/assess.md, Protocol timepoints)."""

CRITERION_LABELS = {
    "suvmax": "SUVmax sum",
    "tumour_to_spleen": "Tumour-to-spleen ratio",
    "krenning": "Krenning score",
}
"""Exploratory SSTR-PET criteria (``[metabolic] criteria``)."""

HEADER_LABELS = {
    "patient_id": "patient ID",
    "assessment_id": "assessment ID",
    "baseline_assessment_id": "baseline assessment ID",
    "lesion_ids": "lesion IDs",
    "ctcae_grade": "CTCAE grade",
    "pct_change": "% change",
    "percent_95ci": "% (95% CI)",
    "grade3plus": "grade >= 3",
    "reported_grade3plus": "reported grade >= 3",
    "mean_predicted": "mean predicted",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "n_x": "n (x)",
    "n_y": "n (y)",
    "overall": "Overall",
}
"""Column headers whose plain de-underscored form would read badly."""

_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
_SCOPE = re.compile(r"(only|without):([a-z][a-z0-9_]*)")
_SCOPE_IN_TEXT = re.compile(r"\b(only|without):([a-z][a-z0-9_]*[a-z0-9])")
_TERM = re.compile(r"(mid|grade|site)_(\S+)")
_P_DECIMALS_ABOVE = 0.01
_P_FLOOR = 0.001
_P_CEILING = 0.99

MIN_PER_OUTCOME = 10
"""Events and non-events a model needs at least: ``prrt.analysis.decision_aid.MIN_EVENTS``
(a test keeps the two equal)."""


def humanise(code: str) -> str:
    """A snake_case code as words: underscores become spaces, case kept.

    >>> humanise("haematological_toxicity"), humanise("mesenteric_mass")
    ('haematological toxicity', 'mesenteric mass')
    """
    return code.replace("_", " ")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def scope_label(scope: str) -> str:
    """The label of a lesion scope (spec/recist11.md §10, subset scopes).

    ``all`` -> "All lesions"; ``only:<group>`` -> "<Group> only"; ``without:<group>`` ->
    "Without <group>"; group names lose their underscores. Anything else is returned as it is.

    >>> [scope_label(s) for s in ("all", "only:mesenteric_mass", "without:liver", "x")]
    ['All lesions', 'Mesenteric mass only', 'Without liver', 'x']
    """
    if scope == "all":
        return "All lesions"
    match = _SCOPE.fullmatch(scope)
    if match is None:
        return scope
    kind, group = match.group(1), humanise(match.group(2))
    return f"{_capitalised(group)} only" if kind == "only" else f"Without {group}"


def site_label(site: str) -> str:
    """The label of a primary-site group or primary site.

    >>> site_label("small_intestine"), site_label("unknown_primary"), site_label("all sites")
    ('Small intestine', 'Unknown primary', 'All sites')
    """
    return SITE_LABELS.get(site) or _capitalised(humanise(site))


def timepoint_label(timepoint: str) -> str:
    """The label of a protocol timepoint; another value is returned as it is.

    >>> timepoint_label("post6m"), timepoint_label("last_followup"), timepoint_label("C2")
    ('6 months after last cycle', 'Last follow-up', 'C2')
    """
    return TIMEPOINT_LABELS.get(timepoint, timepoint)


def criterion_label(criterion: str) -> str:
    """The label of a metabolic criterion.

    >>> criterion_label("tumour_to_spleen")
    'Tumour-to-spleen ratio'
    """
    return CRITERION_LABELS.get(criterion) or _capitalised(humanise(criterion))


def term_label(term: str) -> str:
    """The label of a model term of the Halperin design (``mid_PR``, ``grade_G2``, ...).

    >>> [term_label(t) for t in ("mid_PR", "grade_G2", "site_small_intestine", "age")]
    ['PR at mid', 'Grade G2', 'Small intestine (primary site)', 'age']
    """
    match = _TERM.fullmatch(term)
    if match is None:
        return term
    kind, value = match.groups()
    if kind == "mid":
        return f"{value} at mid"
    if kind == "grade":
        return f"Grade {value}"
    return f"{site_label(value)} (primary site)"


def cell_label(value: str) -> str:
    """The label of a code found in any text cell; other text is returned as it is.

    Scopes and model terms by their patterns; a snake_case word (lowercase, with an
    underscore) by the timepoint or criterion vocabulary, else its words in lower case, as
    the other levels of a column (``pancreas``, ``small intestine``). A single word such as
    ``mid`` or ``other`` is only labelled in a column that says what it holds
    (:func:`column_labeller`).

    >>> [cell_label(v) for v in ("only:liver", "mid_SD", "small_intestine", "at_or_below_liver",
    ...                          "last_followup", "SYN-001", "mid", "Anemia")]
    ['Liver only', 'SD at mid', 'small intestine', 'at or below liver', 'Last follow-up', \
'SYN-001', 'mid', 'Anemia']
    """
    if _SCOPE.fullmatch(value):
        return scope_label(value)
    if _TERM.fullmatch(value) and not _SNAKE.fullmatch(value):
        return term_label(value)
    if not _SNAKE.fullmatch(value):
        return value
    for vocabulary in (TIMEPOINT_LABELS, CRITERION_LABELS):
        if value in vocabulary:
            return vocabulary[value]
    return humanise(value)


_COLUMN_VOCABULARIES: dict[str, Callable[[str], str]] = {
    "scope": scope_label,
    "timepoint": timepoint_label,
    "site group": site_label,
    "primary site": site_label,
    "criterion": criterion_label,
    "term": term_label,
}


def column_labeller(header: str) -> Callable[[str], str]:
    """The function labelling the text cells of a column, chosen by the column's header.

    >>> column_labeller("scope")("all"), column_labeller("site_group")("other")
    ('All lesions', 'Other')
    >>> column_labeller("level")("other"), column_labeller("level")("small_intestine")
    ('other', 'small intestine')
    """
    specific = _COLUMN_VOCABULARIES.get(humanise(header).strip().lower())
    if specific is None:
        return cell_label

    def label(value: str) -> str:
        labelled = specific(value)
        return cell_label(value) if labelled == value else labelled

    return label


def column_label(header: str) -> str:
    """The displayed header of a column: site groups capitalised, snake_case as words.

    >>> [column_label(h) for h in ("small_intestine", "grade_0", "patient_id", "n", "PR at end")]
    ['Small intestine', 'grade 0', 'patient ID', 'n', 'PR at end']
    """
    if header in SITE_LABELS:
        return SITE_LABELS[header]
    if header in HEADER_LABELS:
        return HEADER_LABELS[header]
    return humanise(header) if _SNAKE.fullmatch(header) else header


def label_text(text: str) -> str:
    """Scope codes inside running text (titles, footnotes, notes) as their labels.

    Only the unambiguous ``only:<group>`` / ``without:<group>`` forms are replaced: other
    snake_case words in prose name files, columns or settings (``min_cycles``).

    >>> label_text("Excluded (only:mesenteric_mass: 91; without:mesenteric_mass: 92).")
    'Excluded (Mesenteric mass only: 91; Without mesenteric mass: 92).'
    """
    return _SCOPE_IN_TEXT.sub(lambda match: scope_label(match.group(0)), text)


def format_p(p_value: float | None) -> str:
    """A P value as every displayed table and figure prints it (NEJM style).

    Rule
    ----
    1. Missing or not finite: an em dash.
    2. P < 0.001: ``<0.001``.
    3. 0.001 <= P < 0.01: three decimal places (``0.004``).
    4. 0.01 <= P: two decimal places (``0.43``, ``0.05``), also between 0.01 and 0.05
       (0.0432 -> ``0.04``; NEJM makes no exception near 0.05).
    5. A value that would print as 1.00 (P >= 0.995): ``>0.99``.

    Rules 2-4 are the New England Journal of Medicine's "New Manuscripts" statistical
    reporting guidelines: "P values larger than 0.01 should be reported to two decimal
    places, and those between 0.01 and 0.001 to three decimal places; P values smaller
    than 0.001 should be reported as P<0.001." Rule 5 is the journal's usual print of a P
    value of 1 (docs/decisions.md, D40). results.json and the model objects keep the
    unrounded value.

    >>> [format_p(p) for p in (0.43, 0.0496, 0.0128, 0.01, 0.00999, 0.004, 0.00099, 0.996)]
    ['0.43', '0.05', '0.01', '0.01', '0.010', '0.004', '<0.001', '>0.99']
    >>> format_p(None), format_p(float("nan"))
    ('—', '—')
    """
    if p_value is None or not math.isfinite(p_value):
        return "—"
    if p_value < _P_FLOOR:
        return "<0.001"
    if p_value < _P_DECIMALS_ABOVE:
        return f"{p_value:.3f}"
    text = f"{p_value:.2f}"
    return f">{_P_CEILING}" if text == "1.00" else text


def p_phrase(p_value: float | None) -> str:
    """``P = 0.04``, ``P < 0.001``, ``P > 0.99`` (:func:`format_p` with its sign), or ``""``.

    >>> p_phrase(0.0432), p_phrase(0.0002), p_phrase(None)
    ('P = 0.04', 'P < 0.001', '')
    """
    text = format_p(p_value)
    if text == "—":
        return ""
    if text[0] in "<>":
        return f"P {text[0]} {text[1:]}"
    return f"P = {text}"


def too_few_phrase(outcome: str, *, events: int, non_events: int) -> str:
    """Why a model was not fitted on too few events or non-events, as a phrase.

    >>> too_few_phrase("CR/PR at end", events=3, non_events=12)
    'too few patients with CR/PR at end to fit the model (3 events, 12 non-events; at least 10 of each needed)'
    """  # noqa: E501
    return (
        f"too few patients with {outcome} to fit the model ({events} events, "
        f"{non_events} non-events; at least {MIN_PER_OUTCOME} of each needed)"
    )


def too_few_text(outcome: str, *, events: int, non_events: int) -> str:
    """:func:`too_few_phrase` as a sentence.

    >>> too_few_text("CR/PR at end", events=3, non_events=12)[:40]
    'Too few patients with CR/PR at end to fi'
    """
    return _capitalised(too_few_phrase(outcome, events=events, non_events=non_events)) + "."
