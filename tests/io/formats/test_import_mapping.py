"""Mapping files of ``prrt import table``: every problem pinned (docs/import.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prrt.io.formats.table.layouts import check_layout
from prrt.io.formats.table.mapping import Layout
from prrt.io.formats.table.mapping_parse import load_mapping

HEAD = '[source]\nlayout = "wide"\n[common]\npatient_id = "Patient"\n'
PATIENTS = '[patients]\nprimary_site = "Site"\n'
ASSESSMENTS = '[assessments]\nassessment_id = "Scan"\ndate = "Date"\n'
VALID = HEAD + PATIENTS + ASSESSMENTS


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "map.toml"
    path.write_text(text, encoding="utf-8")
    mapping, issues = load_mapping(path)
    if mapping is not None:
        issues = check_layout(mapping)
    return [i.to_text() for i in issues]


def test_a_valid_mapping_has_no_problem(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text(VALID, encoding="utf-8")
    mapping, issues = load_mapping(path)
    assert issues == []
    assert mapping is not None
    assert mapping.layout is Layout.WIDE
    patients = mapping.table("patients")
    assert patients is not None
    # patient_id comes from [common]: the table's own field first, then the common one
    assert [(f.name, f.column, f.common) for f in patients.fields] == [
        ("primary_site", "Site", False),
        ("patient_id", "Patient", True),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "layout = \n[source]\n",
            "map.toml: is not a TOML file: Invalid value (at line 1, column 10); "
            "correct the TOML syntax",
        ),
        (
            PATIENTS + ASSESSMENTS,
            "map.toml, source.layout: is missing; use one of: wide, per_scan, long",
        ),
        (
            VALID.replace('"wide"', '"columns"'),
            "map.toml, source.layout = columns: is not a layout; use one of: wide, per_scan, long",
        ),
        (
            VALID + "[cycle]\ndate = 'D'\n",
            "map.toml, cycle: is not a table of a mapping file; use [source], [maps.<name>], "
            "[common] or a bundle table: patients, cycles, assessments, lesions, measurements, "
            "new_lesions, responses, sums, pet_lesions, symptoms, labs, adverse_events",
        ),
        (
            VALID
            + "[cycles]\ncycle = { value = '1' }\nday = 'D'\nactivity_gbq = 'G'\ndate = 'D'\n",
            "map.toml, cycles.day: is not a column of cycles.csv; its columns: patient_id, "
            "cycle, date, activity_gbq, course, planned_activity_gbq, dose_reduction_reason, "
            "stop_reason; or repeat, when",
        ),
        (
            VALID + "[cycles]\ncycle = { value = '1' }\ndate = 'D'\n",
            "map.toml, cycles.activity_gbq: is required in cycles.csv but the mapping gives "
            'it no column or value; map it: activity_gbq = "<source column>", '
            'or { value = "..." }',
        ),
        (
            HEAD + PATIENTS,
            "map.toml, assessments: is missing: assessments.csv is required in a bundle; "
            "add [assessments] with its fields",
        ),
        (
            VALID + "[cycles]\ncycle = { value = '1' }\ndate = 'Date C{k}'\nactivity_gbq = 'G'\n",
            "map.toml, cycles.date = Date C{k}: uses {k} but cycles.repeat gives no k; add "
            'repeat to [cycles] (e.g. repeat = ["1", "2"]) or remove {k}',
        ),
        (
            VALID + "[cycles]\nrepeat = ['1', '2']\ncycle = { value = '1' }\ndate = 'D'\n"
            "activity_gbq = 'G'\n",
            "map.toml, cycles.repeat: no field of the table uses a placeholder: every "
            "repetition would be the same row; use {k} in a column name or value, e.g. "
            'date = "Date C{k}"',
        ),
        (
            VALID + "[cycles]\nrepeat = []\ncycle = { value = '{k}' }\ndate = 'D'\n"
            "activity_gbq = 'G'\n",
            "map.toml, cycles.repeat = []: must be a non-empty list of texts, or of tables with "
            'the same keys; e.g. repeat = ["1", "2", "3", "4"], or [{ k = "mid", id = "A1" }, '
            "...]",
        ),
        (
            VALID.replace('primary_site = "Site"', 'primary_site = { column = "Site", map = "x" }'),
            "map.toml, patients.primary_site.map = x: names no [maps.x] table (maps: none); add it",
        ),
        (
            VALID.replace('primary_site = "Site"', 'primary_site = { column = "Site", map = "s" }')
            + '[maps.s]\nPNET = "pancras"\n',
            "map.toml, maps.s.PNET = pancras: pancras must be one of pancreas, small_intestine, "
            "duodenum, stomach, appendix, colon, rectum, lung, thymus, unknown_primary, other "
            "(used by patients.primary_site); write a value of the bundle column, or an empty "
            "text for a missing value",
        ),
        (
            VALID + '[maps.s]\nPNET = "pancreas"\npnet = "pancreas"\n',
            "map.toml, maps.s.pnet = pancreas: names the same source value as PNET (maps ignore "
            "case and spaces); keep one of them",
        ),
        (
            VALID.replace(
                'primary_site = "Site"', 'primary_site = { column = "Site", value = "x" }'
            ),
            "map.toml, patients.primary_site = {column = Site, value = x}: needs exactly one of "
            "column and value; use one of: column, value",
        ),
        (
            VALID.replace(
                'primary_site = "Site"',
                'primary_site = "Site"\ngrade = { column = "G", unit = "cm" }',
            ),
            "map.toml, patients.grade.unit = cm: grade has no unit to convert; units apply to "
            "*_mm and *_gbq fields",
        ),
        (
            VALID + "[cycles]\ncycle = { value = '1' }\ndate = 'D'\n"
            "activity_gbq = { column = 'A', unit = 'Ci' }\n",
            "map.toml, cycles.activity_gbq.unit = Ci: is not a unit of activity_gbq; use one "
            "of: GBq, MBq, mCi",
        ),
        (
            VALID.replace('date = "Date"', 'date = { column = "Date", date_format = "%d/%m" }'),
            "map.toml, assessments.date.date_format = %d/%m: is not a date format (strftime "
            'codes, with day, month and year); e.g. "%d/%m/%Y" for 31/12/2024, or a list of '
            "formats",
        ),
        (
            VALID.replace(
                'primary_site = "Site"',
                'primary_site = "Site"\nki67_percent = { column = "K", date_format = "%d/%m/%Y" }',
            ),
            "map.toml, patients.ki67_percent.date_format = %d/%m/%Y: applies to dates (or IDs "
            "and text written from a date); ki67_percent is a number column; remove it",
        ),
        (
            VALID + "[common]\n",
            "map.toml: is not a TOML file: Cannot declare ('common',) twice (at line 10, "
            "column 8); correct the TOML syntax",
        ),
        (
            VALID.replace('patient_id = "Patient"', 'patient_id = "Patient"\nsuv_max = "S"'),
            "map.toml, common.suv_max: is a column of none of the mapped tables; map a table "
            "that has it, or remove it",
        ),
        (
            VALID + "[lesions]\nwhen = { column = 'Type' }\nlesion_id = 'L'\nrole = 'R'\n"
            "organ = 'O'\n",
            "map.toml, lesions.when = {column = Type}: must be { column = <source column>, "
            'values = [<texts>] }; e.g. when = { column = "Type", values = ["target", '
            '"non-target"] }',
        ),
        (
            VALID.replace('"wide"', '"wide"\nheader_row = 0'),
            "map.toml, source.header_row = 0: must be a row number >= 1; e.g. header_row = 2",
        ),
        (
            VALID.replace('"wide"', '"wide"\ndecimal = ";"'),
            'map.toml, source.decimal = ;: is not a decimal; use one of: ".", ","',
        ),
        (
            VALID.replace('"wide"', '"wide"\nencoding = "klingon"'),
            'map.toml, source.encoding = klingon: is not a text encoding; use "utf-8" or "cp1252"',
        ),
        (
            VALID.replace('"wide"', '"wide"\ncolour = "red"'),
            "map.toml, source.colour: is not a key of [source]; use one of: layout, sheet, "
            "header_row, date_format, decimal, encoding, separator, not_used, fill_down",
        ),
        (
            VALID.replace(
                'primary_site = "Site"', 'primary_site = { column = "Site", optional = "yes" }'
            ),
            "map.toml, patients.primary_site.optional = yes: must be true or false, beside a "
            "column; optional = true lets a repeated column be absent for some repetitions",
        ),
    ],
)
def test_mapping_problems_are_named_with_their_place(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in _problems(tmp_path, text)


def test_every_mapping_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = VALID.replace('"wide"', '"rows"').replace('"Site"', '{ column = "S", unit = "cm" }')
    problems = _problems(tmp_path, text + "[cycles]\ncycle = { value = '1' }\n")
    assert len(problems) == 4  # layout, unit, cycles.date and cycles.activity_gbq


@pytest.mark.parametrize(
    ("layout", "table", "expected"),
    [
        (
            "wide",
            "[patients]\nrepeat = ['1']\nprimary_site = 'Site {k}'\n",
            "map.toml, patients.repeat: patients cannot repeat in the wide layout: the wide "
            "layout has one row per patient; remove repeat, or choose the layout that matches "
            "the sheet",
        ),
        (
            "long",
            "[patients]\nprimary_site = 'Site'\n",
            "map.toml, measurements: is missing: the long layout reads one measurements row "
            "from each source row; add [measurements]",
        ),
    ],
)
def test_layout_requirements(tmp_path: Path, layout: str, table: str, expected: str) -> None:
    text = f'[source]\nlayout = "{layout}"\n[common]\npatient_id = "Patient"\n'
    assert expected in _problems(tmp_path, text + table + ASSESSMENTS)


def test_a_common_field_problem_is_reported_once(tmp_path: Path) -> None:
    text = VALID.replace('patient_id = "Patient"', 'patient_id = { column = "P", unit = "cm" }')
    assert _problems(tmp_path, text) == [
        "map.toml, common.patient_id.unit = cm: patient_id has no unit to convert; units "
        "apply to *_mm and *_gbq fields"
    ]
