"""``prrt import table --guess``: a mapping proposed from a sheet's headers and values.

Rule (docs/decisions.md, D84)
-----------------------------
1. A header whose name (:func:`.guess_words.normalise`) is a patient field's name maps
   to that field of patients.csv (``Date de naissance`` -> ``birth_date``).
2. Otherwise a header holding a cycle key (``C1``, ``cure 2``) or a timepoint word
   (``baseline``, ``mid``, ``end``, ``M6``) whose remaining name is a cycle, scan, sum or
   response field joins a column group: ``Date C{k}`` with ``repeat = ["1", ...]``.
3. Otherwise a scan, sum, response or lesion field's name maps to that field.
4. The layout: ``wide`` when column groups were found, else ``long`` when a lesion
   column was, else ``per_scan``.
5. Values of controlled fields that the bundle does not read as they are get a value
   map entry when a known word names them (``PNET`` -> ``pancreas``, ``RP`` -> ``PR``),
   else a commented entry for the user to fill in: nothing is invented.
6. The date format is the first of :data:`DATE_FORMATS` that reads every text date of
   the mapped date columns; a sheet also readable month-first gets a comment.
7. Every header not recognised is listed in a comment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from prrt.io.formats.table.cells import cell_text
from prrt.io.formats.table.guess_render import Proposal, inline, render
from prrt.io.formats.table.guess_words import (
    BOOL_WORDS,
    CYCLE_FIELDS,
    CYCLE_KEY,
    LESION_FIELDS,
    NEW_LESION_WORDS,
    PATIENT_FIELDS,
    RESPONSE_FIELDS,
    SCAN_FIELDS,
    SUM_FIELDS,
    TIMEPOINT_KEY,
    UNIT_WORDS,
    VALUE_WORDS,
    normalise,
)
from prrt.io.formats.table.mapping import ISO_DATE_FORMAT
from prrt.io.formats.table.source import SourceOptions, SourceSheet, column_letter, read_source
from prrt.io.formats.table.vocab import CONTROLLED_KINDS, value_problem
from prrt.io.issues import Issue
from prrt.io.schema import TABLES, Kind

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%m/%d/%Y")
"""Text date formats tried, day first (European sheets) before month first."""
_REPEATED = {
    "cycles": CYCLE_FIELDS,
    "assessments": SCAN_FIELDS,
    "sums": SUM_FIELDS,
    "responses": RESPONSE_FIELDS,
}


@dataclass(slots=True)
class _Group:
    """Columns that differ only by a cycle or timepoint key."""

    table: str
    name: str
    template: str
    unit: str | None
    values: list[str] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Found:
    single: dict[tuple[str, str], tuple[int, str | None]] = field(default_factory=dict)
    """(table, field) -> (column, unit) for a column not repeated."""
    groups: dict[str, _Group] = field(default_factory=dict)
    """Template -> group."""
    unknown: list[int] = field(default_factory=list)


def guess_mapping(
    source: Path | str, *, sheet: str | None = None
) -> tuple[str | None, list[Issue]]:
    """A proposed mapping file (TOML text) for ``source``, or ``None`` and why not.

    Without ``sheet``, a workbook's sheet with the most filled cells is read (a first
    sheet of notes is common).
    """
    read = read_source(Path(source), SourceOptions(sheet=sheet))
    if read.sheet is None:
        return None, read.issues
    chosen = read.sheet
    if sheet is None and len(chosen.sheets) > 1:
        for title in chosen.sheets[1:]:
            other = read_source(Path(source), SourceOptions(sheet=title)).sheet
            if other is not None and _size(other) > _size(chosen):
                chosen = other
    return render(propose(chosen)), read.issues


def _size(sheet: SourceSheet) -> int:
    return sum(1 for r in sheet.rows for c in r.cells if cell_text(c)) + len(sheet.headers)


def propose(sheet: SourceSheet) -> Proposal:
    """The proposal for ``sheet`` (module docstring)."""
    found = _recognise(sheet)
    groups = [g for g in found.groups.values() if g.table in TABLES]
    has_lesions = ("lesions", "lesion_id") in found.single
    layout = "wide" if groups else ("long" if has_lesions else "per_scan")
    proposal = Proposal(
        layout=layout,
        source=sheet.file,
        sheet=sheet.sheet if len(sheet.sheets) > 1 else None,
    )
    patient = found.single.get(("patients", "patient_id"))
    proposal.common["patient_id"] = _header(sheet, patient[0]) if patient else None
    if patient:
        proposal.sources[("patients", "patient_id")] = [patient[0]]
        if any(cell_text(r.cells[patient[0]]) == "" for r in sheet.rows):
            proposal.fill_down.append(_header(sheet, patient[0]))
    _patients(sheet, found, proposal)
    if layout == "wide":
        _wide(sheet, groups, proposal)
    else:
        _per_row(sheet, found, proposal, long=layout == "long")
    _value_maps(sheet, proposal)
    _date_format(sheet, proposal)
    used = set(proposal.columns_used)
    proposal.unrecognised = [
        (column_letter(i), h) for i, h in enumerate(sheet.headers) if i not in used
    ]
    return proposal


def _recognise(sheet: SourceSheet) -> _Found:
    found = _Found()
    for index, header in enumerate(sheet.headers):
        name, unit = _without_unit(normalise(header))
        if not header:
            continue
        patient = _field_of(PATIENT_FIELDS, name)
        if patient and ("patients", patient) not in found.single:
            found.single[("patients", patient)] = (index, unit)
            continue
        group = _group(header, index)
        if group is not None:
            known = found.groups.get(group.template)
            if known is None:
                found.groups[group.template] = group
            else:
                known.values += group.values
                known.columns += group.columns
            continue
        for table, fields in (*_REPEATED.items(), ("lesions", LESION_FIELDS)):
            hit = _field_of(fields, name)
            if hit and (table, hit) not in found.single:
                found.single[(table, hit)] = (index, unit)
                break
        else:
            found.unknown.append(index)
    return found


def _field_of(fields: dict[str, frozenset[str]], name: str) -> str | None:
    return next((f for f, names in fields.items() if name in names), None)


def _without_unit(name: str) -> tuple[str, str | None]:
    """The name without a trailing unit word, and the unit when it is not the bundle's own
    (mm and GBq need no conversion)."""
    words = name.split()
    if len(words) > 1 and words[-1] in UNIT_WORDS:
        unit = UNIT_WORDS[words[-1]]
        return " ".join(words[:-1]), None if unit in ("", "mm", "GBq") else unit
    return name, None


def _group(header: str, index: int) -> _Group | None:
    for pattern, tables in (
        (CYCLE_KEY, ("cycles",)),
        (TIMEPOINT_KEY, ("assessments", "sums", "responses")),
    ):
        match = pattern.search(header)
        if match is None:
            continue
        start, end = match.span("n")
        rest, unit = _without_unit(normalise(header[: match.start()] + " " + header[match.end() :]))
        for table in tables:
            hit = _field_of(_REPEATED[table], rest)
            if hit:
                template = header[:start] + "{k}" + header[end:]
                return _Group(table, hit, template, unit, [header[start:end]], [index])
    return None


def _header(sheet: SourceSheet, index: int) -> str:
    return sheet.headers[index]


def _patients(sheet: SourceSheet, found: _Found, proposal: Proposal) -> None:
    table = proposal.table("patients")
    for (name, field_name), (index, _) in found.single.items():
        if name == "patients" and field_name != "patient_id":
            table.fields[field_name] = inline(column=_header(sheet, index))
            proposal.sources[("patients", field_name)] = [index]


def _wide(sheet: SourceSheet, groups: list[_Group], proposal: Proposal) -> None:
    by_table: dict[str, list[_Group]] = {}
    for group in groups:
        by_table.setdefault(group.table, []).append(group)
    if "sums" in by_table and "responses" in by_table:
        proposal.notes.append(
            "the sheet has both target sums and responses: one mode per patient, so "
            "[sums] is proposed commented out; keep [responses] or [sums]"
        )
    for name, members in by_table.items():
        keyed = "cycle" if name == "cycles" else "assessment_id"
        dated = [g for g in members if g.name == "date"]
        lead = dated[0] if dated else max(members, key=lambda g: len(g.values))
        table = proposal.table(name, commented=name == "sums" and "responses" in by_table)
        table.repeat = lead.values
        table.fields[keyed] = inline(value="{k}")
        for group in members:
            if not set(group.values) <= set(lead.values):
                table.comments.append(
                    f"{group.template} has the groups {', '.join(group.values)}, not those of "
                    f"repeat: map it in a table of its own"
                )
                continue
            partial = set(group.values) != set(lead.values)
            table.fields[group.name] = inline(
                column=group.template, unit=group.unit, optional=partial
            )
            proposal.sources[(name, group.name)] = group.columns


def _per_row(sheet: SourceSheet, found: _Found, proposal: Proposal, *, long: bool) -> None:
    scan = found.single.get(("assessments", "date"))
    scan_header = _header(sheet, scan[0]) if scan else None
    proposal.common["assessment_id"] = scan_header
    proposal.dated_ids = scan_header is not None
    assessments = proposal.table("assessments")
    if scan is not None and scan_header is not None:
        assessments.fields["date"] = inline(column=scan_header)
        proposal.sources[("assessments", "date")] = [scan[0]]
    for (name, field_name), (index, unit) in found.single.items():
        targets = _LONG_TARGETS if long else _SCAN_TARGETS
        for table_name, key in targets.get((name, field_name), ()):
            if table_name not in TABLES:
                continue
            if key == "lesion_id":
                proposal.common["lesion_id"] = _header(sheet, index)
            else:
                proposal.table(table_name).fields[key] = inline(
                    column=_header(sheet, index), unit=unit
                )
            proposal.sources[(table_name, key)] = [index]
    if long:
        proposal.table("lesions")
        proposal.table("measurements")
        _route_new_lesions(sheet, found, proposal)


_SCAN_TARGETS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    **{("sums", f): (("sums", f),) for f in SUM_FIELDS},
    **{("responses", f): (("responses", f),) for f in RESPONSE_FIELDS},
}
"""per_scan: a column recognised as a sum or response field -> the fields it feeds."""
_LONG_TARGETS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("lesions", "lesion_id"): (("lesions", "lesion_id"), ("new_lesions", "new_lesion_id")),
    ("lesions", "role"): (("lesions", "role"),),
    ("lesions", "organ"): (("lesions", "organ"), ("new_lesions", "organ")),
    ("lesions", "is_node"): (("lesions", "is_node"), ("new_lesions", "is_node")),
    ("lesions", "group"): (("lesions", "group"), ("new_lesions", "group")),
    ("lesions", "diameter_mm"): (("measurements", "diameter_mm"),),
    ("lesions", "status"): (("measurements", "status"),),
    ("lesions", "certainty"): (("new_lesions", "certainty"),),
}
"""long: a lesion column -> the fields of lesions, measurements and new_lesions it feeds."""


def _route_new_lesions(sheet: SourceSheet, found: _Found, proposal: Proposal) -> None:
    """A long sheet's type column with new-lesion values: ``when`` filters (rule 3)."""
    role = found.single.get(("lesions", "role"))
    values = _values(sheet, [role[0]]) if role else []
    new = [v for v in values if normalise(v) in NEW_LESION_WORDS]
    if role is None or not new:
        proposal.tables.pop("new_lesions", None)
        for key in [k for k in proposal.sources if k[0] == "new_lesions"]:
            del proposal.sources[key]
        return
    header = _header(sheet, role[0])
    lesion = [v for v in values if v not in new]
    proposal.table("measurements")
    for name in ("lesions", "measurements"):
        proposal.table(name).when = inline(column=header, values=lesion)
    new_table = proposal.table("new_lesions")
    new_table.when = inline(column=header, values=new)
    new_table.fields.pop("role", None)
    proposal.excluded[("lesions", "role")] = set(new)


