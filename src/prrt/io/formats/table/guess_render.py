"""The proposal of ``--guess`` and its TOML text (a mapping file, docs/import.md)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from prrt.io.schema import TABLES

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    """A TOML basic string (JSON escapes are TOML escapes).

    >>> toml_string('Ki-67 "%"')
    '"Ki-67 \\\\"%\\\\""'
    """
    return json.dumps(text, ensure_ascii=False)


def toml_key(text: str) -> str:
    """A bare key when it can be one, else a quoted key.

    >>> toml_key("PNET"), toml_key("SI-NET"), toml_key("non cible")
    ('PNET', 'SI-NET', '"non cible"')
    """
    return text if _BARE_KEY.fullmatch(text) else toml_string(text)


@dataclass(frozen=True, slots=True, kw_only=True)
class Inline:
    """One field (or ``when``) of the proposal."""

    column: str | None = None
    value: str | None = None
    unit: str | None = None
    map: str | None = None
    date_format: str | None = None
    optional: bool = False
    values: tuple[str, ...] = ()

    def with_map(self, name: str) -> Inline:
        """The same field read through the value map ``name``."""
        return replace(self, map=name)

    def to_toml(self) -> str:
        """``"Date C{k}"`` or ``{ column = "Site", map = "primary_site" }``."""
        if self.column is not None and not (
            self.unit or self.map or self.date_format or self.values or self.optional
        ):
            return toml_string(self.column)
        parts = [
            f"{key} = {toml_string(text)}"
            for key, text in (
                ("column", self.column),
                ("value", self.value),
                ("map", self.map),
                ("date_format", self.date_format),
                ("unit", self.unit),
            )
            if text is not None
        ]
        if self.optional:
            parts.append("optional = true")
        if self.values:
            parts.append("values = [" + ", ".join(toml_string(v) for v in self.values) + "]")
        return "{ " + ", ".join(parts) + " }"


def inline(
    *,
    column: str | None = None,
    value: str | None = None,
    unit: str | None = None,
    values: list[str] | None = None,
    optional: bool = False,
) -> Inline:
    """A field read from ``column``, or the fixed ``value``; a ``when`` with ``values``."""
    return Inline(
        column=column, value=value, unit=unit, values=tuple(values or ()), optional=optional
    )


@dataclass(slots=True)
class TableProposal:
    """One bundle table of the proposal."""

    name: str
    fields: dict[str, Inline | None] = field(default_factory=dict)
    """``None``: a field the proposal could not find."""
    repeat: list[str] = field(default_factory=list)
    when: Inline | None = None
    comments: list[str] = field(default_factory=list)
    commented: bool = False


@dataclass(slots=True)
class Proposal:
    """Everything ``--guess`` found, ready to be written as TOML."""

    layout: str
    source: str
    sheet: str | None = None
    date_format: str | None = None
    fill_down: list[str] = field(default_factory=list)
    common: dict[str, str | None] = field(default_factory=dict)
    dated_ids: bool = False
    """``[common] assessment_id`` comes from a scan date column."""
    tables: dict[str, TableProposal] = field(default_factory=dict)
    maps: dict[str, dict[str, str | None]] = field(default_factory=dict)
    sources: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """(table, field) -> source columns, for value maps and the columns used."""
    excluded: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unrecognised: list[tuple[str, str]] = field(default_factory=list)

    def table(self, name: str, *, commented: bool = False) -> TableProposal:
        """The proposal of table ``name``, created on first use."""
        if name not in self.tables:
            self.tables[name] = TableProposal(name=name, commented=commented)
        return self.tables[name]

    @property
    def columns_used(self) -> set[int]:
        """Source columns the proposal maps."""
        return {c for columns in self.sources.values() for c in columns}


def render(proposal: Proposal) -> str:
    """The proposal as a mapping file."""
    if "sums" in proposal.tables and "responses" in proposal.tables:
        proposal.tables["sums"].commented = True
    lines = [
        f"# Mapping proposed by `prrt import table --guess` from {proposal.source}.",
        "# Check every line before importing: names and values were recognised, not verified",
        "# (docs/import.md describes every key).",
        *(f"# Note: {note}" for note in proposal.notes),
        "",
        "[source]",
        f"layout = {toml_string(proposal.layout)}",
    ]
    if proposal.sheet is not None:
        lines.append(f"sheet = {toml_string(proposal.sheet)}")
    if proposal.date_format is not None:
        lines.append(f"date_format = {toml_string(proposal.date_format)}")
    if proposal.fill_down:
        shown = ", ".join(toml_string(c) for c in proposal.fill_down)
        lines.append(f"fill_down = [{shown}]  # empty cells repeat the cell above")
    for name, entries in proposal.maps.items():
        lines += ["", f"[maps.{toml_key(name)}]"]
        for source_value, target in entries.items():
            if target is None:
                lines.append(
                    f'# {toml_key(source_value)} = ""  # no proposal: the bundle value, '
                    'or "" for missing'
                )
            else:
                lines.append(f"{toml_key(source_value)} = {toml_string(target)}")
    lines += ["", "[common]", *_common(proposal)]
    for name in TABLES:
        table = proposal.tables.get(name)
        if table is not None:
            lines += ["", *_table(table, proposal)]
    if proposal.unrecognised:
        lines += ["", "# Columns not recognised (not imported unless you map them):"]
        lines += [f"#   {letter} {toml_string(header)}" for letter, header in proposal.unrecognised]
    return "\n".join(lines) + "\n"


def _common(proposal: Proposal) -> list[str]:
    lines = []
    for name, header in proposal.common.items():
        if header is None:
            lines.append(f'{name} = "<source column>"  # not found in the headers')
        elif name == "assessment_id" and proposal.dated_ids and proposal.date_format:
            spec = Inline(column=header, date_format=proposal.date_format)
            lines.append(f"{name} = {spec.to_toml()}  # the scan date as the assessment's ID")
        else:
            lines.append(f"{name} = {toml_string(header)}")
    return lines


def _table(table: TableProposal, proposal: Proposal) -> list[str]:
    lines = [f"[{table.name}]", *(f"# {c}" for c in table.comments)]
    if table.repeat:
        lines.append("repeat = [" + ", ".join(toml_string(v) for v in table.repeat) + "]")
    if table.when is not None:
        lines.append(f"when = {table.when.to_toml()}")
    given = {**{k: v for k, v in proposal.common.items() if v is not None}, **table.fields}
    for name, spec in table.fields.items():
        if spec is not None:
            lines.append(f"{name} = {spec.to_toml()}")
    for column in TABLES[table.name].columns:
        if column.required and column.default is None and given.get(column.name) is None:
            lines.append(f'{column.name} = "<source column>"  # required: no header recognised')
    if table.commented:
        lines = [f"# {line}" for line in lines]
    return lines
