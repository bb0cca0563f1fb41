"""``prrt export fhir``: FHIR R4B transaction Bundles with mCODE profiles (docs/fhir.md).

Three checks: every resource of the demo cohort's first patients parses with its
``fhir.resources`` R4B class and keeps the mCODE rules the export relies on; one
hand-written patient's Bundle is checked field by field against the values written out
below; the CLI's exit statuses.

The hand-written patient P01 (small-intestinal NET G2): target lesions L1 (liver, 40.0 mm
at baseline A0) and N1 (lymph node, short axis 20.0 mm), follow-up A1 (MRI) with L1 24.5 mm
and N1 12.0 mm, cycles of 7.4 and 5.55 GBq. Hand calculation (RECIST 1.1 §4.3.1): baseline
sum 40.0 + 20.0 = 60.0 mm, A1 sum 24.5 + 12.0 = 36.5 mm, change (36.5 - 60.0) / 60.0 =
-39.2 % <= -30 %, so target PR; no non-target lesion (NA) and no new lesion (N), so the
overall response is PR, which docs/decisions.md D97 codes as "improved" (268910001).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from prrt.assess import assess_bundle
from prrt.cli.main import main
from prrt.io.bundle import read_bundle
from prrt.io.formats import fhir_codes as codes
from prrt.io.formats.fhir import DEFAULT_IDENTIFIER_SYSTEM, export_fhir, fhir_file_names
from prrt.io.formats.fhir_resources import FULL_URL_NAMESPACE
from prrt.io.schema import PRIMARY_SITES
from prrt.model.enums import Response

DEMO = Path(__file__).parents[3] / "src" / "prrt" / "datasets" / "demo"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"

P01_FILES = {
    "patients.csv": (
        "patient_id,sex,birth_date,diagnosis_date,primary_site,grade,stage,reference_date\n"
        "P01,F,1955-03-02,2019-06-15,small_intestine,G2,IV,2023-01-10\n"
    ),
    "cycles.csv": (
        "patient_id,cycle,date,activity_gbq,planned_activity_gbq,dose_reduction_reason\n"
        "P01,1,2023-01-10,7.4,7.4,\n"
        "P01,2,2023-03-10,5.55,7.4,renal function\n"
    ),
    "assessments.csv": (
        "patient_id,assessment_id,date,modality\nP01,A0,2023-01-05,CT\nP01,A1,2023-03-05,MRI\n"
    ),
    "lesions.csv": (
        "patient_id,lesion_id,role,organ,is_node\n"
        "P01,L1,target,liver,false\n"
        "P01,N1,target,lymph_node,true\n"
    ),
    "measurements.csv": (
        "patient_id,assessment_id,lesion_id,diameter_mm,status\n"
        "P01,A0,L1,40.0,\nP01,A0,N1,20.0,\nP01,A1,L1,24.5,\nP01,A1,N1,12.0,\n"
    ),
}


def write_files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def export(source: Path, out: Path, **options: Any) -> list[Path]:
    bundle = read_bundle(source, clinical_records=False)
    responses = assess_bundle(bundle, scopes=["all"]).timepoint_responses.to_dict("records")
    return [f.path for f in export_fhir(bundle, responses, out, **options).files]


def resources_by_profile(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        profile = entry["resource"]["meta"]["profile"][0].removeprefix(MCODE)
        found.setdefault(profile, []).append(entry["resource"])
    return found


def references(value: Any) -> list[str]:
    """Every Reference.reference inside ``value``."""
    if isinstance(value, dict):
        own = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return own + [ref for item in value.values() for ref in references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in references(item)]
    return []


def check_mcode_rules(bundle: dict[str, Any]) -> None:
    """The structural FHIR check, then the mCODE 4.0.0 rules the export relies on."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
    assert bundle["type"] == "transaction"
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert entry["request"] == {"method": "POST", "url": resource["resourceType"]}
        assert set(references(resource)) <= set(full_urls)  # references resolve
    by_profile = resources_by_profile(bundle)
    assert len(by_profile["mcode-cancer-patient"]) == 1
    assert len(by_profile["mcode-primary-cancer-condition"]) == 1
    for size in by_profile.get("mcode-tumor-size", []):
        # TumorSize: code 21889-1; focus or specimen (must-have-focus-or-specimen-invariant);
        # exactly one longest-dimension component (slice tumorLongestDimension 1..1)
        assert size["code"]["coding"][0]["code"] == "21889-1"
        assert size["focus"]
        longest = [c for c in size["component"] if c["code"]["coding"][0]["code"] == "33728-7"]
        assert len(longest) == 1
    trend = {code.code for code in (codes.IMPROVED, codes.STABLE, codes.WORSENED)} | {
        codes.UNDETERMINED.code
    }
    for status in by_profile.get("mcode-cancer-disease-status", []):
        # CancerDiseaseStatus: code 97509-4, value from ConditionStatusTrendVS (required)
        assert status["code"]["coding"][0]["code"] == "97509-4"
        assert status["valueCodeableConcept"]["coding"][0]["code"] in trend
    for given in by_profile.get("mcode-cancer-related-medication-administration", []):
        assert given["reasonReference"]  # mcode-reason-required


