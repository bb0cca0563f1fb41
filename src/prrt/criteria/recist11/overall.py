"""Overall response at one time point (RECIST 1.1 §4.4.1 Tables 1-2; recist11.md §7)."""

from __future__ import annotations

from prrt.model.enums import NewLesionsResponse, NonTargetResponse, Response, TargetResponse

T = TargetResponse
N = NonTargetResponse

# RECIST 1.1 Table 1 (targets at baseline), rows without PD and without new lesions:
# (target, non-target) -> overall. PD of either component or a new lesion is PD first.
TABLE_1: dict[tuple[TargetResponse, NonTargetResponse], Response] = {
    (T.CR, N.CR): Response.CR,
    (T.CR, N.NA): Response.CR,
    (T.CR, N.NON_CR_NON_PD): Response.PR,
    (T.CR, N.NE): Response.PR,
    **{(T.PR, nt): Response.PR for nt in (N.CR, N.NON_CR_NON_PD, N.NE, N.NA)},
    **{(T.SD, nt): Response.SD for nt in (N.CR, N.NON_CR_NON_PD, N.NE, N.NA)},
    **{(T.NE, nt): Response.NE for nt in (N.CR, N.NON_CR_NON_PD, N.NE, N.NA)},
}

# RECIST 1.1 Table 2 (non-target disease only), without PD and without new lesions.
TABLE_2: dict[NonTargetResponse, Response] = {
    N.CR: Response.CR,
    N.NON_CR_NON_PD: Response.NON_CR_NON_PD,
    N.NE: Response.NE,
}


def assess_overall_response(
    target: TargetResponse,
    non_target: NonTargetResponse,
    new_lesions: NewLesionsResponse,
) -> Response:
    """Combine the three components (RECIST 1.1 Tables 1 and 2; recist11.md §7).

    Rule
    ----
    1. Target PD, non-target PD or a new lesion (Y): PD.
    2. New lesions not evaluated (NE): NE, since every other row of Tables 1-2 needs "no
       new lesion" (RECIST 1.1 §4.4.2; docs/decisions.md, D77). Lesion-level data give it
       only for a visit not done, which is NE anyway; sum-level data may give it.
    3. With targets in scope: Table 1. Non-target disease only: Table 2.
    4. Neither targets nor non-targets (no disease at baseline, D6): NED.
    An ``equivocal`` new lesion never makes PD by itself (§4.3.5).

    >>> str(assess_overall_response(T.CR, N.NON_CR_NON_PD, NewLesionsResponse.N))
    'PR'
    >>> str(assess_overall_response(T.NA, N.NA, NewLesionsResponse.N))
    'NED'
    >>> str(assess_overall_response(T.CR, N.CR, NewLesionsResponse.NE))
    'NE'
    """
    if target is T.PD or non_target is N.PD or new_lesions is NewLesionsResponse.Y:
        return Response.PD
    if new_lesions is NewLesionsResponse.NE:
        return Response.NE
    if target is not T.NA:
        return TABLE_1[(target, non_target)]
    if non_target is not N.NA:
        return TABLE_2[non_target]
    return Response.NED
