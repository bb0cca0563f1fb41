"""``--guess``: a mapping proposed from English and French headers (docs/decisions.md, D84)."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import prrt.datasets
from prrt.assess.api import assess_path, write_assess_outputs
from prrt.io.formats.table.guess import guess_mapping
from prrt.io.formats.table.run import import_table

EXAMPLES = Path(prrt.datasets.__file__).parent / "examples" / "import"


def _guess(path: Path) -> dict[str, object]:
    text, issues = guess_mapping(path)
    assert issues == []
    assert text is not None
    return tomllib.loads(text)


def test_guess_maps_the_wide_example_patient_cycle_and_scan_date_columns() -> None:
    mapping = _guess(EXAMPLES / "wide" / "physician_sheet.xlsx")
    # the workbook's first sheet holds notes: the sheet with the data is chosen
    assert mapping["source"] == {"layout": "wide", "sheet": "PRRT"}
    assert mapping["common"] == {"patient_id": "Patient"}
    assert mapping["patients"] == {
        "birth_date": "Date of birth",
        "sex": "Sex",
        "primary_site": {"column": "Site", "map": "primary_site"},
        "grade": "Grade",
        "ki67_percent": "Ki-67 %",
        "last_contact_date": "Last contact",
    }
    assert mapping["cycles"] == {
        "repeat": ["1", "2", "3", "4"],
        "cycle": {"value": "{k}"},
        "date": "Date C{k}",
        "activity_gbq": "GBq C{k}",
    }
    assert mapping["assessments"] == {
        "repeat": ["baseline", "mid", "end"],
        "assessment_id": {"value": "{k}"},
        "date": "Date CT {k}",
    }
    assert mapping["maps"] == {
        "primary_site": {"PNET": "pancreas", "SI-NET": "small_intestine"},
        "new_lesions": {"no": "N", "yes": "Y"},
        "overall_response": {"RP": "PR", "progression": "PD"},
    }


def test_guessed_wide_mapping_imports_and_assesses_like_the_written_one(tmp_path: Path) -> None:
    source = EXAMPLES / "wide" / "physician_sheet.xlsx"
    text, _ = guess_mapping(source)
    assert text is not None
    (tmp_path / "guess.toml").write_text(text, encoding="utf-8")
    result = import_table(source, tmp_path / "guess.toml", tmp_path / "bundle")
    assert [i.to_text() for i in result.issues] == []
    write_assess_outputs(assess_path(tmp_path / "bundle"), tmp_path / "out")

    def rows(path: Path) -> list[dict[str, str]]:
        with path.open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    wanted = rows(EXAMPLES / "wide" / "expected_responses" / "best_response.csv")
    got = rows(tmp_path / "out" / "best_response.csv")
    assert [{c: r[c] for c in wanted[0]} for r in got] == wanted


FRENCH = (
    "Numéro de patient;Date de naissance;Site primitif;Grade OMS;Ki-67;Date cure 1;"
    "Activité cure 1 (MBq);Date cure 2;Activité cure 2 (MBq);Date TDM initial;"
    "Somme des diamètres initial (cm);Date TDM fin;Somme des diamètres fin (cm);Réponse fin;"
    "Date des dernières nouvelles;Remarques\n"
    "F1;03/02/1961;pancréas;G2;4;10/01/2024;7400;07/03/2024;7400;02/01/2024;5,5;"
    "02/06/2024;3,5;RP;01/12/2024;\n"
    "F2;13/12/1950;iléon;G1;1;11/01/2024;7400;;;03/01/2024;8;03/06/2024;8;MS;01/12/2024;vu\n"
)


def test_guess_reads_french_headers_and_values(tmp_path: Path) -> None:
    path = tmp_path / "cohorte.csv"
    path.write_text(FRENCH, encoding="utf-8")
    mapping = _guess(path)
    assert mapping["source"] == {"layout": "wide", "date_format": "%d/%m/%Y"}
    assert mapping["common"] == {"patient_id": "Numéro de patient"}
    patients = mapping["patients"]
    assert isinstance(patients, dict)
    assert patients["birth_date"] == "Date de naissance"
    assert patients["last_contact_date"] == "Date des dernières nouvelles"
    assert patients["primary_site"] == {"column": "Site primitif", "map": "primary_site"}
    assert mapping["cycles"] == {
        "repeat": ["1", "2"],
        "cycle": {"value": "{k}"},
        "date": "Date cure {k}",
        "activity_gbq": {"column": "Activité cure {k} (MBq)", "unit": "MBq"},
    }
    assert mapping["assessments"] == {
        "repeat": ["initial", "fin"],
        "assessment_id": {"value": "{k}"},
        "date": "Date TDM {k}",
    }
    text, _ = guess_mapping(path)
    assert text is not None
    # somme des diamètres: the sums, commented out beside the responses (one mode per patient)
    assert '# target_sum_mm = { column = "Somme des diamètres {k} (cm)", unit = "cm" }' in text
    assert mapping["maps"] == {
        "primary_site": {"pancréas": "pancreas", "iléon": "small_intestine"},
        "overall_response": {"RP": "PR", "MS": "SD"},
    }
    assert '#   P "Remarques"' in text


def test_guess_never_invents_a_value_or_a_column(tmp_path: Path) -> None:
    path = tmp_path / "scans.csv"
    path.write_text(
        "Patient,Scan date,Response,Colour\nP1,2024-01-02,,red\nP1,2024-04-01,MR,blue\n",
        encoding="utf-8",
    )
    text, _ = guess_mapping(path)
    assert text is not None
    mapping = tomllib.loads(text)
    assert mapping["source"] == {"layout": "per_scan"}
    # MR (mixed response) is no RECIST category: left for the user to fill in
    assert '# MR = ""  # no proposal: the bundle value, or "" for missing' in text
    # no site column: the required field gets a placeholder the import refuses
    assert 'primary_site = "<source column>"  # required: no header recognised' in text
    assert '#   D "Colour"' in text
    (tmp_path / "guess.toml").write_text(text, encoding="utf-8")
    result = import_table(path, tmp_path / "guess.toml", tmp_path / "bundle")
    assert [i.to_text() for i in result.issues] == [
        "guess.toml, patients.primary_site = <source column>: is not a column of scans.csv "
        "(header row 1); write the column name as in the header row"
    ]


def test_guess_of_an_unreadable_source_says_why(tmp_path: Path) -> None:
    text, issues = guess_mapping(tmp_path / "missing.xlsx")
    assert text is None
    assert [i.to_text() for i in issues] == [
        "missing.xlsx: does not exist or is not a file; give an .xlsx workbook or a .csv file "
        "(comma- or ;-separated)"
    ]
