"""Read and check a mapping file (docs/import.md): every problem at once, as issues.

Each problem names the mapping file and the place in it (``cycles.date``,
``maps.site``), the value, the rule and a fix. Checks that need the source's headers
(does the column exist?) are in :mod:`.resolve`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from prrt.io.formats.table.mapping import (
    DEFAULT_PLACEHOLDER,
    ISO_DATE_FORMAT,
    FieldMap,
    ImportMapping,
    Layout,
    RowFilter,
    TableMap,
    ValueMap,
    placeholders,
)
from prrt.io.formats.table.mapping_fields import (
    Problems,
    date_formats,
    mapping_issue,
    one_of,
    parse_field,
    value_map,
)
from prrt.io.formats.table.source import SEPARATORS, SourceOptions
from prrt.io.issues import Issue
from prrt.io.schema import TABLES

__all__ = ["load_mapping", "mapping_issue", "parse_mapping"]

SOURCE_KEYS = (
    "layout",
    "sheet",
    "header_row",
    "date_format",
    "decimal",
    "encoding",
    "separator",
    "not_used",
    "fill_down",
)
TABLE_OPTIONS = ("repeat", "when")


def load_mapping(path: Path) -> tuple[ImportMapping | None, list[Issue]]:
    """The checked mapping at ``path``, or ``None`` and every problem found."""
    problems = Problems(path.name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.add(None, None, f"cannot be read ({exc.strerror})", "give the mapping file")
        return None, problems.issues
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.add(None, None, f"is not a TOML file: {exc}", "correct the TOML syntax")
        return None, problems.issues
    mapping = parse_mapping(data, problems)
    # a [common] field is checked for each table that takes it: say each problem once
    issues = list(dict.fromkeys(problems.issues))
    return (None if issues else mapping), issues


def parse_mapping(data: Mapping[str, Any], problems: Problems) -> ImportMapping:
    """The mapping of the TOML document ``data``; problems are added to ``problems``."""
    for key in data:
        if key not in ("source", "maps", "common", *TABLES):
            problems.add(
                key,
                None,
                "is not a table of a mapping file",
                f"use [source], [maps.<name>], [common] or a bundle table: {', '.join(TABLES)}",
            )
    source = _table(data, "source", problems)
    if "source" not in data:
        problems.add("source", None, "is missing", 'add [source] with layout = "wide"')
    for key in source:
        if key not in SOURCE_KEYS:
            problems.add(f"source.{key}", None, "is not a key of [source]", one_of(SOURCE_KEYS))
    layout = _layout(source, problems)
    options = SourceOptions(
        sheet=_optional_text(source, "sheet", "source", problems),
        header_row=_header_row(source, problems),
        encoding=_encoding(source, problems),
        separator=_choice(source, "separator", SEPARATORS, problems),
    )
    maps = _named_maps(data, problems)
    common = _table(data, "common", problems)
    tables = [
        _table_map(name, _table(data, name, problems), common, maps, problems)
        for name in TABLES
        if name in data
    ]
    _check_common(common, [t.name for t in tables], problems)
    for required in (name for name, spec in TABLES.items() if spec.required):
        if required not in data:
            problems.add(
                required,
                None,
                f"is missing: {TABLES[required].file} is required in a bundle",
                f"add [{required}] with its fields",
            )
    return ImportMapping(
        file=problems.file,
        layout=layout,
        source=options,
        date_formats=date_formats(source.get("date_format"), "source.date_format", problems)
        or (ISO_DATE_FORMAT,),
        decimal=_choice(source, "decimal", (".", ","), problems),
        not_used=_texts(source, "not_used", problems),
        fill_down=_texts(source, "fill_down", problems),
        tables=tuple(tables),
    )


def _table(data: Mapping[str, Any], key: str, problems: Problems) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.add(key, value, "must be a table", f"write it as [{key}] with keys below it")
        return {}
    return value


def _layout(source: Mapping[str, Any], problems: Problems) -> Layout:
    value = source.get("layout")
    options = tuple(str(v) for v in Layout)
    if value in options:
        return Layout(value)
    if "layout" in source:
        problems.add("source.layout", value, "is not a layout", one_of(options))
    else:
        problems.add("source.layout", None, "is missing", one_of(options))
    return Layout.WIDE


def _optional_text(
    table: Mapping[str, Any], key: str, where: str, problems: Problems
) -> str | None:
    value = table.get(key)
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    problems.add(f"{where}.{key}", value, "must be a non-empty text", "write it in quotes")
    return None


def _header_row(source: Mapping[str, Any], problems: Problems) -> int:
    value = source.get("header_row", 1)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    problems.add("source.header_row", value, "must be a row number >= 1", "e.g. header_row = 2")
    return 1


def _encoding(source: Mapping[str, Any], problems: Problems) -> str:
    value = source.get("encoding", "utf-8")
    try:
        if not isinstance(value, str):
            raise LookupError(value)
        "".encode(value)
    except LookupError:
        problems.add("source.encoding", value, "is not a text encoding", 'use "utf-8" or "cp1252"')
        return "utf-8"
    return value


def _choice(
    table: Mapping[str, Any], key: str, options: tuple[str, ...], problems: Problems
) -> str | None:
    value = table.get(key)
    if value is None or value in options:
        return value
    problems.add(
        f"source.{key}", value, f"is not a {key}", one_of(tuple(f'"{o}"' for o in options))
    )
    return None


def _texts(table: Mapping[str, Any], key: str, problems: Problems) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.add(f"source.{key}", value, "must be a list of column names", f'{key} = ["Notes"]')
    return ()


def _named_maps(data: Mapping[str, Any], problems: Problems) -> dict[str, ValueMap]:
    maps: dict[str, ValueMap] = {}
    for name, entries in _table(data, "maps", problems).items():
        built = value_map(name, entries, f"maps.{name}", problems)
        if built is not None:
            maps[name] = built
    return maps


def _table_map(
    name: str,
    table: Mapping[str, Any],
    common: Mapping[str, Any],
    maps: Mapping[str, ValueMap],
    problems: Problems,
) -> TableMap:
    spec = TABLES[name]
    repeat = _repeat(name, table.get("repeat"), problems)
    fields: list[FieldMap] = []
    for key, value in table.items():
        if key in TABLE_OPTIONS:
            continue
        if key not in spec.names:
            problems.add(
                f"{name}.{key}",
                None,
                f"is not a column of {spec.file}",
                f"its columns: {', '.join(spec.names)}; or repeat, when",
            )
            continue
        built = parse_field(name, key, value, maps, problems, common=False)
        if built is not None:
            fields.append(built)
    own = {f.name for f in fields}
    for key, value in common.items():
        if key in spec.names and key not in own:
            built = parse_field(name, key, value, maps, problems, common=True)
            if built is not None:
                fields.append(built)
    mapped = {f.name for f in fields}
    for column in spec.columns:
        if column.required and column.default is None and column.name not in mapped:
            problems.add(
                f"{name}.{column.name}",
                None,
                f"is required in {spec.file} but the mapping gives it no column or value",
                f'map it: {column.name} = "<source column>", or {{ value = "..." }}',
            )
    _check_placeholders(name, fields, repeat, problems)
    return TableMap(
        name=name,
        fields=tuple(fields),
        repeat=repeat,
        when=_when(name, table.get("when"), problems),
    )


def _repeat(name: str, value: object, problems: Problems) -> tuple[dict[str, str], ...]:
    where = f"{name}.repeat"
    if value is None:
        return ()
    if isinstance(value, list) and value and all(isinstance(v, str | int) for v in value):
        return tuple({DEFAULT_PLACEHOLDER: str(v)} for v in value)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        keys = set(value[0])
        ok = all(
            set(v) == keys and all(isinstance(x, str | int) for x in v.values()) for v in value
        )
        if ok and keys:
            return tuple({k: str(x) for k, x in v.items()} for v in value)
    problems.add(
        where,
        value,
        "must be a non-empty list of texts, or of tables with the same keys",
        'e.g. repeat = ["1", "2", "3", "4"], or [{ k = "mid", id = "A1" }, ...]',
    )
    return ()


def _when(name: str, value: object, problems: Problems) -> RowFilter | None:
    if value is None:
        return None
    if isinstance(value, dict) and set(value) == {"column", "values"}:
        column, values = value["column"], value["values"]
        if (
            isinstance(column, str)
            and isinstance(values, list)
            and values
            and all(isinstance(v, str) and v.strip() for v in values)
        ):
            return RowFilter(column=column, values=tuple(values))
    problems.add(
        f"{name}.when",
        value,
        "must be { column = <source column>, values = [<texts>] }",
        'e.g. when = { column = "Type", values = ["target", "non-target"] }',
    )
    return None


def _check_placeholders(
    table: str,
    fields: list[FieldMap],
    repeat: tuple[dict[str, str], ...],
    problems: Problems,
) -> None:
    bound = set(repeat[0]) if repeat else set()
    used: set[str] = set()
    for spec in fields:
        text = spec.column if spec.column is not None else spec.value or ""
        names = placeholders(text)
        used |= names
        if spec.common and names:
            problems.add(spec.path, text, "[common] fields cannot repeat", "map it in the table")
        for missing in sorted(names - bound):
            problems.add(
                spec.path,
                text,
                f"uses {{{missing}}} but {table}.repeat gives no {missing}",
                f'add repeat to [{table}] (e.g. repeat = ["1", "2"]) or remove {{{missing}}}',
            )
    if repeat and not used:
        problems.add(
            f"{table}.repeat",
            None,
            "no field of the table uses a placeholder: every repetition would be the same row",
            'use {k} in a column name or value, e.g. date = "Date C{k}"',
        )


def _check_common(common: Mapping[str, Any], tables: list[str], problems: Problems) -> None:
    for key in common:
        if not any(key in TABLES[t].names for t in tables):
            problems.add(
                f"common.{key}",
                None,
                "is a column of none of the mapped tables",
                "map a table that has it, or remove it",
            )
