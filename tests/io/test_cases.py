"""PatientCase building from a valid bundle (bundle.md; prrt.model.case).

Expected values are read off the files of ``VALID_FILES`` in conftest.py by hand.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from prrt.errors import DataValidationError
from prrt.io.bundle import Bundle, read_bundle, validate_bundle
from prrt.io.validate_lesions import combine_target_fragments
from prrt.model.case import SplitTarget
from prrt.model.clinical import AdverseEvent, LabTest, SymptomRecord, SymptomStatus
from prrt.model.enums import (
    LesionRole,
    NewLesionCertainty,
    NonTargetStatus,
    Response,
    StopReason,
    TargetStatus,
)
from prrt.model.patient import LiverTumourBurden, PriorTherapy
from prrt.model.pet import PetAssessment, PetLesion


@pytest.fixture
def bundle(tmp_path: Path, valid_files, write_bundle_files) -> Bundle:
    return read_bundle(write_bundle_files(tmp_path / "valid", valid_files))


def _case(bundle: Bundle, patient_id: str):
    return next(c for c in bundle.cases if c.patient_id == patient_id)


def test_valid_bundle_reads_without_issues(bundle: Bundle) -> None:
    assert bundle.report.issues == []
    assert [c.patient_id for c in bundle.cases] == ["P001", "007", "P003"]  # file order
    assert bundle.groups == ("MM", "mesenteric_mass")
    assert bundle.response_scopes == ("all", "only:MM", "without:MM")


def test_diameters_are_exact_hundredths(bundle: Bundle) -> None:
    by_id = {a.assessment_id: a for a in _case(bundle, "P001").assessments}
    # "10.1" and "10.10" -> 1010; "15" -> 1500
    assert by_id["A0"].targets == {"L1": 1010, "L2": 1010, "N1": 1500}
    # split lesion: 6.05 + 4.5 = 10.55 mm -> 1055; "9.99" -> 999
    assert by_id["A1"].targets == {"L1": 1055, "L2": TargetStatus.TOO_SMALL, "N1": 999}
    assert by_id["A2"].targets == {
        "L1": 0,
        "L2": TargetStatus.COALESCED,
        "N1": TargetStatus.NOT_EVALUABLE,
    }
    assert all(type(v) is int for v in by_id["A0"].targets.values())


def test_non_targets_and_missing_rows(bundle: Bundle) -> None:
    by_id = {a.assessment_id: a for a in _case(bundle, "P001").assessments}
    assert by_id["A0"].non_targets == {"T1": None}  # empty status; T2 has no row
    assert by_id["A1"].non_targets == {"T1": NonTargetStatus.ABSENT, "T2": None}
    assert by_id["A2"].non_targets == {"T2": NonTargetStatus.UNEQUIVOCAL_PROGRESSION}
    assert (by_id["A3"].targets, by_id["A3"].non_targets) == ({}, {})  # no rows: absent


def test_assessments_sorted_ct_mri_only(bundle: Bundle) -> None:
    case = _case(bundle, "P001")
    # file order A2, A0, PET0, A1, A3 -> by date, PET left out; rows as in the file
    assert [(a.assessment_id, a.date, a.source_row, a.not_done) for a in case.assessments] == [
        ("A0", date(2024, 1, 2), 3, False),
        ("A1", date(2024, 3, 1), 5, False),
        ("A2", date(2024, 6, 1), 2, False),
        ("A3", date(2024, 8, 1), 6, True),
    ]


def test_patient_fields_and_lesions(bundle: Bundle) -> None:
    first, reader, ned = (_case(bundle, p) for p in ("P001", "007", "P003"))
    assert (first.primary_site, first.reference_date, first.measurable_disease) == (
        "pancreas",
        date(2024, 1, 10),
        None,
    )
    assert first.last_contact_date == date(2025, 1, 1)
    assert [(x.lesion_id, x.role, x.organ, x.is_node, x.group) for x in first.lesions] == [
        ("L1", LesionRole.TARGET, "liver", False, "mesenteric_mass"),
        ("L2", LesionRole.TARGET, "liver", False, None),
        ("N1", LesionRole.TARGET, "lymph_node", True, "mesenteric_mass"),
        ("T1", LesionRole.NON_TARGET, "bone", False, None),
        ("T2", LesionRole.NON_TARGET, "peritoneum", False, "MM"),
    ]
    assert reader.primary_site == "small_intestine"  # "Small_Intestine" normalised
    assert (reader.death_date, reader.new_therapy_date) == (date(2024, 12, 1), date(2024, 10, 1))
    assert reader.measurable_disease is True
    assert reader.is_reader_assigned
    # no reference_date: the first cycle's date; disease_at_baseline "false"
    assert (ned.reference_date, ned.disease_at_baseline) == (date(2024, 4, 1), False)


def test_cycles_sorted_with_exact_activities(bundle: Bundle) -> None:
    cycles = _case(bundle, "P001").cycles
    assert [(c.course, c.cycle, c.date) for c in cycles] == [
        (1, 1, date(2024, 1, 10)),
        (1, 2, date(2024, 3, 10)),
        (2, 1, date(2024, 9, 1)),
    ]
    assert [c.activity_gbq for c in cycles] == [Decimal("7.4"), Decimal("7.40"), Decimal("3.7")]
    assert cycles[2].stop_reason is StopReason.COMPLETED
    assert cycles[2].dose_reduction_reason == "renal function"
    assert _case(bundle, "P003").cycles[0].course == 1  # empty course = 1


def test_new_lesions_and_reader_responses(bundle: Bundle) -> None:
    a2 = next(a for a in _case(bundle, "P001").assessments if a.assessment_id == "A2")
    assert [
        (n.new_lesion_id, n.certainty, n.is_node, n.short_axis_hmm, n.group) for n in a2.new_lesions
    ] == [
        ("NL1", NewLesionCertainty.EQUIVOCAL, False, None, None),
        ("NL2", NewLesionCertainty.UNEQUIVOCAL, True, 1250, "mesenteric_mass"),
    ]
    responses = _case(bundle, "007").reader_responses
    assert [(r.assessment_id, r.scope, r.overall_response) for r in responses] == [
        ("B1", "all", Response.PR),
        ("B1", "only:MM", Response.SD),
        ("B1", "without:MM", Response.NON_CR_NON_PD),
    ]


def test_version_1_2_patient_characteristics(bundle: Bundle) -> None:
    # bundle.md 1.2, read off VALID_FILES: P001 "1,no,Surgery; somatostatin_analogue;
    # CAPECITABINE_TEMOZOLOMIDE,25-50"; 007 "0,yes,None,<25"; P003 all empty
    first, reader, ned = (_case(bundle, p) for p in ("P001", "007", "P003"))
    assert (first.ecog, first.carcinoid_syndrome, first.liver_tumour_burden) == (
        1,
        False,
        LiverTumourBurden.FROM_25_TO_50,
    )
    # items in the order written, spaces dropped, case normalised
    assert first.prior_therapies == (
        PriorTherapy.SURGERY,
        PriorTherapy.SOMATOSTATIN_ANALOGUE,
        PriorTherapy.CAPECITABINE_TEMOZOLOMIDE,
    )
    assert (reader.ecog, reader.carcinoid_syndrome, reader.liver_tumour_burden) == (
        0,
        True,
        LiverTumourBurden.BELOW_25,
    )
    assert reader.prior_therapies == ()  # "none": recorded, no prior therapy
    assert (
        ned.ecog,
        ned.carcinoid_syndrome,
        ned.prior_therapies,
        ned.liver_tumour_burden,
    ) == (None, None, None, None)  # not recorded
    typed = bundle.tables["patients"]
    assert typed["ecog"].tolist()[:2] == [1, 0]
    assert typed["ecog"].isna().tolist()[2]
    assert str(typed["ecog"].dtype) == "Int64"
    assert str(typed["carcinoid_syndrome"].dtype) == "boolean"
    assert typed["prior_therapies"].tolist() == [
        "surgery;somatostatin_analogue;capecitabine_temozolomide",
        "none",
        None,
    ]
    assert typed["liver_tumour_burden"].tolist() == ["25-50", "<25", None]


def test_typed_tables(bundle: Bundle) -> None:
    measurements = bundle.tables["measurements"]
    assert measurements["diameter_hmm"].tolist()[:3] == [1010, 1010, 1500]
    assert measurements["row"].tolist()[:3] == [2, 3, 4]
    assert bundle.tables["patients"]["patient_id"].tolist() == ["P001", "007", "P003"]
    assert str(bundle.tables["assessments"]["not_done"].dtype) == "boolean"


@pytest.mark.parametrize(
    ("text", "hmm"),
    [
        ("10.1", 1010),
        ("10.10", 1010),
        ("10.100", 1010),
        ("0.01", 1),
        (".5", 50),
        ("007", 700),
        ("0", 0),
        ("123.45", 12345),
    ],
)
def test_diameter_text_to_hundredths(
    tmp_path: Path, valid_files, write_bundle_files, text: str, hmm: int
) -> None:
    valid_files["measurements.csv"] = valid_files["measurements.csv"].replace(
        "P001,A1,N1,9.99,", f"P001,A1,N1,{text},"
    )
    bundle = read_bundle(write_bundle_files(tmp_path / "b", valid_files))
    a1 = next(a for a in bundle.cases[0].assessments if a.assessment_id == "A1")
    assert a1.targets["N1"] == hmm


@pytest.mark.parametrize(
    ("text", "code", "rule"),
    [
        ("10.123", "too_many_decimals", "has more than 2 decimals"),
        ("10.001", "too_many_decimals", "has more than 2 decimals"),
        ("-0.5", "negative_value", "must be >= 0"),
        ("1e1", "bad_number", "must be a number"),
        ("10,5", "bad_number", "must be a number"),
        ("10 mm", "bad_number", "must be a number"),
    ],
)
def test_bad_diameter_text(
    tmp_path: Path, valid_files, write_bundle_files, text: str, code: str, rule: str
) -> None:
    valid_files["measurements.csv"] = valid_files["measurements.csv"].replace(
        "P001,A1,N1,9.99,", f'P001,A1,N1,"{text}",'
    )
    path = write_bundle_files(tmp_path / "b", valid_files)
    [issue] = validate_bundle(path).issues
    assert (issue.code, issue.file, issue.row, issue.column, issue.value, issue.rule) == (
        code,
        "measurements.csv",
        9,
        "diameter_mm",
        text,
        rule,
    )
    with pytest.raises(DataValidationError, match=f"measurements.csv row 9, diameter_mm = {text}"):
        read_bundle(path)


@pytest.mark.parametrize(
    ("fragments", "value", "outcome"),
    [
        # measured + coalesced: the coalesced fragment counts 0 -> 6.05 mm
        ("6.05,,1\nP001,A1,L1,,coalesced,2", 605, "6.05 mm"),
        # measured + too small: each fragment counts as any target value (recist11.md §3),
        # the too_small one tstm_default_mm when the engine resolves it
        (
            "6.05,,1\nP001,A1,L1,,too_small,2",
            SplitTarget(measured_hmm=605, too_small_count=1),
            "6.05 mm plus 1 x tstm_default_mm (too_small fragments)",
        ),
        # only a not-evaluable fragment makes the lesion not evaluable (recist11.md §3)
        ("6.05,,1\nP001,A1,L1,,not_evaluable,2", TargetStatus.NOT_EVALUABLE, "not_evaluable"),
        (",too_small,1\nP001,A1,L1,,coalesced,2", TargetStatus.TOO_SMALL, "too_small"),
    ],
)
def test_mixed_fragments_decided_and_warned(
    tmp_path: Path, valid_files, write_bundle_files, fragments: str, value, outcome: str
) -> None:
    valid_files["measurements.csv"] = valid_files["measurements.csv"].replace(
        "P001,A1,L1,6.05,,1\nP001,A1,L1,4.5,,2", f"P001,A1,L1,{fragments}"
    )
    bundle = read_bundle(write_bundle_files(tmp_path / "b", valid_files))
    a1 = next(a for a in bundle.cases[0].assessments if a.assessment_id == "A1")
    assert a1.targets["L1"] == value
    [issue] = bundle.report.issues
    assert (issue.code, issue.row, issue.column) == ("mixed_fragments", 6, "status")
    assert issue.rule.endswith(f"the lesion counts as {outcome}")


@pytest.mark.parametrize(
    ("statuses", "hmm", "value"),
    [
        # recist11.md §3: each fragment counts as any target value
        (["measured", "measured"], [1200, 300], 1500),
        (["measured", "too_small"], [0, 0], SplitTarget(measured_hmm=0, too_small_count=1)),
        (["too_small", "too_small"], [0, 0], SplitTarget(measured_hmm=0, too_small_count=2)),
        (["too_small", "coalesced"], [0, 0], TargetStatus.TOO_SMALL),
        (["coalesced", "coalesced"], [0, 0], TargetStatus.COALESCED),
        (["too_small", "not_evaluable"], [0, 0], TargetStatus.NOT_EVALUABLE),
        (["", "not_evaluable"], [800, 0], TargetStatus.NOT_EVALUABLE),
    ],
)
def test_combine_target_fragments(statuses, hmm, value) -> None:
    assert combine_target_fragments(statuses, hmm) == value


def test_split_non_target_takes_the_strongest_status(
    tmp_path: Path, valid_files, write_bundle_files
) -> None:
    # T1 is absent in row 10: split into fragments 1 (absent) and 2 (present)
    valid_files["measurements.csv"] = valid_files["measurements.csv"].replace(
        "P001,A1,T1,,absent\n", "P001,A1,T1,,absent,1\n"
    )
    valid_files["measurements.csv"] += "P001,A1,T1,,present,2\n"
    bundle = read_bundle(write_bundle_files(tmp_path / "b", valid_files))
    a1 = next(a for a in bundle.cases[0].assessments if a.assessment_id == "A1")
    assert a1.non_targets["T1"] is NonTargetStatus.PRESENT
    assert [i.code for i in bundle.report] == ["mixed_fragments"]


def test_pet_assessments_sorted_with_their_lesions(bundle: Bundle) -> None:
    first, reader, ned = (_case(bundle, p) for p in ("P001", "007", "P003"))
    assert reader.pet_assessments == ned.pet_assessments == ()
    baseline, later = first.pet_assessments  # file rows 4 and 11, by date
    assert baseline == PetAssessment(
        assessment_id="PET0",
        date=date(2024, 1, 3),
        tracer="68Ga-DOTATATE",
        liver_suv_mean=Decimal("6.5"),
        spleen_suv_mean=Decimal("24.0"),
        krenning_score=4,
        lesions=(
            PetLesion(
                lesion_id="L1",
                group="mesenteric_mass",
                suv_max=Decimal("32.5"),
                suv_peak=Decimal("24.1"),
                suv_mean=Decimal("18.0"),
                volume_ml=Decimal("12.4"),
                krenning_score=4,
            ),
            PetLesion(lesion_id="N1", suv_max=Decimal("21.3"), krenning_score=3),
            PetLesion(lesion_id="B7", suv_max=Decimal(15)),  # PET-only: not in lesions.csv
        ),
    )
    assert (later.assessment_id, later.tracer, later.spleen_suv_mean) == (
        "PET1",
        "68Ga-DOTATOC",  # written 68ga-dotatoc
        None,
    )
    assert [(x.lesion_id, x.is_new, x.volume_ml) for x in later.lesions] == [
        ("L1", False, None),
        ("N1", False, None),
        ("NEW1", True, Decimal("2.5")),
    ]
    assert all(a.assessment_id.startswith("A") for a in first.assessments)  # PET apart


def test_symptoms_sorted_by_date_then_file_order(bundle: Bundle) -> None:
    assert _case(bundle, "P001").symptoms == (
        SymptomRecord(
            date=date(2024, 1, 5),
            symptom="abdominal_pain",
            attribution="mesenteric_mass",
            status=SymptomStatus.PRESENT,
            grade=2,
        ),
        SymptomRecord(
            date=date(2024, 1, 5),
            symptom="diarrhoea",  # written Diarrhoea
            attribution="carcinoid_syndrome",
            status=SymptomStatus.PRESENT,
        ),
        SymptomRecord(
            date=date(2024, 3, 1),
            symptom="diarrhoea",
            attribution="carcinoid_syndrome",
            status=SymptomStatus.STABLE,
        ),
        SymptomRecord(
            date=date(2024, 6, 1),
            symptom="abdominal_pain",
            attribution="mesenteric_mass",
            status=SymptomStatus.IMPROVED,
            grade=1,
        ),
    )
    assert [s.symptom for s in _case(bundle, "007").symptoms] == ["weight_loss"]


def test_labs_sorted_by_date_then_file_order(bundle: Bundle) -> None:
    labs = _case(bundle, "P001").labs
    # 2024-01-08: file rows 2-4, 5, 8-14; 2024-02-15: rows 6, 7, 16-18
    assert [lab.source_row for lab in labs] == [
        2,
        3,
        4,
        5,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        6,
        7,
        16,
        17,
        18,
    ]
    assert labs[0].test is LabTest.HAEMOGLOBIN
    assert (labs[4].test, labs[4].value, labs[4].lln, labs[4].uln) == (
        LabTest.EGFR,
        Decimal(85),
        Decimal(90),
        None,
    )
    [reader_lab] = _case(bundle, "007").labs  # written Haemoglobin, g/dl
    assert (reader_lab.test, reader_lab.value) == (LabTest.HAEMOGLOBIN, Decimal("13.1"))


def test_adverse_events_sorted_by_onset(bundle: Bundle) -> None:
    assert _case(bundle, "P001").adverse_events == (
        AdverseEvent(
            term="Nausea",
            ctcae_grade=1,
            onset_date=date(2024, 1, 10),
            end_date=date(2024, 1, 11),
            attribution="prrt",
            serious=False,
            action="none",
        ),
        AdverseEvent(
            term="Platelet count decreased",
            ctcae_grade=2,
            onset_date=date(2024, 2, 15),
            end_date=date(2024, 3, 5),
            attribution="prrt",  # written PRRT
            serious=False,
            action="reduction",  # written Reduction
        ),
        AdverseEvent(
            term="Small intestinal obstruction",
            ctcae_grade=3,
            onset_date=date(2024, 5, 2),
            attribution="mesenteric_mass",
            serious=True,
            action="delay",
        ),
    )
    assert _case(bundle, "007").adverse_events == (
        AdverseEvent(term="Fatigue", ctcae_grade=1, onset_date=date(2024, 2, 10)),
    )


def test_typed_frames_of_the_new_tables(bundle: Bundle) -> None:
    pet = bundle.tables["pet_lesions"]
    assert [str(pet[c].dtype) for c in ("suv_max", "krenning_score", "new")] == [
        "Float64",
        "Int64",
        "boolean",
    ]
    assert pet["new"].tolist() == [False, False, False, False, False, True]
    assessments = bundle.tables["assessments"]
    assert assessments["krenning_score"].tolist()[2] == 4
    assert str(bundle.tables["adverse_events"]["ctcae_grade"].dtype) == "Int64"
    assert str(bundle.tables["symptoms"]["date"].dtype) == "datetime64[s]"
    labs = bundle.tables["labs"]
    assert list(labs.columns) == [
        "row",
        "patient_id",
        "date",
        "test",
        "value",
        "unit",
        "lln",
        "uln",
        "canonical_unit",
        "canonical_value",
        "canonical_lln",
        "canonical_uln",
    ]
    assert labs.loc[labs.row == 13, ["value", "canonical_value"]].values.tolist() == [
        [1450.0, 1.45]
    ]


def test_bundle_without_the_new_tables_has_empty_ones(
    tmp_path: Path, valid_files, write_bundle_files
) -> None:
    for name in ("pet_lesions.csv", "symptoms.csv", "labs.csv", "adverse_events.csv"):
        del valid_files[name]
    bundle = read_bundle(write_bundle_files(tmp_path / "v1", valid_files))
    assert bundle.report.issues == []
    first = bundle.cases[0]
    assert [len(p.lesions) for p in first.pet_assessments] == [0, 0]
    assert (first.symptoms, first.labs, first.adverse_events) == ((), (), ())
    assert len(bundle.tables["labs"]) == 0
    assert "canonical_value" in bundle.tables["labs"].columns


def test_without_clinical_records_the_cases_lack_only_them(
    tmp_path: Path, valid_files, write_bundle_files
) -> None:
    """read_bundle(clinical_records=False), as prrt assess reads: the same cases but for
    empty symptoms, labs and adverse events, and the same warnings."""
    folder = write_bundle_files(tmp_path / "valid", valid_files)
    full, lean = read_bundle(folder), read_bundle(folder, clinical_records=False)
    assert (full.clinical_records, lean.clinical_records) == (True, False)
    assert any(case.labs and case.symptoms and case.adverse_events for case in full.cases)
    emptied = [
        dataclasses.replace(case, symptoms=(), labs=(), adverse_events=()) for case in full.cases
    ]
    assert list(lean.cases) == emptied
    assert lean.report == full.report
