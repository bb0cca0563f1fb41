"""The report of ``prrt import dicom-sr``: what was read, used and not used, and why.

Files read (each with its patient, study date, observer and measurement groups), files
and measurement groups not used with the reason, how lesion IDs were chosen, lengths
rounded, other measurements left aside, the observer of every assessment and the rows
written per table (docs/dicom_sr.md, "The import report").
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

from prrt.io.formats.dicom_sr_read import SrReport
from prrt.io.formats.dicom_sr_rows import Conversion
from prrt.io.schema import TABLES


@dataclass(frozen=True, slots=True, kw_only=True)
class FileLine:
    """One measurement report read."""

    file: str
    patient_id: str
    study_date: str
    observer: str
    groups: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SrImportReport:
    """Everything the import did, for a person to check."""

    files_read: int
    reports: tuple[FileLine, ...]
    not_used: tuple[tuple[str, str], ...]
    """(file, or file and measurement group; why)."""
    groups_read: int
    groups_used: int
    lesion_ids: tuple[tuple[str, str], ...]
    rounded: tuple[tuple[str, str, str], ...]
    other_measurements: tuple[tuple[str, int], ...]
    observers: tuple[tuple[str, str, str], ...]
    rows: tuple[tuple[str, int], ...]
    """(bundle file, rows written); empty when nothing was converted."""

    def to_text(self) -> str:
        """The report as plain text."""
        lines = [
            f"Files read: {self.files_read}; TID 1500 measurement reports: {len(self.reports)}"
        ]
        for f in self.reports:
            lines.append(
                f"  {f.file}: patient {f.patient_id}, study {f.study_date}, observer "
                f"{f.observer}, {f.groups} measurement group(s)"
            )
        lines.append(
            f"Measurement groups: {self.groups_read} read, {self.groups_used} used, "
            f"{self.groups_read - self.groups_used} not used"
        )
        lines.append("Not used:" + ("" if self.not_used else " none"))
        lines += [f"  {what}: {why}" for what, why in self.not_used]
        if self.other_measurements:
            shown = ", ".join(f"{name} ({n})" for name, n in self.other_measurements)
            lines.append(f"Measurements other than lengths, not used: {shown}")
        lines += [f"Lesion IDs of patient {p}: {how}" for p, how in self.lesion_ids]
        if self.rounded:
            lines.append(f"Lengths rounded to 0.01 mm: {len(self.rounded)}")
            lines += [f"  {where}: {written} -> {used} mm" for where, written, used in self.rounded]
        if self.observers:
            lines.append("Observer (evaluator) per assessment:")
            lines += [f"  {p} {a}: {who}" for p, a, who in self.observers]
        if self.rows:
            lines.append("Rows written: " + ", ".join(f"{f} {n}" for f, n in self.rows))
        return "\n".join(lines)

    def to_json(self) -> str:
        """The report as JSON."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


def build_report(
    *,
    files_read: int,
    reports: list[SrReport],
    skipped: list[tuple[str, str]],
    conversion: Conversion | None,
) -> SrImportReport:
    """The report; ``conversion`` is None when the files had errors."""
    others = Counter(name for r in reports for name in r.other_measurements)
    not_used = list(skipped)
    if conversion is not None:
        not_used += conversion.not_used
    else:
        not_used += [(f"{r.file}, {what}", why) for r in reports for what, why in r.not_used]
    return SrImportReport(
        files_read=files_read,
        reports=tuple(
            FileLine(
                file=r.file,
                patient_id=r.patient_id,
                study_date=r.study_date.isoformat(),
                observer=r.observer or "none",
                groups=len(r.groups),
            )
            for r in reports
        ),
        not_used=tuple(not_used),
        groups_read=sum(len(r.groups) for r in reports),
        groups_used=conversion.groups_used if conversion is not None else 0,
        lesion_ids=tuple(conversion.lesion_ids) if conversion is not None else (),
        rounded=tuple(conversion.rounded) if conversion is not None else (),
        other_measurements=tuple(sorted(others.items())),
        observers=tuple(conversion.observers) if conversion is not None else (),
        rows=tuple((TABLES[name].file, len(rows)) for name, rows in conversion.tables.items())
        if conversion is not None
        else (),
    )