@pytest.fixture(scope="module")
def demo_bundles(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    paths = export(DEMO, tmp_path_factory.mktemp("fhir"))
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths[:6]]


def test_every_resource_of_the_first_demo_patients_validates(
    demo_bundles: list[dict[str, Any]],
) -> None:
    for bundle in demo_bundles:
        check_mcode_rules(bundle)
    profiles = {p for bundle in demo_bundles for p in resources_by_profile(bundle)}
    assert profiles == {
        "mcode-cancer-patient",
        "mcode-primary-cancer-condition",
        "mcode-tumor",
        "mcode-tumor-size",
        "mcode-cancer-disease-status",
        "mcode-cancer-related-medication-administration",
    }


@pytest.fixture
def p01(tmp_path: Path) -> dict[str, Any]:
    [path] = export(write_files(tmp_path / "bundle", P01_FILES), tmp_path / "fhir")
    assert path.name == "P01.json"
    bundle: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return bundle


def test_one_patient_field_by_field(p01: dict[str, Any]) -> None:
    check_mcode_rules(p01)
    url = {id(entry["resource"]): entry["fullUrl"] for entry in p01["entry"]}
    found = resources_by_profile(p01)
    [patient] = found["mcode-cancer-patient"]
    [condition] = found["mcode-primary-cancer-condition"]
    tumors = found["mcode-tumor"]
    sizes = found["mcode-tumor-size"]
    [status] = found["mcode-cancer-disease-status"]
    given = found["mcode-cancer-related-medication-administration"]
    assert [len(tumors), len(sizes), len(given), len(p01["entry"])] == [2, 4, 2, 11]
    to_patient = {"reference": url[id(patient)]}
    to_condition = {"reference": url[id(condition)]}
    # deterministic fullUrl: UUID 5 of the patient ID and the resource key (D96)
    name = "\x1f".join(["P01", "Patient"])
    assert url[id(patient)] == f"urn:uuid:{uuid.uuid5(FULL_URL_NAMESPACE, name)}"

    assert patient["identifier"] == [{"system": DEFAULT_IDENTIFIER_SYSTEM, "value": "P01"}]
    assert patient["gender"] == "female"
    assert patient["birthDate"] == "1955-03-02"
    assert patient["name"][0]["extension"][0]["valueCode"] == "masked"
    assert "deceasedDateTime" not in patient

    assert condition["code"]["coding"] == [codes.MALIGNANT_NEOPLASTIC_DISEASE.coding()]
    assert condition["code"]["coding"][0]["code"] == "363346000"
    assert condition["bodySite"][0]["coding"][0]["code"] == "30315005"  # small intestine
    histology, asserted = condition["extension"]
    assert histology["url"] == MCODE + "mcode-histology-morphology-behavior"
    assert histology["valueCodeableConcept"]["coding"][0]["code"] == "8249/3"  # NET G2
    assert asserted["valueDateTime"] == "2019-06-15"
    assert condition["stage"] == [{"summary": {"text": "IV"}}]
    assert condition["subject"] == to_patient

    location = {t["identifier"][0]["value"]: t["location"]["coding"][0]["code"] for t in tumors}
    assert location == {"L1": "10200004", "N1": "59441001"}  # liver, lymph node
    assert all(t["patient"] == to_patient for t in tumors)
    assert all(t["morphology"]["coding"][0]["code"] == "367651003" for t in tumors)
    tumor_url = {t["identifier"][0]["value"]: url[id(t)] for t in tumors}

    def size(lesion: str, when: str) -> dict[str, Any]:
        [found_size] = [
            s
            for s in sizes
            if s["focus"] == [{"reference": tumor_url[lesion]}] and s["effectiveDateTime"] == when
        ]
        return found_size

    l1_a0, l1_a1 = size("L1", "2023-01-05"), size("L1", "2023-03-05")
    mm = {"unit": "mm", "system": "http://unitsofmeasure.org", "code": "mm"}
    assert l1_a0["component"] == [
        {"code": codes.TUMOR_LONGEST_DIMENSION.concept(), "valueQuantity": {"value": 40, **mm}}
    ]
    assert l1_a1["component"][0]["valueQuantity"] == {"value": 24.5, **mm}
    assert l1_a0["method"]["coding"][0]["code"] == "77477000"  # CT
    assert l1_a1["method"]["coding"][0]["code"] == "113091000"  # MRI
    n1_a1 = size("N1", "2023-03-05")
    longest, short_axis = n1_a1["component"]
    assert longest["code"]["coding"][0]["code"] == "33728-7"
    assert longest["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
    assert short_axis["code"]["coding"][0]["code"] == "33729-5"
    assert short_axis["valueQuantity"] == {"value": 12, **mm}
    assert size("N1", "2023-01-05")["component"][1]["valueQuantity"]["value"] == 20
    assert all(
        s["subject"] == to_patient and s["code"] == codes.SIZE_TUMOR.concept() for s in sizes
    )

    assert status["effectiveDateTime"] == "2023-03-05"
    assert status["valueCodeableConcept"] == codes.IMPROVED.concept("RECIST 1.1 PR")
    assert status["valueCodeableConcept"]["coding"][0]["code"] == "268910001"
    assert status["extension"] == [
        {
            "url": MCODE + "mcode-cancer-disease-status-evidence-type",
            "valueCodeableConcept": codes.IMAGING.concept(),
        }
    ]
    assert status["focus"] == [to_condition]
    assert "target PR, non-target NA, new lesions N" in status["note"][0]["text"]

    first, second = sorted(given, key=lambda g: g["effectiveDateTime"])
    assert [first["effectiveDateTime"], second["effectiveDateTime"]] == ["2023-01-10", "2023-03-10"]
    gbq = {"unit": "GBq", "system": "http://unitsofmeasure.org", "code": "GBq"}
    assert first["dosage"]["dose"] == {"value": 7.4, **gbq}
    assert second["dosage"]["dose"] == {"value": 5.55, **gbq}
    assert first["medicationCodeableConcept"]["coding"][0]["code"] == "V10XX04"
    assert all(g["reasonReference"] == [to_condition] and g["status"] == "completed" for g in given)
    assert "Dose reduced: renal function." in second["note"][0]["text"]


def test_the_same_bundle_gives_the_same_files(tmp_path: Path) -> None:
    source = write_files(tmp_path / "bundle", P01_FILES)
    [first] = export(source, tmp_path / "one")
    [second] = export(source, tmp_path / "two", identifier_system="urn:oid:1.2.3")
    one, two = (json.loads(p.read_text(encoding="utf-8")) for p in (first, second))
    assert [e["fullUrl"] for e in one["entry"]] == [e["fullUrl"] for e in two["entry"]]
    assert two["entry"][0]["resource"]["identifier"][0]["system"] == "urn:oid:1.2.3"
    [again] = export(source, tmp_path / "three")
    assert again.read_bytes() == first.read_bytes()


def test_unmeasured_targets_have_no_tumor_size(tmp_path: Path) -> None:
    files = dict(P01_FILES)
    files["measurements.csv"] = P01_FILES["measurements.csv"].replace(
        "P01,A1,L1,24.5,", "P01,A1,L1,,too_small"
    )
    bundle = read_bundle(write_files(tmp_path / "bundle", files), clinical_records=False)
    rows = assess_bundle(bundle, scopes=["all"]).timepoint_responses.to_dict("records")
    [written] = export_fhir(bundle, rows, tmp_path / "fhir").files
    assert written.resources["TumorSize"] == 3
    assert written.unmeasured_targets == 1


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        # docs/decisions.md, D97
        (Response.CR, "268910001"),
        (Response.PR, "268910001"),
        (Response.SD, "359746009"),
        (Response.NON_CR_NON_PD, "359746009"),
        (Response.NED, "359746009"),
        (Response.PD, "271299001"),
        (Response.NE, "709137006"),
    ],
)
def test_overall_response_to_disease_status(response: Response, expected: str) -> None:
    assert codes.response_status(response).code == expected


