"""What a scope's earlier visits leave for the next one: nadir, last evaluable response,
prior response (recist11.md §4, §7; docs/decisions.md, D3, D14).

Shared by the lesion-level (:mod:`prrt.criteria.recist11.timepoint`) and the sum-level
(:mod:`prrt.criteria.recist11.sums`) evaluation, which differ only in how a visit's
components and "disease seen" are found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prrt.config import RecistConfig
from prrt.criteria.recist11.reappearance import assess_after_cr
from prrt.model.enums import Response, TargetResponse

__all__ = ["AfterVisit", "CourseState"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AfterVisit:
    """A visit's overall response once the course so far is taken into account."""

    overall: Response
    is_incomplete_cr: bool = False
    is_reappearance: bool = False


@dataclass(slots=True, kw_only=True)
class CourseState:
    """The running state of one scope's follow-up visits, in date order."""

    nadir_hmm: int | None
    """Smallest of the baseline sum and every complete sum so far (recist11.md §4)."""
    last_evaluable: Response | None = None
    """Most recent overall response that is neither NE nor an incomplete CR visit (D14)."""
    prior_response: bool = False
    """A target PR/CR without PD since (``pr_persistence``, D3)."""

    def judge(
        self, overall: Response, *, is_seen: Callable[[], bool], config: RecistConfig
    ) -> AfterVisit:
        """Reappearance after CR (recist11.md §7, D1): when the last evaluable response was
        CR, :func:`assess_after_cr` decides with whether disease is seen (asked only then)."""
        if self.last_evaluable is not Response.CR:
            return AfterVisit(overall=overall)
        after = assess_after_cr(
            overall, is_seen=is_seen(), cr_reappearance_is_pd=config.cr_reappearance_is_pd
        )
        return AfterVisit(
            overall=after.response,
            is_incomplete_cr=after.is_incomplete_cr,
            is_reappearance=after.is_reappearance,
        )

    def advance(self, *, sum_hmm: int | None, target: TargetResponse, visit: AfterVisit) -> None:
        """Take one evaluated visit into the state."""
        if sum_hmm is not None and self.nadir_hmm is not None:
            self.nadir_hmm = min(self.nadir_hmm, sum_hmm)
        if visit.overall is not Response.NE and not visit.is_incomplete_cr:
            self.last_evaluable = visit.overall
        if target in (TargetResponse.PR, TargetResponse.CR):
            self.prior_response = True
        if visit.overall is Response.PD:
            self.prior_response = False
