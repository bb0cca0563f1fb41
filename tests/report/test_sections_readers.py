"""Several evaluators in the report (bundle.md 1.2; docs/decisions.md, D112-D113): the
accepted read per patient enters the analyses, every read the inter-reader agreement.

Four synthetic patients in reader-assigned mode, four PRRT cycles (days 0, 56, 112, 168),
CT at day -10 (baseline, shared by both evaluators) and days 100, 250 and 350; two
evaluators R1 and R2 give each follow-up an overall response:

=======  ==============  ==============
patient  R1              R2
=======  ==============  ==============
P000     PR, PR, PR      PR, PR, SD
P001     SD, SD, PD      SD, PD, PD
P002     PR, PR, SD      PR, PR, SD
P003     SD, PD, PD      SD, PD, PD
=======  ==============  ==============

P003's scans are each evaluator's own assessments.csv rows, R1's marked ``accepted``.

Hand calculation. Per visit (12 pairs, rows R1, columns R2): PR-PR 4, PR-SD 1, SD-SD 3,
SD-PD 1, PD-PD 3; p_o = 10/12; margins R1 PR 5, SD 4, PD 3 and R2 PR 4, SD 4, PD 4, so
p_e = (20 + 16 + 12)/144 = 1/3 and kappa = (5/6 - 1/3)/(2/3) = 0.75; SE and CI from
tests/reference/kappa.R (id reader_section_visits). Confirmed BOR (confirmation >= 28
days, SD >= 42 days after cycle 1; RECIST 1.1 §4.4): P000 PR by both (PR at days 100 and
250), P001 SD by both, P002 PR by both, P003 SD by both: 4 of 4 agree, p_e = (2 x 2 +
2 x 2)/16 = 1/2, kappa = 1, SE 0.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from prrt.assess.api import assess_bundle
from prrt.config import AnalysisConfig, Config
from prrt.errors import ConfigError
from prrt.io.bundle import read_bundle
from prrt.report.build import build_report
from prrt.report.sections.data import prepare_cohort
from prrt.report.sections.reader_agreement import build_reader_agreement_section

GOLDEN = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "kappa.json").read_text("utf-8")
)["reader_section_visits"]
SCAN_DAYS = {"A0": -10, "A1": 100, "A2": 250, "A3": 350}
CYCLE_DAYS = (0, 56, 112, 168)
READS = {
    "R1": (("PR", "PR", "PR"), ("SD", "SD", "PD"), ("PR", "PR", "SD"), ("SD", "PD", "PD")),
    "R2": (("PR", "PR", "SD"), ("SD", "PD", "PD"), ("PR", "PR", "SD"), ("SD", "PD", "PD")),
}
OWN_SCANS = 3
"""P003: each evaluator's own assessment rows, R1's accepted."""


def write_cohort(folder: Path, patients: range = range(4), *, evaluators: bool = True) -> Path:
    """The bundle of the module docstring; ``evaluators=False``: R1's reads only, as a
    single-reader bundle without evaluator columns."""
    reads = READS if evaluators else {"": READS["R1"]}
    tail = ",evaluator" if evaluators else ""
    lines = {
        "patients.csv": ["patient_id,sex,primary_site,grade,birth_date,diagnosis_date"],
        "cycles.csv": ["patient_id,cycle,date,activity_gbq"],
        "assessments.csv": ["patient_id,assessment_id,date" + (tail + ",accepted" if tail else "")],
        "responses.csv": ["patient_id,assessment_id,overall_response" + tail],
    }
    for i in patients:
        pid = f"P{i:03d}"
        start = date(2020, 1, 1) + timedelta(days=7 * i)
        lines["patients.csv"].append(f"{pid},F,pancreas,G2,1950-01-01,2015-07-02")
        for k, day in enumerate(CYCLE_DAYS, start=1):
            lines["cycles.csv"].append(f"{pid},{k},{start + timedelta(days=day)},7.4")
        owners = [("R1", "true"), ("R2", "")] if i == OWN_SCANS else [("", "")]
        for scan, day in SCAN_DAYS.items():
            for evaluator, accepted in owners if evaluators else [("", "")]:
                flag = accepted if scan == "A0" else ""
                extra = f",{evaluator},{flag}" if evaluators else ""
                lines["assessments.csv"].append(
                    f"{pid},{scan},{start + timedelta(days=day)}{extra}"
                )
        for evaluator, mine in reads.items():
            for scan, response in zip(("A1", "A2", "A3"), mine[i], strict=True):
                extra = f",{evaluator}" if evaluators else ""
                lines["responses.csv"].append(f"{pid},{scan},{response}{extra}")
    folder.mkdir(parents=True)
    for name, rows in lines.items():
        (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return read_bundle(write_cohort(tmp_path_factory.mktemp("readers") / "cohort"))


@pytest.fixture(scope="module")
def assessed(bundle):
    return assess_bundle(bundle)


R2_CONFIG = Config(analysis=AnalysisConfig(accepted_evaluator="R2"))


def test_assess_keeps_every_evaluator(bundle, assessed) -> None:
    best = assessed.best_response
    assert list(best.columns)[-1] == "evaluator"
    assert sorted(zip(best["patient_id"], best["evaluator"], strict=True)) == [
        (f"P{i:03d}", e) for i in range(4) for e in ("R1", "R2")
    ]


def test_report_refuses_without_an_accepted_read(bundle, assessed) -> None:
    """P003 is flagged (R1); the other three have no accepted read and no configuration."""
    with pytest.raises(
        ConfigError,
        match=r"^3 patient\(s\) read by several evaluators have no accepted read: P000 \(R1, "
        r"R2\), P001 \(R1, R2\), P002 \(R1, R2\)\. The cohort analyses use one read per "
        r'patient: set \[analysis\] accepted_evaluator = "<evaluator>"',
    ):
        prepare_cohort(bundle, assessed, config=Config())


def test_unknown_accepted_evaluator_is_refused(bundle, assessed) -> None:
    config = Config(analysis=AnalysisConfig(accepted_evaluator="R3"))
    with pytest.raises(
        ConfigError,
        match=r"accepted_evaluator = 'R3': no read in the bundle is by this evaluator; the "
        r"bundle's evaluators: R1, R2",
    ):
        prepare_cohort(bundle, assessed, config=config)


def test_accepted_evaluator_needs_a_bundle_naming_evaluators(tmp_path) -> None:
    single = read_bundle(write_cohort(tmp_path / "single", range(1), evaluators=False))
    with pytest.raises(ConfigError, match=r"the bundle's evaluators: none$"):
        prepare_cohort(single, assess_bundle(single), config=R2_CONFIG)


def test_accepted_evaluator_chooses_the_analysed_reads(bundle, assessed) -> None:
    """[analysis] accepted_evaluator = R2 also overrides P003's flag (rule 2 before 3)."""
    data = prepare_cohort(bundle, assessed, config=R2_CONFIG)
    assert data.n_patients == 4
    assert "evaluator" not in data.best_response.columns
    assert len(data.cases) == 4
    assert {c.evaluator for c in data.cases} == {"R2"}
    p000 = data.timepoint_responses[data.timepoint_responses["patient_id"] == "P000"]
    assert p000["overall_response"].dropna().tolist() == ["PR", "PR", "SD"]
    assert data.reads is not None
    assert set(data.reads.chosen_by.values()) == {"accepted_evaluator"}


