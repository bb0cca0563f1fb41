"""TID 1500 reports of one cohort -> bundle rows (docs/dicom_sr.md; bundle.md).

Rule (docs/decisions.md, D92-D95)
----
1. Reports join by Patient ID; within a patient, by study (Study Instance UID): one
   assessment per study, ``assessment_id`` its study date (``_2``, ``_3`` for a second
   study on one date). The earliest study is the RECIST baseline (RECIST 1.1 §3.1) and
   ``reference_date`` (no cycles come from SR).
2. A tracking UID (TID 4108) is one lesion across reports. First seen at baseline: a
   non-target when its group says "Non-Target Lesion at Baseline" (CID 6145), else a
   target when it has a length; a group with neither is not used, nor is a "Non-Lesion
   at Baseline". First seen later with a length: a new lesion (unequivocal) on every
   report it is in.
3. A node (finding site lymph node, CID 7600) is measured on its Short axis, any other
   lesion on its Long axis, else Length, else Diameter (RECIST 1.1 §3.2).
4. ``lesion_id`` is the tracking identifier when the patient's identifiers name their
   lesions one to one, else the tracking UID.
5. Lengths with more than two decimals of a millimetre are rounded half-even to 0.01 mm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pydicom.sr.coding import Code

from prrt.io.formats import dicom_sr_codes as sr
from prrt.io.formats.dicom_sr_read import LengthValue, SrGroup, SrReport
from prrt.io.formats.dicom_sr_rows import EVALUATOR, Conversion, Row
from prrt.io.issues import Severity, new_issue

HUNDREDTH = Decimal("0.01")
"""Diameters have at most two decimals (bundle.md, general rules)."""


@dataclass(frozen=True, slots=True)
class _Occurrence:
    study: int
    """Index of the study in date order; 0 is the baseline."""
    report: SrReport
    group: SrGroup

    @property
    def where(self) -> str:
        return f"{self.report.file}, {self.group.label()}"


@dataclass(slots=True)
class _Study:
    key: str
    reports: list[SrReport]
    assessment_id: str = ""

    @property
    def first(self) -> SrReport:
        return self.reports[0]


def convert_reports(reports: Sequence[SrReport], *, primary_site: str) -> Conversion:
    """Bundle rows of every patient of ``reports`` (files in the order given)."""
    conversion = Conversion()
    patients: dict[str, list[SrReport]] = {}
    for report in reports:
        patients.setdefault(report.patient_id, []).append(report)
    owners: dict[str, str] = {}
    for patient_id, own in patients.items():
        _Patient(conversion, patient_id, own, owners).convert(primary_site)
    return conversion


class _Patient:
    """The conversion of one patient's reports."""

    def __init__(
        self, out: Conversion, patient_id: str, reports: list[SrReport], owners: dict[str, str]
    ) -> None:
        self.out = out
        self.patient_id = patient_id
        self.reports = reports
        self.owners = owners
        self.studies = _studies(reports)
        self.ids: dict[str, str] = {}

    def convert(self, primary_site: str) -> None:
        if not self._consistent():
            return
        occurrences = self._occurrences()
        used = {uid: occ for uid, occ in occurrences.items() if self._is_used(occ)}
        self.ids = self._lesion_ids(used)
        self._patient_row(primary_site)
        self._assessment_rows()
        for occ in used.values():
            self.out.groups_used += len(occ)
            if occ[0].study == 0:
                self._baseline_lesion(occ)
            else:
                self._new_lesion(occ)

    def _consistent(self) -> bool:
        ok = True
        for keyword, values in (
            ("Patient's Sex (0010,0040)", {r.sex for r in self.reports if r.sex}),
            (
                "Patient's Birth Date (0010,0030)",
                {r.birth_date for r in self.reports if r.birth_date},
            ),
        ):
            if len(values) > 1:
                ok = False
                self._error(
                    "conflicting_patient",
                    self.reports[0].file,
                    f"patient {self.patient_id}: the reports differ in {keyword} "
                    f"({', '.join(sorted(str(v) for v in values))})",
                    hint="reports with one Patient ID must be of one person; "
                    + _files(self.reports),
                )
        for study in self.studies:
            dates = {r.study_date for r in study.reports}
            if len(dates) > 1:
                ok = False
                self._error(
                    "conflicting_study",
                    study.first.file,
                    f"study {study.key}: the reports differ in Study Date (0008,0020) "
                    f"({', '.join(sorted(d.isoformat() for d in dates))})",
                    hint=_files(study.reports),
                )
        return ok

    def _occurrences(self) -> dict[str, list[_Occurrence]]:
        by_uid: dict[str, list[_Occurrence]] = {}
        for index, study in enumerate(self.studies):
            for report in study.reports:
                for what, why in report.not_used:
                    self.out.not_used.append((f"{report.file}, {what}", why))
                for group in report.groups:
                    occ = _Occurrence(study=index, report=report, group=group)
                    owner = self.owners.setdefault(group.tracking_uid, self.patient_id)
                    if owner != self.patient_id:
                        self._error(
                            "tracking_uid_of_other_patient",
                            report.file,
                            f"{group.label()}: tracking UID {group.tracking_uid} is also "
                            f"used for patient {owner}",
                            hint="a tracking UID follows one lesion of one patient",
                        )
                        continue
                    seen = by_uid.setdefault(group.tracking_uid, [])
                    if seen and seen[-1].study == index:
                        self._error(
                            "duplicate_tracking_uid",
                            report.file,
                            f"{group.label()}: tracking UID {group.tracking_uid} is already "
                            f"in {seen[-1].where} of the same study ({study.assessment_id})",
                            hint="measure each lesion once per study",
                        )
                        continue
                    seen.append(occ)
        return by_uid

    def _is_used(self, occ: list[_Occurrence]) -> bool:
        """Rule 2 of the module: whether the tracking UID becomes a lesion or new lesion."""
        first = occ[0]
        group = first.group
        why = None
        if _is(group.category, sr.NON_LESION_AT_BASELINE):
            why = f"{sr.describe(sr.NON_LESION_AT_BASELINE)}: not a lesion"
        elif first.study > 0 and group.category is not None:
            self._error(
                "category_after_baseline",
                first.report.file,
                f"{group.label()} says {sr.describe(group.category)} but its tracking UID is "
                f"not in the baseline ({self.studies[0].assessment_id})",
                hint="a lesion chosen at baseline must be measured in the baseline report",
            )
            return False
        elif group.category is None and not group.lengths:
            why = "no length measurement (Long axis, Short axis, Length or Diameter)"
            if first.study > 0:
                why += ": not counted as a new lesion"
        if why is not None:
            self.out.not_used.extend((o.where, why) for o in occ)
            return False
        if _site(occ) is None:
            self._error(
                "missing_item",
                first.report.file,
                f"{group.label()} has no {sr.describe(sr.FINDING_SITE)}",
                hint="the finding site gives the lesion's organ and whether it is a node "
                "(RECIST 1.1 §3.2); add it in the viewer and export the report again",
            )
            return False
        return True

    def _lesion_ids(self, used: dict[str, list[_Occurrence]]) -> dict[str, str]:
        """Rule 4 of the module (docs/decisions.md, D94)."""
        texts = {
            uid: next((o.group.tracking_id for o in occ if o.group.tracking_id), None)
            for uid, occ in used.items()
        }
        names = [t for t in texts.values() if t is not None]
        if len(names) == len(texts) and len(set(names)) == len(names):
            if texts:
                self.out.lesion_ids.append((self.patient_id, "tracking identifiers"))
            return {uid: str(text) for uid, text in texts.items()}
        if len(names) < len(texts):
            why = f"{len(texts) - len(names)} lesion(s) have no tracking identifier"
        else:
            shared = sorted({t for t in names if names.count(t) > 1})
            why = "the tracking identifier " + ", ".join(f"'{t}'" for t in shared)
            why += " names several lesions"
        self.out.lesion_ids.append((self.patient_id, f"tracking UIDs ({why})"))
        return {uid: uid for uid in texts}

    def _patient_row(self, primary_site: str) -> None:
        first = self.reports[0]
        sex = next((r.sex for r in self.reports if r.sex), None)
        birth = next((r.birth_date for r in self.reports if r.birth_date), None)
        values = {
            "patient_id": self.patient_id,
            "sex": sex or "",
            "birth_date": birth.isoformat() if birth else "",
            "primary_site": primary_site,
            "reference_date": self.studies[0].first.study_date.isoformat(),
        }
        self.out.tables["patients"].append(Row(values, first.file))

    def _assessment_rows(self) -> None:
        for study in self.studies:
            observers = list(dict.fromkeys(r.observer for r in study.reports if r.observer))
            shown = "; ".join(observers)
            if len(observers) > 1:
                self._warning(
                    "several_observers",
                    study.first.file,
                    f"patient {self.patient_id}, study {study.assessment_id}: reports of "
                    f"{len(observers)} observers ({shown}); their lesions are joined into one "
                    "assessment",
                    hint="for one assessment per reader, import each reader's reports apart; "
                    + _files(study.reports),
                )
            self.out.observers.append((self.patient_id, study.assessment_id, shown or "none"))
            values = {
                "patient_id": self.patient_id,
                "assessment_id": study.assessment_id,
                "date": study.first.study_date.isoformat(),
                "modality": study.first.modality,
                EVALUATOR: shown,
            }
            self.out.tables["assessments"].append(Row(values, _files(study.reports)))

    def _baseline_lesion(self, occ: list[_Occurrence]) -> None:
        first = occ[0]
        site = _site(occ)
        assert site is not None  # checked by _is_used
        organ, _ = sr.organ_of_site(site)
        is_node = sr.is_lymph_node(site)
        target = not _is(first.group.category, sr.NON_TARGET_AT_BASELINE)
        lesion_id = self.ids[first.group.tracking_uid]
        self._check_site(occ, organ)
        self.out.tables["lesions"].append(
            Row(
                {
                    "patient_id": self.patient_id,
                    "lesion_id": lesion_id,
                    "role": "target" if target else "non_target",
                    "organ": organ,
                    "is_node": "true" if is_node else "false",
                    EVALUATOR: first.group.observer or "",
                },
                first.where,
            )
        )
        for o in occ:
            values = {
                "patient_id": self.patient_id,
                "assessment_id": self.studies[o.study].assessment_id,
                "lesion_id": lesion_id,
                "diameter_mm": "",
                "status": "present",
                EVALUATOR: o.group.observer or "",
            }
            if target:
                length = self._diameter(o, is_node=is_node)
                if length is None:
                    continue
                values["diameter_mm"] = self._mm(length, o)
                values["status"] = ""
            self.out.tables["measurements"].append(Row(values, o.where))

    def _new_lesion(self, occ: list[_Occurrence]) -> None:
        site = _site(occ)
        assert site is not None  # checked by _is_used
        organ, _ = sr.organ_of_site(site)
        is_node = sr.is_lymph_node(site)
        self._check_site(occ, organ)
        for o in occ:
            short = o.group.length((sr.SHORT_AXIS,)) if is_node else None
            values = {
                "patient_id": self.patient_id,
                "assessment_id": self.studies[o.study].assessment_id,
                "new_lesion_id": self.ids[o.group.tracking_uid],
                "certainty": "unequivocal",
                "organ": organ,
                "is_node": "true" if is_node else "false",
                "short_axis_mm": self._mm(short, o) if short is not None else "",
                EVALUATOR: o.group.observer or "",
            }
            self.out.tables["new_lesions"].append(Row(values, o.where))

    def _diameter(self, o: _Occurrence, *, is_node: bool) -> LengthValue | None:
        """Rule 3 of the module: the length RECIST 1.1 §3.2 sums, or an error naming it."""
        if is_node:
            length = o.group.length((sr.SHORT_AXIS,))
            wanted = f"{sr.describe(sr.SHORT_AXIS)}: a node is measured on its short axis"
        else:
            length = o.group.length(sr.NON_NODAL_LENGTHS)
            wanted = (
                f"{sr.describe(sr.LONG_AXIS)}, {sr.describe(sr.LENGTH)} or "
                f"{sr.describe(sr.DIAMETER)}: a target is measured on its longest diameter"
            )
        if length is None:
            self._error(
                "missing_item",
                o.report.file,
                f"{o.group.label()}, a target, has no {wanted} (RECIST 1.1 §3.2)",
                hint="measure the lesion in the viewer and export the report again",
            )
        return length

    def _check_site(self, occ: list[_Occurrence], organ: str) -> None:
        for o in occ:
            if o.group.site is not None and sr.organ_of_site(o.group.site)[0] != organ:
                self._warning(
                    "finding_site_changed",
                    o.report.file,
                    f"{o.group.label()}: finding site {sr.describe(o.group.site)} differs "
                    f"from the lesion's first report (organ {organ}, kept)",
                )
        site = _site(occ)
        if site is not None and not sr.organ_of_site(site)[1]:
            self._warning(
                "unmapped_finding_site",
                occ[0].report.file,
                f"{occ[0].group.label()}: finding site {sr.describe(site)} is not in prrt's "
                f"list of organs: organ '{organ}' (its code meaning) is used",
                hint="RECIST 1.1 §3.3 counts at most two targets per organ; check lesions.csv",
            )

    def _mm(self, length: LengthValue, o: _Occurrence) -> str:
        """The length as bundle text, rounded half-even to 0.01 mm when finer (D95)."""
        value = length.value_mm
        rounded = sr.EXACT.quantize(value, HUNDREDTH)
        if rounded != value:
            self.out.rounded.append((o.where, length.written, _plain(rounded)))
        return _plain(rounded)

    def _error(self, code: str, file: str, rule: str, *, hint: str = "") -> None:
        self.out.issues.append(new_issue(Severity.ERROR, code, file, rule=rule, hint=hint))

    def _warning(self, code: str, file: str, rule: str, *, hint: str = "") -> None:
        self.out.issues.append(new_issue(Severity.WARNING, code, file, rule=rule, hint=hint))


def _studies(reports: list[SrReport]) -> list[_Study]:
    """Studies in date order, each with its assessment ID (rule 1 of the module)."""
    by_key: dict[str, _Study] = {}
    for report in reports:
        by_key.setdefault(report.study_key, _Study(report.study_key, [])).reports.append(report)
    studies = sorted(by_key.values(), key=lambda s: (s.first.study_date, s.first.study_time, s.key))
    per_date: dict[str, int] = {}
    for study in studies:
        day = study.first.study_date.isoformat()
        per_date[day] = per_date.get(day, 0) + 1
        study.assessment_id = day if per_date[day] == 1 else f"{day}_{per_date[day]}"
    return studies


def _is(code: Code | None, concept: Code) -> bool:
    return code is not None and code == concept


def _site(occ: list[_Occurrence]) -> Code | None:
    return next((o.group.site for o in occ if o.group.site is not None), None)


def _plain(value: Decimal) -> str:
    """``23.4``, ``100``: no exponent, no trailing zeros."""
    return format(value.normalize(sr.EXACT), "f")


def _files(reports: Sequence[SrReport]) -> str:
    return "files " + ", ".join(r.file for r in reports) if len(reports) > 1 else reports[0].file
