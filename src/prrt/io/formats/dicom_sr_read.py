"""Read one DICOM SR file into what ``prrt import dicom-sr`` uses (docs/dicom_sr.md).

A TID 1500 "Measurement Report" (PS3.16) as OHIF (dcmjs), 3D Slicer and highdicom write
it: the patient and study of the header, the observer of the observation context
(TID 1002), and every Measurement Group (DCM 125007) of the Imaging Measurements
container (DCM 126010), whatever its sub-template (TID 1410, 1411, 1501): its tracking
identifier and tracking UID (TID 4108), finding site, RECIST baseline category
(CID 6145) and lengths (Long axis, Short axis, Length, Diameter) in millimetres,
converted exactly from mm or cm.

The content tree is walked with pydicom, item by item, so that a missing item is named
(docs/decisions.md, D91). Nothing here decides targets or lesions: see
:mod:`prrt.io.formats.dicom_sr_tables`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.sr.coding import Code

from prrt.io.formats import dicom_sr_codes as sr
from prrt.io.formats.dicom_sr_items import (
    category_of,
    children,
    items,
    name_of,
    observer_of,
    site_of,
    text_of,
)
from prrt.io.issues import Issue, Severity, new_issue

SR_SOP_CLASS_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
"""Structured Report storage SOP classes (PS3.4 Annex B.5)."""
MR_CLASSES = frozenset(
    {"1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.4.1", "1.2.840.10008.5.1.4.1.1.4.4"}
)
PET_CLASSES = frozenset(
    {"1.2.840.10008.5.1.4.1.1.128", "1.2.840.10008.5.1.4.1.1.130", "1.2.840.10008.5.1.4.1.1.128.1"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LengthValue:
    """One length of a measurement group, in millimetres (exact)."""

    concept: Code
    value_mm: Decimal
    written: str
    """The value and unit as written in the file, e.g. ``2.345 cm``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SrGroup:
    """One Measurement Group with a tracking UID."""

    number: int
    """1-based position among the measurement groups of the file."""
    tracking_uid: str
    tracking_id: str | None
    site: Code | None
    category: Code | None
    """A RECIST baseline category of CID 6145, when the group carries one."""
    lengths: tuple[LengthValue, ...]
    observer: str | None
    """Observer of the group's own observation context, else of the document."""

    def label(self) -> str:
        """``measurement group 2 (tracking identifier 'L1')``."""
        ident = f" (tracking identifier '{self.tracking_id}')" if self.tracking_id else ""
        return f"measurement group {self.number}{ident}"

    def length(self, concepts: tuple[Code, ...]) -> LengthValue | None:
        """The first length whose concept is, in order, one of ``concepts``."""
        for concept in concepts:
            for value in self.lengths:
                if value.concept == concept:
                    return value
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class SrReport:
    """What one TID 1500 report holds."""

    file: str
    """The file as the user named it (shown in every message)."""
    patient_id: str
    sex: str | None
    birth_date: date | None
    study_key: str
    """Study Instance UID, or the study date when the header has none."""
    study_date: date
    study_time: str
    modality: str
    """``CT`` or ``MRI``, from the SOP classes of the images the report references."""
    observer: str | None
    groups: tuple[SrGroup, ...]
    not_used: tuple[tuple[str, str], ...] = ()
    """(what, why) of the parts of the file not used, e.g. a group without a length."""
    other_measurements: tuple[str, ...] = ()
    """Concept names of the numeric measurements that are not lengths (Area, Mean, ...)."""


@dataclass(slots=True)
class FileRead:
    """The result of reading one file: a report, or why not, and every problem."""

    report: SrReport | None = None
    issues: list[Issue] = field(default_factory=list)
    skipped: str | None = None
    """Why a file found in a folder is not a measurement report (not an error)."""


