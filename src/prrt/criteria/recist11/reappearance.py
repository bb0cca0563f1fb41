"""Reappearance after an overall CR and the incomplete CR visit (recist11.md §7, D1, D14).

RECIST 1.1 Table 3 footnote and the EORTC RECIST FAQ ("Does a new lesion always result in
PD?", "Abnormal lymph node"): once the patient has been in complete response, disease that
is seen again is progression. The rule is judged on the lesions, not on the component
categories, so one lesion seen again is reappearance even when another was not evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from prrt.criteria.recist11.target import is_present_non_nodal, resolve_target_value
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.model.case import Lesion, TargetValue
from prrt.model.enums import NonTargetStatus, Response

SEEN_NON_TARGET = frozenset({NonTargetStatus.PRESENT, NonTargetStatus.UNEQUIVOCAL_PROGRESSION})
"""Non-target statuses that show disease (RECIST 1.1 §4.3.3)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AfterCrResult:
    """Overall response of a visit whose most recent evaluable response was CR."""

    response: Response
    is_reappearance: bool
    """The reappearance rule turned the Table 1-2 response into PD (flag it)."""
    is_incomplete_cr: bool
    """Nothing seen, targets CR, only non-targets not evaluated: Table 1 PR that counts
    like an NE visit for what follows (recist11.md §7)."""


def is_disease_seen(
    targets: Sequence[Lesion],
    non_targets: Sequence[Lesion],
    target_values: Mapping[str, TargetValue],
    non_target_statuses: Mapping[str, NonTargetStatus | None],
    *,
    thresholds: ExactThresholds,
) -> bool:
    """Whether any lesion of the scope is seen at this visit (recist11.md §7).

    Rule
    ----
    1. A non-nodal target above 0 or too small to measure (TSTM counts as present, §4).
    2. A nodal target at >= ``node_normal_mm`` (a node "reappears" only at >= 10 mm,
       EORTC FAQ "Abnormal lymph node").
    3. A non-target present or unequivocally progressing.
    A lesion not evaluated (no row, ``not_evaluable``, a split lesion with a
    not-evaluable fragment, D16) shows nothing; a ``coalesced`` target counts 0.

    >>> from prrt.config import RecistConfig
    >>> from prrt.model.enums import LesionRole
    >>> t = ExactThresholds.from_config(RecistConfig())
    >>> node = Lesion(lesion_id="N", role=LesionRole.TARGET, organ="lymph_node", is_node=True)
    >>> is_disease_seen([node], [], {"N": 999}, {}, thresholds=t)
    False
    >>> is_disease_seen([node], [], {"N": 1000}, {}, thresholds=t)
    True
    """
    for lesion in targets:
        value = target_values.get(lesion.lesion_id)
        if lesion.is_node:
            value_hmm = resolve_target_value(value, thresholds)
            if value_hmm is not None and not thresholds.is_normal_node(value_hmm):
                return True
        elif is_present_non_nodal(value):
            return True
    return any(non_target_statuses.get(n.lesion_id) in SEEN_NON_TARGET for n in non_targets)


def assess_after_cr(
    table_response: Response, *, is_seen: bool, cr_reappearance_is_pd: bool
) -> AfterCrResult:
    """Overall response at a visit after an overall CR (recist11.md §7, D1, D14).

    Rule
    ----
    1. Tables 1-2 give PD: PD (the reappearance rule changes nothing, no flag).
    2. Disease seen and ``cr_reappearance_is_pd``: PD, flagged, whatever Tables 1-2 give
       (PR, SD, NON-CR/NON-PD, NED or NE).
    3. Nothing seen and Tables 1-2 give PR (targets CR, non-targets not evaluated): PR,
       an *incomplete CR visit*, treated like NE by what follows (D14: whatever
       ``cr_reappearance_is_pd`` says).
    4. Otherwise the Table 1-2 response (NE when a target was not evaluated).

    Project decisions
    -----------------
    D1: reappearance is PD only after an overall CR; D14: the incomplete CR visit does not
    depend on the option; D15: it is NE for the confirmed best response.

    References
    ----------
    .. [1] Eisenhauer EA et al. Eur J Cancer 2009;45:228-247, Table 1 and Table 3 footnote.
    .. [2] EORTC RECIST FAQ, "Does a new lesion always result in PD?", "Abnormal lymph
       node" (recist11.md §14).

    >>> assess_after_cr(Response.NE, is_seen=True, cr_reappearance_is_pd=True).response
    <Response.PD: 'PD'>
    >>> assess_after_cr(Response.PR, is_seen=False, cr_reappearance_is_pd=True).is_incomplete_cr
    True
    """
    if table_response is not Response.PD and is_seen and cr_reappearance_is_pd:
        return AfterCrResult(response=Response.PD, is_reappearance=True, is_incomplete_cr=False)
    return AfterCrResult(
        response=table_response,
        is_reappearance=False,
        is_incomplete_cr=not is_seen and table_response is Response.PR,
    )