def test_missing_is_no_disease_status() -> None:
    with pytest.raises(KeyError):
        codes.response_status(Response.MISSING)


def test_every_primary_site_of_the_bundle_has_a_mapping() -> None:
    assert set(codes.PRIMARY_SITES) == set(PRIMARY_SITES)


def test_file_names_that_differ_only_in_case_are_refused() -> None:
    with pytest.raises(ValueError, match=r"patients 'ab' and 'AB' would be written to files"):
        fhir_file_names(["ab", "AB"])


def test_cli_writes_one_file_per_patient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_files(tmp_path / "bundle", P01_FILES)
    with pytest.raises(SystemExit) as exited:
        main(["export", "fhir", str(source), "--out", str(tmp_path / "fhir")])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "P01\tP01.json\t1\t1\t2\t4\t1\t2\t0" in out
    assert "Wrote 1 FHIR R4B transaction Bundles (11 resources" in out
    assert (tmp_path / "fhir" / "P01.json").is_file()


def test_cli_bad_bundle_exits_2_listing_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = dict(P01_FILES)
    files["measurements.csv"] = P01_FILES["measurements.csv"].replace("40.0", "-4")
    source = write_files(tmp_path / "bundle", files)
    with pytest.raises(SystemExit) as exited:
        main(["export", "fhir", str(source), "--out", str(tmp_path / "fhir")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "measurements.csv" in err
    assert "diameter_mm" in err
    assert "nothing was written" in err
    assert not (tmp_path / "fhir").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--identifier-system", "registry ids"], "--identifier-system 'registry ids': must be"),
        (["--out", "FILE"], "is a file; give a folder"),
    ],
)
def test_cli_bad_options_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    source = write_files(tmp_path / "bundle", P01_FILES)
    (tmp_path / "FILE").write_text("", encoding="utf-8")
    options = [str(tmp_path / "FILE") if o == "FILE" else o for o in options]
    if "--out" not in options:
        options += ["--out", str(tmp_path / "fhir")]
    with pytest.raises(SystemExit) as exited:
        main(["export", "fhir", str(source), *options])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "fhir").exists()


