"""The synthetic physician's sheet of the wide import example, as data.

``src/prrt/datasets/examples/import/wide/physician_sheet.xlsx`` is written from these
rows (``python tests/io/formats/wide_sheet.py``); test_import_examples.py checks that the
committed workbook still holds them. Ki-67 is stored as Excel stores a typed ``5 %``
(0.05 shown through a percent format). All data synthetic.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

HEADERS = (
    "Patient", "Date of birth", "Sex", "Site", "Grade", "Ki-67 %",
    "Date C1", "GBq C1", "Date C2", "GBq C2", "Date C3", "GBq C3", "Date C4", "GBq C4",
    "Date CT baseline", "SLD baseline",
    "Date CT mid", "SLD mid", "New lesions mid", "Response mid",
    "Date CT end", "SLD end", "New lesions end", "Response end",
    "Last contact", "Comments",
)  # fmt: skip
D = date
ROWS: tuple[tuple[object, ...], ...] = (
    (
        "W01", D(1958, 3, 14), "F", "PNET", "G2", 0.05,
        D(2022, 1, 10), 7.4, D(2022, 3, 7), 7.4, D(2022, 5, 2), 7.4, D(2022, 6, 27), 7.4,
        D(2021, 12, 20), 80,
        D(2022, 4, 20), 60, "no", "SD",
        D(2022, 9, 15), 50, "no", "RP",
        D(2023, 3, 1), None,
    ),
    (
        "W02", D(1960, 7, 2), "M", "SI-NET", "G1", 0.02,
        D(2022, 2, 7), 7.4, D(2022, 4, 4), 7.4, D(2022, 5, 30), 7.4, D(2022, 7, 25), 7.4,
        D(2022, 1, 25), 100,
        D(2022, 5, 16), 95, "no", "SD",
        D(2022, 10, 17), 92, "no", "SD",
        D(2023, 4, 10), None,
    ),
    (
        "W03", D(1949, 11, 23), "M", "SI-NET", "G2", 0.08,
        D(2022, 3, 14), 7.4, D(2022, 5, 9), 7.4, None, None, None, None,
        D(2022, 3, 1), 40,
        D(2022, 6, 20), 42, "yes", "progression",
        None, None, None, None,
        D(2022, 12, 1), "stopped after C2: new liver lesions",
    ),
    (
        "W04", D(1966, 5, 30), "F", "PNET", "G2", 0.15,
        D(2022, 4, 4), 7.4, D(2022, 5, 30), 7.4, D(2022, 7, 25), 3.7, D(2022, 9, 19), 7.4,
        D(2022, 3, 21), 60,
        D(2022, 7, 11), 40, "no", "RP",
        D(2022, 12, 12), 12, "no", "RP",
        D(2023, 6, 1), "C3 reduced: platelets",
    ),
    (
        "W05", D(1955, 9, 9), "M", "Lung", "G1", 0.01,
        D(2022, 5, 9), 7.4, D(2022, 7, 4), 7.4, D(2022, 8, 29), 7.4, D(2022, 10, 24), 7.4,
        D(2022, 4, 26), 70,
        D(2022, 8, 16), 65, "no", "SD",
        D(2023, 1, 23), 80, "no", "progression",
        D(2023, 5, 2), None,
    ),
)  # fmt: skip
SHEET = "PRRT"
README_SHEET = "Read me"
README_TEXT = (
    "Synthetic example for prrt import table: five invented patients, no real person.",
    "The data are on the sheet PRRT; the mapping files beside this workbook read it.",
)


def write_sheet(path: Path) -> Path:
    """Write the workbook: a read-me sheet first, then the data sheet."""
    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    notes.title = README_SHEET
    for line in README_TEXT:
        notes.append([line])
    sheet = book.create_sheet(SHEET)
    sheet.append(list(HEADERS))
    percent = HEADERS.index("Ki-67 %") + 1
    for row in ROWS:
        sheet.append(list(row))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
        cells[percent - 1].number_format = "0%"
    book.save(path)
    return path


if __name__ == "__main__":
    target = Path(__file__).parents[3] / "src/prrt/datasets/examples/import/wide"
    print(write_sheet(target / "physician_sheet.xlsx"))
