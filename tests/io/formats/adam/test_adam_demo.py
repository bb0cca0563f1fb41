"""The demo cohort's ADaM keeps every subject, response and endpoint of the bundle.

Checks against sources independent of the export: patients.csv read as plain CSV for ADSL,
the assess tables (docs/outputs.md) for ADRS, ADTR and ADTTE; and the XPT files read back.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from prrt.io.formats.adam import DATASETS

DEMO = Path(__file__).parents[4] / "src" / "prrt" / "datasets" / "demo"
SPECS = {spec.name.lower(): spec for spec in DATASETS}


def _frame(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)


def _base(code: str) -> str:
    """PARAMCD without a scope suffix (D104)."""
    return code[:-3] if len(code) > 3 and code[-3] in "OW" and code[-2:].isdigit() else code


def test_every_patient_is_in_adsl(demo_export) -> None:
    _, _, export = demo_export
    with (DEMO / "patients.csv").open(encoding="utf-8", newline="") as handle:
        patients = [row["patient_id"] for row in csv.DictReader(handle)]
    adsl = _frame(export.out, "adsl")
    assert list(adsl["USUBJID"]) == [f"PRRT-{p}" for p in patients]
    assert list(adsl["SUBJID"]) == patients


def test_every_best_response_is_in_adrs(demo_export) -> None:
    _, assessed, export = demo_export
    adrs = _frame(export.out, "adrs")
    adrs["BASE_CODE"] = adrs["PARAMCD"].map(_base)
    keyed = {
        (r["USUBJID"], r["PARCAT4"], r["BASE_CODE"]): r
        for r in adrs.to_dict("records")
        if r["BASE_CODE"] in ("BOR", "CBOR")
    }
    best = assessed.best_response
    assert len(best) > 100
    for row in best.itertuples():
        key = (f"PRRT-{row.patient_id}", row.scope)
        bor = keyed[(*key, "BOR")]
        cbor = keyed[(*key, "CBOR")]
        assert bor["AVALC"] == row.bor
        assert bor["ADT"] == _iso(row.bor_date)
        assert cbor["AVALC"] == row.bor_confirmed
        assert cbor["ADT"] == _iso(row.bor_confirmed_date)
    assert (adrs["BASE_CODE"] == "BOR").sum() == len(best)
    assert (adrs["BASE_CODE"] == "CBOR").sum() == len(best)


def test_every_visit_response_is_an_ovr_record(demo_export) -> None:
    _, assessed, export = demo_export
    adrs = _frame(export.out, "adrs")
    ovr = adrs[adrs["PARAMCD"].map(_base) == "OVR"]
    visits = assessed.timepoint_responses.dropna(subset=["overall_response"])
    written = sorted(zip(ovr["USUBJID"], ovr["PARCAT4"], ovr["AVISIT"], ovr["AVALC"], strict=True))
    expected = sorted(
        (f"PRRT-{r.patient_id}", r.scope, r.assessment_id, r.overall_response)
        for r in visits.itertuples()
    )
    assert written == expected


def test_every_endpoint_is_in_adtte(demo_export) -> None:
    _, assessed, export = demo_export
    adtte = _frame(export.out, "adtte")
    codes = {"PFS": "PFS", "OS": "OS", "DOR": "RSD", "TTR": "TTR"}
    written = sorted(
        zip(
            adtte["USUBJID"], adtte["PARAMCD"].map(_base), adtte["AVAL"], adtte["CNSR"],
            strict=True,
        )
    )  # fmt: skip
    expected = sorted(
        (f"PRRT-{r.patient_id}", codes[r.endpoint], str(r.days), str(1 - r.event))
        for r in assessed.endpoints.itertuples()
    )
    assert written == expected
    adrs_sourced = adtte[adtte["SRCDOM"] == "ADRS"]
    assert (adrs_sourced["SRCSEQ"] != "").all()


def test_the_best_percent_change_is_flagged_anl02fl(demo_export) -> None:
    """ANL02FL marks the waterfall value of best_response.csv (recist11.md §11)."""
    _, assessed, export = demo_export
    adtr = _frame(export.out, "adtr")
    flagged = adtr[adtr["ANL02FL"] == "Y"]
    by_key = {
        (u, s): float(p)
        for u, s, p in zip(flagged["USUBJID"], flagged["PARCAT4"], flagged["PCHG"], strict=True)
    }
    best = assessed.best_response.dropna(subset=["best_pct_change"])
    assert len(best) > 50
    assert by_key == {
        (f"PRRT-{r.patient_id}", r.scope): pytest.approx(r.best_pct_change)
        for r in best.itertuples()
    }


@pytest.mark.parametrize("name", list(SPECS))
def test_demo_xpt_reads_back_as_its_csv(demo_export, name: str, xpt_matches_csv) -> None:
    _, _, export = demo_export
    xpt_matches_csv(export.out / f"{name}.xpt", export.out / f"{name}.csv", SPECS[name])


def _iso(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)