def read_sr_file(path: Path, *, label: str, from_folder: bool = False) -> FileRead:
    """Read ``path`` (shown as ``label``); never raises on bad input.

    A file named on the command line must be a TID 1500 report (anything else is an
    error); a file found in a folder that is not one is skipped, with the reason.
    """
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    result = FileRead()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom's notes on odd values; values are checked
        try:
            dataset = dcmread(path)
        except InvalidDicomError:
            return _not_report(result, label, "not a DICOM file", from_folder=from_folder)
        except OSError as exc:
            result.issues.append(_error("unreadable_file", label, f"cannot be read ({exc})"))
            return result
        except Exception as exc:  # a damaged file: pydicom raises many kinds
            result.issues.append(
                _error("unreadable_file", label, f"cannot be read as DICOM ({exc})")
            )
            return result
        try:
            return _read_dataset(dataset, result, label, from_folder=from_folder)
        except Exception as exc:  # pydicom decodes values when first read
            result.issues.append(
                _error("unreadable_file", label, f"has a content item that cannot be read ({exc})")
            )
            return FileRead(issues=result.issues)


def _read_dataset(dataset: Dataset, result: FileRead, label: str, *, from_folder: bool) -> FileRead:
    sop_class = str(dataset.get("SOPClassUID", ""))
    is_sr = dataset.get("Modality") == "SR" or sop_class.startswith(SR_SOP_CLASS_PREFIX)
    if not is_sr or "ContentSequence" not in dataset:
        modality = dataset.get("Modality") or "none"
        why = f"not a DICOM Structured Report (Modality = {modality})"
        return _not_report(result, label, why, from_folder=from_folder)
    containers = items(dataset, sr.IMAGING_MEASUREMENTS)
    if not containers:
        title = name_of(dataset)
        shown = f"'{title.meaning}'" if title is not None else "without a title"
        why = (
            f"an SR document {shown} without {sr.describe(sr.IMAGING_MEASUREMENTS)}: "
            "not a TID 1500 measurement report"
        )
        return _not_report(result, label, why, from_folder=from_folder)
    patient_id = str(dataset.get("PatientID", "") or "").strip()
    study_date = _header_date(dataset, "StudyDate", label, result.issues)
    if not patient_id:
        result.issues.append(_missing(label, "Patient ID (0010,0020)", "the header"))
    if "StudyDate" not in dataset or not str(dataset.StudyDate or "").strip():
        result.issues.append(_missing(label, "Study Date (0008,0020)", "the header"))
    birth_date = _header_date(dataset, "PatientBirthDate", label, result.issues)
    modality = _modality(dataset, label, result.issues)
    observer = observer_of(dataset)
    groups, not_used, others = _groups(containers, label, observer, result.issues)
    if result.issues or study_date is None or modality is None:
        return result
    result.report = SrReport(
        file=label,
        patient_id=patient_id,
        sex=_sex(dataset),
        birth_date=birth_date,
        study_key=str(dataset.get("StudyInstanceUID", "") or "") or study_date.isoformat(),
        study_date=study_date,
        study_time=str(dataset.get("StudyTime", "") or ""),
        modality=modality,
        observer=observer,
        groups=tuple(groups),
        not_used=tuple(not_used),
        other_measurements=tuple(others),
    )
    return result


def _not_report(result: FileRead, label: str, why: str, *, from_folder: bool) -> FileRead:
    if from_folder:
        result.skipped = why
    else:
        result.issues.append(
            _error(
                "not_measurement_report",
                label,
                why,
                hint="give DICOM SR files holding TID 1500 measurement reports",
            )
        )
    return result


def _groups(
    containers: list[Dataset], label: str, document_observer: str | None, issues: list[Issue]
) -> tuple[list[SrGroup], list[tuple[str, str]], list[str]]:
    groups: list[SrGroup] = []
    not_used: list[tuple[str, str]] = []
    others: list[str] = []
    number = 0
    for container in containers:
        for item in items(container, sr.MEASUREMENT_GROUP):
            number += 1
            group = _group(item, number, label, document_observer, issues, others)
            if group is not None:
                groups.append(group)
    if number == 0:
        not_used.append(("the report", "holds no measurement group"))
    return groups, not_used, others