def _values(sheet: SourceSheet, columns: list[int]) -> list[str]:
    seen: dict[str, None] = {}
    for row in sheet.rows:
        for column in columns:
            text = cell_text(row.cells[column])
            if text:
                seen.setdefault(text)
    return list(seen)


def _value_maps(sheet: SourceSheet, proposal: Proposal) -> None:
    for (table_name, field_name), columns in list(proposal.sources.items()):
        spec = TABLES[table_name].column(field_name)
        if spec.kind not in CONTROLLED_KINDS:
            continue
        skip = proposal.excluded.get((table_name, field_name), set())
        entries: dict[str, str | None] = {}
        for value in _values(sheet, columns):
            if value in skip or value_problem(spec, value) == "":
                continue
            words = BOOL_WORDS if spec.kind is Kind.BOOL else VALUE_WORDS.get(field_name, {})
            entries[value] = words.get(normalise(value))
        if entries:
            proposal.maps.setdefault(field_name, {}).update(entries)
            table = proposal.table(table_name)
            column = table.fields.get(field_name)
            if column is not None:
                table.fields[field_name] = column.with_map(field_name)


def _date_format(sheet: SourceSheet, proposal: Proposal) -> None:
    texts = [
        cell
        for (table, name), columns in proposal.sources.items()
        if TABLES[table].column(name).kind is Kind.DATE
        for row in sheet.rows
        for column in columns
        if isinstance(cell := row.cells[column], str) and cell.strip()
    ]
    if not texts:
        return
    reads: dict[str, Callable[[str], bool]] = {f: _reader(f) for f in DATE_FORMATS}
    fits = [f for f in DATE_FORMATS if all(reads[f](t.strip()) for t in texts)]
    if not fits:
        proposal.notes.append("no date format reads every date of the sheet: write date_format")
        return
    proposal.date_format = None if fits[0] == ISO_DATE_FORMAT else fits[0]
    if "%m/%d/%Y" in fits and fits[0] != "%m/%d/%Y":
        proposal.notes.append(
            f"every date also reads as %m/%d/%Y (month first): check that {fits[0]} is right"
        )


def _reader(form: str) -> Callable[[str], bool]:
    def reads(text: str) -> bool:
        try:
            datetime.strptime(text, form)
        except ValueError:
            return False
        return True

    return reads
