"""Data-quality warnings found while assessing (recist11.md §15)."""

from __future__ import annotations

from collections.abc import Sequence

from prrt.criteria.recist11.scope import Scope
from prrt.criteria.recist11.timepoint import TimepointResult
from prrt.io.issues import Issue, Severity
from prrt.model.case import PatientCase
from prrt.model.enums import Response, TargetStatus


def check_tstm_after_cr(case: PatientCase, rows: Sequence[TimepointResult]) -> list[Issue]:
    """A target recorded ``too_small`` after it was 0 at an earlier overall CR (§15).

    RECIST asks for the measured value where one can be given (EORTC FAQ "Lesions less
    than 5 mm"); 5 mm on a lesion that had disappeared usually turns CR into PD.
    """
    issues: list[Issue] = []
    zero_at_cr: set[str] = set()
    for row in rows:
        values = row.assessment.targets
        for lesion_id, value in values.items():
            if value is TargetStatus.TOO_SMALL and lesion_id in zero_at_cr:
                issues.append(
                    tstm_after_cr_issue(case.patient_id, lesion_id, row.assessment.assessment_id)
                )
        if row.overall_response is Response.CR:
            zero_at_cr |= {k for k, v in values.items() if isinstance(v, int) and v == 0}
    return issues


def tstm_after_cr_issue(patient_id: str, lesion_id: str, assessment_id: str) -> Issue:
    """The warning of :func:`check_tstm_after_cr` for one lesion at one assessment."""
    return Issue(
        severity=Severity.WARNING,
        code="tstm_after_cr",
        file="measurements.csv",
        row=None,
        column="status",
        value="too_small",
        rule=(
            f"patient {patient_id}, lesion {lesion_id}, assessment {assessment_id}: too "
            "small to measure after it was 0 at an overall CR (RECIST 1.1 FAQ; "
            "recist11.md §15)"
        ),
        hint="record the measured diameter, or 0 if the lesion is gone",
    )


def check_reader_cr_followed_by_response(case: PatientCase) -> list[Issue]:
    """Reader-assigned overall CR followed by PR or SD in the same scope (§15, D7)."""
    issues: list[Issue] = []
    by_scope: dict[str, list[tuple[str, Response]]] = {}
    dates = {a.assessment_id: a.date for a in case.assessments}
    for reader in case.reader_responses:
        by_scope.setdefault(reader.scope, []).append(
            (reader.assessment_id, reader.overall_response)
        )
    for scope, responses in by_scope.items():
        ordered = sorted(
            responses, key=lambda item: (dates.get(item[0]) is None, dates.get(item[0]))
        )
        seen_cr = False
        for assessment_id, response in ordered:
            if seen_cr and response in (Response.PR, Response.SD):
                issues.append(
                    cr_followed_by_response_issue(case.patient_id, scope, assessment_id, response)
                )
            if response is not Response.NE:
                seen_cr = response is Response.CR
    return issues


def cr_followed_by_response_issue(
    patient_id: str, scope: str, assessment_id: str, response: Response
) -> Issue:
    """The warning of :func:`check_reader_cr_followed_by_response` for one response."""
    return Issue(
        severity=Severity.WARNING,
        code="cr_followed_by_response",
        file="responses.csv",
        row=None,
        column="overall_response",
        value=str(response),
        rule=(
            f"patient {patient_id}, scope {Scope.parse(scope)}, assessment "
            f"{assessment_id}: {response} after an overall CR (recist11.md §15, D7)"
        ),
        hint="check the earlier CR: if disease was present it was a PR",
    )