def _group(
    item: Dataset,
    number: int,
    label: str,
    document_observer: str | None,
    issues: list[Issue],
    others: list[str],
) -> SrGroup | None:
    texts = [text_of(i) for i in items(item, sr.TRACKING_IDENTIFIER)]
    tracking_id = next((t for t in texts if t), None)
    uids = [str(i.get("UID", "") or "").strip() for i in items(item, sr.TRACKING_UID)]
    uid = next((u for u in uids if u), None)
    named = f" (tracking identifier '{tracking_id}')" if tracking_id else ""
    where = f"measurement group {number}{named}"
    if uid is None:
        issues.append(
            _missing(
                label,
                sr.describe(sr.TRACKING_UID),
                where,
                hint="the tracking UID follows a lesion from report to report (TID 4108); "
                "export the report again with lesion tracking on",
            )
        )
        return None
    lengths = []
    for num in children(item):
        if num.get("ValueType") != "NUM":
            continue
        concept = name_of(num)
        if concept is None or not sr.matches(concept, sr.LENGTHS):
            others.append(concept.meaning if concept is not None else "unnamed")
            continue
        value = _length(num, concept, label, where, issues)
        if value is not None:
            lengths.append(value)
    return SrGroup(
        number=number,
        tracking_uid=uid,
        tracking_id=tracking_id,
        site=site_of(item),
        category=category_of(item),
        lengths=tuple(lengths),
        observer=observer_of(item) or document_observer,
    )


def _length(
    num: Dataset, concept: Code, label: str, where: str, issues: list[Issue]
) -> LengthValue | None:
    """The length in mm: UCUM mm or cm, converted exactly (Decimal)."""
    named = sr.describe(concept)
    measured = num.get("MeasuredValueSequence") or []
    if not measured or "NumericValue" not in measured[0]:
        issues.append(_missing(label, f"the value of {named}", where))
        return None
    raw = str(measured[0].NumericValue).strip()
    units = measured[0].get("MeasurementUnitsCodeSequence") or []
    unit = str(units[0].get("CodeValue", "") or "") if units else ""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        issues.append(
            _error(
                "bad_length",
                label,
                f"{where}: {named} = {raw}: not a length >= 0",
                hint="correct the measurement in the viewer and export the report again",
            )
        )
        return None
    if unit not in sr.MM_PER_UNIT:
        issues.append(
            _error(
                "unknown_unit",
                label,
                f"{where}: {named} is in '{unit}': the unit must be UCUM mm or cm",
                hint="prrt never guesses a unit; export the lengths in mm",
            )
        )
        return None
    value_mm = sr.EXACT.multiply(value, sr.MM_PER_UNIT[unit])
    return LengthValue(concept=concept, value_mm=value_mm, written=f"{raw} {unit}")


def _modality(dataset: Dataset, label: str, issues: list[Issue]) -> str | None:
    """``MRI`` when every referenced image is MR, else ``CT``; PET alone is an error."""
    classes = set()
    for study in dataset.get("CurrentRequestedProcedureEvidenceSequence") or []:
        for series in study.get("ReferencedSeriesSequence") or []:
            for instance in series.get("ReferencedSOPSequence") or []:
                classes.add(str(instance.get("ReferencedSOPClassUID", "")))
    if classes and classes <= MR_CLASSES:
        return "MRI"
    if classes and classes <= PET_CLASSES:
        issues.append(
            _error(
                "pet_report",
                label,
                "the report measures PET images only: RECIST 1.1 measures on CT or MRI (§3.1)",
                hint="import the CT or MRI report of the study",
            )
        )
        return None
    return "CT"


def _sex(dataset: Dataset) -> str | None:
    value = str(dataset.get("PatientSex", "") or "").strip().upper()
    return {"F": "F", "M": "M", "O": "other"}.get(value)


def _header_date(dataset: Dataset, keyword: str, label: str, issues: list[Issue]) -> date | None:
    text = str(dataset.get(keyword, "") or "").strip()
    if not text:
        return None
    if len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            pass
    issues.append(
        _error("bad_date", label, f"{keyword} = {text}: not a DICOM date (YYYYMMDD)", hint="")
    )
    return None


def _missing(label: str, what: str, where: str, *, hint: str = "") -> Issue:
    return _error(
        "missing_item",
        label,
        f"{where} has no {what}",
        hint=hint or "add it in the viewer and export the report again",
    )


def _error(code: str, label: str, rule: str, *, hint: str = "") -> Issue:
    return new_issue(Severity.ERROR, code, label, rule=rule, hint=hint)
