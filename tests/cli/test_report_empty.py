"""`prrt report` on a valid bundle without patients refuses with exit 2 and one line,
instead of failing inside the analyses."""

from __future__ import annotations

from pathlib import Path

import pytest

from prrt.cli.main import main


def test_a_bundle_without_patients_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "patients.csv").write_text("patient_id,primary_site\n", encoding="utf-8")
    (bundle / "assessments.csv").write_text("patient_id,assessment_id,date\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["report", str(bundle), "--out", str(tmp_path / "out")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith("has no patient: there is nothing to report\n")
    assert not (tmp_path / "out").exists()
