"""Check a mapping against the source's headers: every column it names must exist once.

A name matches a header exactly (spaces inside collapsed), else ignoring case when only
one header does; a name that matches none gets the closest headers as a hint, and one
that matches two headers is ambiguous. Every repetition of a repeated table is
resolved, so ``"Date C{k}"`` with ``repeat = ["1", ..., "4"]`` needs the four columns.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from prrt.io.formats.table.mapping import FieldMap, ImportMapping, TableMap, substitute
from prrt.io.formats.table.source import SourceSheet, column_letter
from prrt.io.issues import Issue, Severity, new_issue


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where one field's text comes from in one repetition: a column or a fixed value."""

    field: FieldMap
    column: int | None
    """0-based source column, or ``None`` for a fixed value."""
    value: str = ""
    """The fixed value, placeholders replaced."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Repetition:
    """One repetition of a table: its binding and the source of each field."""

    label: str
    """``k = 2`` (empty when the table does not repeat)."""
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedTable:
    """A table of the mapping with column indices in place of names."""

    table: TableMap
    repetitions: tuple[Repetition, ...]
    when: int | None
    """Column of the row filter, if any."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved:
    """The mapping resolved against a sheet."""

    tables: tuple[ResolvedTable, ...]
    not_used: frozenset[int]
    fill_down: tuple[int, ...]


class _Headers:
    """Looks names up in a sheet's headers, adding a problem for each one not found."""

    def __init__(self, sheet: SourceSheet, file: str) -> None:
        self.sheet = sheet
        self.file = file
        self.issues: list[Issue] = []
        self._exact: dict[str, list[int]] = {}
        self._folded: dict[str, list[int]] = {}
        for index, header in enumerate(sheet.headers):
            if header:
                self._exact.setdefault(header, []).append(index)
                self._folded.setdefault(header.casefold(), []).append(index)

    def exists(self, name: str) -> bool:
        """Whether ``name`` matches at least one header."""
        return bool(self._matches(name))

    def _matches(self, name: str) -> list[int]:
        key = " ".join(name.split())
        return self._exact.get(key) or self._folded.get(key.casefold()) or []

    def find(self, name: str, where: str) -> int | None:
        key = " ".join(name.split())
        found = self._matches(name)
        if len(found) == 1:
            return found[0]
        if found:
            letters = " and ".join(column_letter(i) for i in found)
            self._problem(
                where,
                name,
                f"is ambiguous: columns {letters} of {self.sheet.label} have this name",
                "rename one of them in the source",
            )
            return None
        close = difflib.get_close_matches(key, [h for h in self.sheet.headers if h], n=3)
        hint = ("did you mean " + " or ".join(f'"{c}"' for c in close) + "?") if close else ""
        self._problem(
            where,
            name,
            f"is not a column of {self.sheet.label} (header row {self._header_row()})",
            hint or "write the column name as in the header row",
        )
        return None

    def _header_row(self) -> int:
        first = self.sheet.rows[0].number if self.sheet.rows else None
        return first - 1 if first is not None else 1

    def _problem(self, where: str, value: str, rule: str, hint: str) -> None:
        self.issues.append(
            new_issue(
                Severity.ERROR,
                "unknown_source_column",
                self.file,
                column=where,
                value=value,
                rule=rule,
                hint=hint,
            )
        )


def resolve_mapping(mapping: ImportMapping, sheet: SourceSheet) -> tuple[Resolved, list[Issue]]:
    """Column indices for every name of ``mapping``; problems for names not found once."""
    headers = _Headers(sheet, mapping.file)
    tables = tuple(_resolve_table(t, headers) for t in mapping.tables)
    not_used = {
        i for name in mapping.not_used if (i := headers.find(name, "source.not_used")) is not None
    }
    fill_down = tuple(
        i for name in mapping.fill_down if (i := headers.find(name, "source.fill_down")) is not None
    )
    issues = _dedupe(headers.issues)
    used = {s.column for t in tables for r in t.repetitions for s in r.sources} | {
        t.when for t in tables
    }
    for index in sorted(not_used & used):
        issues.append(
            new_issue(
                Severity.ERROR,
                "bad_mapping",
                mapping.file,
                column="source.not_used",
                value=sheet.headers[index],
                rule="is listed as not used but the mapping uses it",
                hint="remove it from not_used",
            )
        )
    return Resolved(tables=tables, not_used=frozenset(not_used), fill_down=fill_down), issues


def _resolve_table(table: TableMap, headers: _Headers) -> ResolvedTable:
    repetitions = [
        Repetition(label=_label(binding), sources=_sources(table.fields, binding, headers))
        for binding in table.bindings
    ]
    for spec in table.fields:
        if spec.optional and spec.column is not None:
            names = [substitute(spec.column, b) for b in table.bindings]
            if not any(headers.exists(n) for n in names):  # absent everywhere: a typo
                headers.find(names[0], spec.path)
    when = None
    if table.when is not None:
        when = headers.find(table.when.column, f"{table.name}.when")
    return ResolvedTable(table=table, repetitions=tuple(repetitions), when=when)


def _sources(
    fields: Sequence[FieldMap], binding: Mapping[str, str], headers: _Headers
) -> tuple[Source, ...]:
    sources = []
    for spec in fields:
        if spec.column is None:
            sources.append(
                Source(field=spec, column=None, value=substitute(spec.value or "", binding))
            )
            continue
        name = substitute(spec.column, binding)
        if spec.optional and not headers.exists(name):
            continue
        index = headers.find(name, spec.path)
        if index is not None:
            sources.append(Source(field=spec, column=index))
    return tuple(sources)


def _label(binding: Mapping[str, str]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in binding.items())


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[Issue] = set()
    kept = []
    for issue in issues:
        if issue not in seen:
            seen.add(issue)
            kept.append(issue)
    return kept