def test_cli_bundle_naming_evaluators_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two evaluators' reads of one patient would share one file (docs/decisions.md, D111)."""
    source = tmp_path / "bundle"
    source.mkdir()
    own = Path(__file__).resolve().parents[2] / "scenarios" / "own" / "O70"
    for name in ("patients.csv", "assessments.csv", "lesions.csv", "measurements.csv"):
        (source / name).write_bytes((own / name).read_bytes())
    with pytest.raises(SystemExit) as exited:
        main(["export", "fhir", str(source), "--out", str(tmp_path / "fhir")])
    assert exited.value.code == 2
    assert "error: the bundle names evaluators (R1, R2): a FHIR file holds one read per " in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "fhir").exists()


def test_cli_case_clash_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = dict(P01_FILES)
    files["patients.csv"] = P01_FILES["patients.csv"] + "p01,M,,,pancreas,G1,,2023-01-10\n"
    files["assessments.csv"] = P01_FILES["assessments.csv"] + "p01,B0,2023-01-05,CT\n"
    source = write_files(tmp_path / "bundle", files)
    with pytest.raises(SystemExit) as exited:
        main(["export", "fhir", str(source), "--out", str(tmp_path / "fhir")])
    assert exited.value.code == 2
    assert "differ only in case" in capsys.readouterr().err
    assert not (tmp_path / "fhir").exists()


def test_cli_default_identifier_system_is_the_modules() -> None:
    import inspect

    from prrt.cli.main import export_fhir as command

    default = inspect.signature(command).parameters["identifier_system"].default
    assert default == DEFAULT_IDENTIFIER_SYSTEM
