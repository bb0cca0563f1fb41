"""Best overall response, without and with confirmation (RECIST 1.1 §4.4.2-4.4.4;
recist11.md §9-10; admiralonco ``derive_param_bor`` / ``derive_param_confirmed_bor``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from prrt.config import RecistConfig
from prrt.model.enums import Response

R = Response

PRIORITY: tuple[Response, ...] = (R.CR, R.PR, R.SD, R.NON_CR_NON_PD, R.NED, R.PD, R.NE)
"""Best-first order of recist11.md §9 (MISSING comes last)."""

SD_LIKE = {
    R.SD: frozenset({R.CR, R.PR, R.SD}),
    R.NON_CR_NON_PD: frozenset({R.NON_CR_NON_PD}),
    R.NED: frozenset({R.NED}),
}
"""Categories that need the SD minimum duration, and the time points that give them."""

SD_LIKE_WITHOUT_TARGETS = {
    **SD_LIKE,
    R.SD: frozenset({R.PR, R.SD}),
    R.NON_CR_NON_PD: frozenset({R.CR, R.NON_CR_NON_PD}),
}
""":data:`SD_LIKE` for the confirmed BOR of a scope without target lesions (Table-2
disease): an unconfirmed CR gives NON-CR/NON-PD, never SD (recist11.md §10; RECIST 1.1
Table 2 footnote). A reader's PR or SD there still gives SD (docs/decisions.md, D20)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitResponse:
    """One post-baseline overall response that counts for the best response."""

    date: date
    response: Response
    is_incomplete_cr: bool = False
    """A PR that is an incomplete CR visit (recist11.md §7): NE for the confirmed BOR,
    PR for the unconfirmed one (D15)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BestResponseResult:
    """A best overall response and the date of the first time point that qualifies."""

    response: Response
    date: date | None
    reason: str


def derive_best_response(
    visits: Sequence[VisitResponse], *, reference_date: date, config: RecistConfig
) -> BestResponseResult:
    """Best overall response without confirmation (recist11.md §9).

    Rule
    ----
    1. CR, PR: any such time point, however early (admiralonco issue #93).
    2. SD: a CR, PR or SD time point at >= ``sd_min_days`` after the reference date;
       NON-CR/NON-PD and NED: such a time point at >= ``sd_min_days`` (§4.4.4, D8).
    3. PD: a PD time point (an early SD then PD gives PD: RECIST example).
    4. NE: time points exist, none qualifies; dated at the first of them.
    5. MISSING (NE with ``missing_as_ne``, undated): no time point.
    """
    if not visits:
        return _missing(config)
    for category in PRIORITY[:-1]:
        if category in (R.CR, R.PR, R.PD):
            hit = _first_with(visits, category)
        else:
            hit = _first_after_sd_window(visits, category, reference_date, config)
        if hit is not None:
            return BestResponseResult(response=category, date=hit, reason=f"§9: first {category}")
    return BestResponseResult(
        response=R.NE, date=visits[0].date, reason="§9: no time point qualifies"
    )


def derive_confirmed_best_response(
    visits: Sequence[VisitResponse],
    *,
    reference_date: date,
    config: RecistConfig,
    is_measurable: bool = True,
) -> BestResponseResult:
    """Best overall response with confirmation (recist11.md §10; RECIST 1.1 §4.4.4).

    Rule
    ----
    1. CR: a CR confirmed by the first later CR at >= ``confirm_min_days``, with only CR
       or NE between and at most ``max_ne_between`` NE.
    2. PR: a PR confirmed by the first later CR or PR at >= ``confirm_min_days``, with
       CR, PR or NE between (one SD too if ``accept_one_sd_between_pr``), at most
       ``max_ne_between`` NE and no PR after a CR in the window.
    3. Then SD (any CR/PR/SD at >= ``sd_min_days``; unconfirmed responses land here),
       NON-CR/NON-PD, NED, PD, NE, MISSING as without confirmation. CR early then PD is
       PD (RECIST Table 3; the algorithm wins where Table 3 is silent).
    4. Without target lesions (``is_measurable`` false: Table-2 disease; reader-assigned,
       ``measurable_disease = false``) an unconfirmed CR at >= ``sd_min_days`` gives
       NON-CR/NON-PD, never SD (recist11.md §10; RECIST 1.1 Table 2 footnote).
    """
    if not visits:
        return _missing(config)
    visits = _for_confirmation(visits)
    for index, visit in enumerate(visits):
        if visit.response is R.CR and _is_confirmed(visits, index, config, accept_pr=False):
            return BestResponseResult(response=R.CR, date=visit.date, reason="§10: confirmed CR")
    for index, visit in enumerate(visits):
        if visit.response is R.PR and _is_confirmed(visits, index, config, accept_pr=True):
            return BestResponseResult(response=R.PR, date=visit.date, reason="§10: confirmed PR")
    for category in PRIORITY[2:-1]:
        if category is R.PD:
            hit = _first_with(visits, R.PD)
        else:
            table = SD_LIKE if is_measurable else SD_LIKE_WITHOUT_TARGETS
            hit = _first_after_sd_window(visits, category, reference_date, config, table=table)
        if hit is not None:
            return BestResponseResult(response=category, date=hit, reason=f"§10: {category}")
    return BestResponseResult(
        response=R.NE, date=visits[0].date, reason="§10: no time point qualifies"
    )


def confirmed_response_date(
    visits: Sequence[VisitResponse], *, config: RecistConfig
) -> date | None:
    """Date of the first CR or PR time point confirmed by §10 (recist11.md §11)."""
    visits = _for_confirmation(visits)
    for index, visit in enumerate(visits):
        if visit.response is R.CR and _is_confirmed(visits, index, config, accept_pr=False):
            return visit.date
        if visit.response is R.PR and _is_confirmed(visits, index, config, accept_pr=True):
            return visit.date
    return None


def _for_confirmation(visits: Sequence[VisitResponse]) -> list[VisitResponse]:
    """Incomplete CR visits as NE: between a CR and its confirmation they count as one of
    the ``max_ne_between`` NE visits, and they confirm nothing (recist11.md §7, D15)."""
    return [VisitResponse(date=v.date, response=R.NE) if v.is_incomplete_cr else v for v in visits]


def _is_confirmed(
    visits: Sequence[VisitResponse], index: int, config: RecistConfig, *, accept_pr: bool
) -> bool:
    start = visits[index]
    confirming = {R.CR, R.PR} if accept_pr else {R.CR}
    window_ok = {R.CR, R.PR, R.NE} if accept_pr else {R.CR, R.NE}
    ne_count = sd_count = 0
    seen_cr = False
    for later in visits[index + 1 :]:
        if (later.date - start.date).days >= config.confirm_min_days and (
            later.response in confirming
        ):
            return not (seen_cr and later.response is R.PR)
        if later.response is R.NE:
            ne_count += 1
        elif accept_pr and later.response is R.SD and config.accept_one_sd_between_pr:
            sd_count += 1
        elif later.response not in window_ok:
            return False
        if accept_pr and later.response is R.PR and seen_cr:
            return False
        seen_cr = seen_cr or later.response is R.CR
        if ne_count > config.max_ne_between or sd_count > 1:
            return False
    return False


def _first_with(visits: Sequence[VisitResponse], response: Response) -> date | None:
    for visit in visits:
        if visit.response is response:
            return visit.date
    return None


def _first_after_sd_window(
    visits: Sequence[VisitResponse],
    category: Response,
    reference_date: date,
    config: RecistConfig,
    *,
    table: Mapping[Response, frozenset[Response]] = SD_LIKE,
) -> date | None:
    accepted = table[category]
    for visit in visits:
        if visit.response in accepted and (visit.date - reference_date).days >= config.sd_min_days:
            return visit.date
    return None


def _missing(config: RecistConfig) -> BestResponseResult:
    if config.missing_as_ne:
        return BestResponseResult(response=R.NE, date=None, reason="§9: missing_as_ne")
    return BestResponseResult(response=R.MISSING, date=None, reason="§9: no follow-up")