def test_the_flag_chooses_when_nothing_is_configured(tmp_path) -> None:
    one = read_bundle(write_cohort(tmp_path / "p3", range(3, 4)))
    data = prepare_cohort(one, assess_bundle(one), config=Config())
    assert dict(data.reads.accepted) == {"P003": "R1"}
    assert dict(data.reads.chosen_by) == {"P003": "flag"}
    assert data.timepoint_responses["overall_response"].dropna().tolist() == ["SD", "PD", "PD"]


def test_agreement_section(bundle, assessed) -> None:
    data = prepare_cohort(bundle, assessed, config=R2_CONFIG)
    built = build_reader_agreement_section(data)
    results = built.results["reader_agreement"]
    assert results["evaluators"] == ["R1", "R2"]
    (pair,) = results["pairs"]
    visits, bor = pair["visits"], pair["bor"]
    assert visits["table"] == {
        "PR": {"PR": 4, "SD": 1, "PD": 0},
        "SD": {"PR": 0, "SD": 3, "PD": 1},
        "PD": {"PR": 0, "SD": 0, "PD": 3},
    }
    assert (visits["n"], visits["unpaired"], visits["ambiguous"]) == (12, 0, 0)
    for name in ("kappa", "se", "ci_low", "ci_high"):
        assert visits[name] == pytest.approx(GOLDEN[name], abs=1e-12), name
    assert visits["kappa"] == pytest.approx(0.75, abs=1e-15)
    assert (bor["column"], bor["n"], bor["kappa"], bor["se"]) == ("bor_confirmed", 4, 1.0, 0.0)
    assert bor["table"] == {"PR": {"PR": 2, "SD": 0}, "SD": {"PR": 0, "SD": 2}}
    assert results["accepted"]["patients_accepted"] == {"R1": 0, "R2": 4}
    summary = built.section.tables[0].frame
    assert summary["kappa (95% CI)"].tolist()[0].startswith("0.75 (0.44")


def test_report_has_the_section_only_with_several_evaluators(bundle, assessed, tmp_path) -> None:
    report = build_report(bundle, assessed, config=R2_CONFIG)
    keys = [section.key for section in report.sections]
    assert "reader-agreement" in keys
    assert report.results["reader_agreement"]["pairs"][0]["bor"]["kappa"] == 1.0
    assert report.results["n_patients"] == 4
    single = read_bundle(write_cohort(tmp_path / "single", range(1), evaluators=False))
    plain = build_report(single, assess_bundle(single), config=Config())
    assert "reader-agreement" not in [section.key for section in plain.sections]
    assert "reader_agreement" not in plain.results
