"""The three layouts of a source sheet and what each promises (docs/import.md).

Every layout is read the same way: each source row gives rows of the mapped tables
(several when a table repeats). A layout adds what a row *is*, so that a row repeated
by mistake is found instead of merged (docs/decisions.md, D79):

========  ==============================  ======================================
layout    one source row is               checked
========  ==============================  ======================================
wide      one patient                     a patient on two rows is an error
per_scan  one patient and scan            a scan on two rows is an error
long      one lesion (or new lesion) at   a lesion twice at one scan is an error,
          one scan (or one fragment of a  unless the rows carry fragment numbers
          split lesion)                   (bundle.md 1.2, measurements.csv;
                                          docs/decisions.md, D103)
========  ==============================  ======================================

and what its mapping must hold: ``[patients]`` never repeats (one patient per row at
most); per_scan maps ``[assessments]`` without ``repeat``; long maps ``[measurements]``
without ``repeat``.
"""

from __future__ import annotations

from dataclasses import dataclass

from prrt.io.formats.table.mapping import ImportMapping, Layout
from prrt.io.formats.table.mapping_parse import mapping_issue
from prrt.io.issues import Issue, Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """The bundle table and fields that identify one source row of a layout."""

    table: str
    fields: tuple[str, ...]
    severity: Severity
    """Of a second source row with the same identity."""
    what: str
    """``one row per patient``: how messages name the rule."""


IDENTITIES = {
    Layout.WIDE: Identity(
        table="patients",
        fields=("patient_id",),
        severity=Severity.ERROR,
        what="the wide layout has one row per patient",
    ),
    Layout.PER_SCAN: Identity(
        table="assessments",
        fields=("patient_id", "assessment_id"),
        severity=Severity.ERROR,
        what="the per_scan layout has one row per patient and scan",
    ),
    Layout.LONG: Identity(
        table="measurements",
        fields=("patient_id", "assessment_id", "lesion_id"),
        severity=Severity.ERROR,
        what=(
            "the long layout has one row per lesion and scan, or per numbered fragment of a "
            "split lesion; rows without fragment numbers are never added up (bundle.md 1.2, "
            "measurements.csv)"
        ),
    ),
}
"""Row identity of each layout."""

_NO_REPEAT = {
    Layout.WIDE: ("patients",),
    Layout.PER_SCAN: ("patients", "assessments"),
    Layout.LONG: ("patients", "measurements"),
}


def check_layout(mapping: ImportMapping) -> list[Issue]:
    """What the layout requires of the mapping (module docstring)."""
    issues: list[Issue] = []
    identity = IDENTITIES[mapping.layout]
    if mapping.table(identity.table) is None:
        issues.append(
            _problem(
                mapping.file,
                identity.table,
                f"is missing: the {mapping.layout} layout reads one {identity.table} row "
                "from each source row",
                f"add [{identity.table}]",
            )
        )
    for name in _NO_REPEAT[mapping.layout]:
        table = mapping.table(name)
        if table is not None and table.repeat:
            issues.append(
                _problem(
                    mapping.file,
                    f"{name}.repeat",
                    f"{name} cannot repeat in the {mapping.layout} layout: {identity.what}",
                    "remove repeat, or choose the layout that matches the sheet",
                )
            )
    return issues


def _problem(file: str, where: str, rule: str, hint: str) -> Issue:
    return mapping_issue(file, where, None, rule, hint)
