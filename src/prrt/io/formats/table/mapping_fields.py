"""The fields of a mapping file: column or fixed value, value map, date format, unit.

Part of reading a mapping file (:mod:`.mapping_parse`): every problem is added to a
:class:`Problems` collector, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from prrt.io.formats.table.mapping import FieldMap, ValueMap, map_key
from prrt.io.formats.table.units import UNIT_NAMES, unit_factors
from prrt.io.formats.table.vocab import check_map_target
from prrt.io.issues import Issue, Severity, new_issue
from prrt.io.schema import TABLES, Kind

FIELD_KEYS = ("column", "value", "map", "date_format", "unit", "optional")
_DATE_KINDS = (Kind.DATE, Kind.ID, Kind.TEXT)
"""Kinds a ``date_format`` applies to: a date, or a date written as an ID or text
(``assessment_id`` from a scan date)."""


class Problems:
    """Issues of one mapping file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def add(self, where: str | None, value: object, rule: str, hint: str) -> None:
        """A problem at ``where`` (``cycles.date``); without a value, the place is named
        beside the file (``map.toml, cycles.day: ...``)."""
        self.issues.append(mapping_issue(self.file, where, value, rule, hint))


def mapping_issue(file: str, where: str | None, value: object, rule: str, hint: str) -> Issue:
    """An error of the mapping file ``file`` at ``where``."""
    if value is None:
        place = file if where is None else f"{file}, {where}"
        return new_issue(Severity.ERROR, "bad_mapping", place, rule=rule, hint=hint)
    return new_issue(
        Severity.ERROR,
        "bad_mapping",
        file,
        column=where,
        value=_show(value),
        rule=rule,
        hint=hint,
    )


def _show(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def one_of(options: tuple[str, ...]) -> str:
    """The hint listing the accepted ``options``."""
    return "use one of: " + ", ".join(options)


def date_formats(value: object, where: str, problems: Problems) -> tuple[str, ...]:
    """Checked strftime formats: each must write and read back a date."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    formats: list[str] = []
    for item in items:
        if isinstance(item, str) and _round_trips(item):
            formats.append(item)
        else:
            problems.add(
                where,
                item,
                "is not a date format (strftime codes, with day, month and year)",
                'e.g. "%d/%m/%Y" for 31/12/2024, or a list of formats',
            )
    return tuple(formats)


def _round_trips(text: str) -> bool:
    sample = date(2001, 12, 31)
    try:
        return datetime.strptime(sample.strftime(text), text).date() == sample
    except ValueError:
        return False


def value_map(name: str, entries: object, where: str, problems: Problems) -> ValueMap | None:
    if not isinstance(entries, dict):
        problems.add(
            where,
            entries,
            "must be a table of source value = bundle value",
            'e.g. PNET = "pancreas"',
        )
        return None
    built: dict[str, tuple[str, str]] = {}
    for source_value, target in entries.items():
        key = map_key(source_value)
        if isinstance(target, bool):
            target = "true" if target else "false"
        elif isinstance(target, int):
            target = str(target)
        if not isinstance(target, str):
            problems.add(
                f"{where}.{source_value}", target, "must be a text", "write the value in quotes"
            )
            continue
        if key in built:
            problems.add(
                f"{where}.{source_value}",
                target,
                f"names the same source value as {built[key][0]} (maps ignore case and spaces)",
                "keep one of them",
            )
            continue
        if not key:
            problems.add(
                f"{where}.{source_value}",
                target,
                "maps an empty source value: an empty cell is always missing",
                "remove it",
            )
            continue
        built[key] = (source_value, target.strip())
    return ValueMap(name=name, entries=built)


def parse_field(
    table: str,
    name: str,
    value: object,
    maps: Mapping[str, ValueMap],
    problems: Problems,
    *,
    common: bool,
) -> FieldMap | None:
    where = f"{'common' if common else table}.{name}"
    if isinstance(value, str):
        return FieldMap(table=table, name=name, column=value, common=common)
    if not isinstance(value, dict):
        problems.add(
            where,
            value,
            "must be a source column name or a table { column = ..., ... }",
            'e.g. date = "Date C1" or date = { column = "Date C1", date_format = "%d/%m/%Y" }',
        )
        return None
    for key in value:
        if key not in FIELD_KEYS:
            problems.add(f"{where}.{key}", None, "is not a key of a field", one_of(FIELD_KEYS))
    column, fixed = value.get("column"), value.get("value")
    if (column is None) == (fixed is None):
        problems.add(
            where, value, "needs exactly one of column and value", one_of(("column", "value"))
        )
        return None
    if column is not None and not isinstance(column, str):
        problems.add(f"{where}.column", column, "must be a text", "write the column name in quotes")
        return None
    if isinstance(fixed, bool):
        fixed = "true" if fixed else "false"
    elif isinstance(fixed, int):
        fixed = str(fixed)
    if fixed is not None and not isinstance(fixed, str):
        problems.add(f"{where}.value", fixed, "must be a text", "write the value in quotes")
        return None
    if fixed is not None and any(k in value for k in ("map", "date_format", "unit", "optional")):
        problems.add(
            where,
            value,
            "a fixed value takes no map, date_format or unit",
            "write the bundle value",
        )
    optional = value.get("optional", False)
    if not isinstance(optional, bool) or (optional and column is None):
        problems.add(
            f"{where}.optional",
            optional,
            "must be true or false, beside a column",
            "optional = true lets a repeated column be absent for some repetitions",
        )
        optional = False
    kind = TABLES[table].column(name).kind
    value_map = _field_map(table, name, value.get("map"), maps, where, problems)
    formats = date_formats(value.get("date_format"), f"{where}.date_format", problems)
    if formats and kind not in _DATE_KINDS:
        problems.add(
            f"{where}.date_format",
            value.get("date_format"),
            f"applies to dates (or IDs and text written from a date); {name} is a {kind} column",
            "remove it",
        )
    return FieldMap(
        table=table,
        name=name,
        column=column,
        value=fixed,
        value_map=value_map,
        date_formats=formats,
        unit=_unit(name, value.get("unit"), f"{where}.unit", problems),
        optional=optional,
        common=common,
    )


def _field_map(
    table: str,
    name: str,
    value: object,
    maps: Mapping[str, ValueMap],
    where: str,
    problems: Problems,
) -> ValueMap | None:
    if value is None:
        return None
    if isinstance(value, str):
        found = maps.get(value)
        if found is None:
            listed = ", ".join(maps) or "none"
            problems.add(
                f"{where}.map", value, f"names no [maps.{value}] table (maps: {listed})", "add it"
            )
            return None
    else:
        found = value_map(f"{table}.{name}", value, f"{where}.map", problems)
        if found is None:
            return None
    spec = TABLES[table].column(name)
    for source_value, target in found.entries.values():
        rule = check_map_target(spec, target)
        if rule:
            problems.add(
                f"maps.{found.name}.{source_value}" if isinstance(value, str) else f"{where}.map",
                target,
                f"{rule} (used by {table}.{name})",
                "write a value of the bundle column, or an empty text for a missing value",
            )
    return found


def _unit(name: str, value: object, where: str, problems: Problems) -> str | None:
    if value is None:
        return None
    factors = unit_factors(name)
    if factors is None:
        problems.add(
            where, value, f"{name} has no unit to convert", "units apply to *_mm and *_gbq fields"
        )
        return None
    if not isinstance(value, str) or value.casefold() not in factors:
        names = tuple(UNIT_NAMES[u] for u in factors)
        problems.add(where, value, f"is not a unit of {name}", one_of(names))
        return None
    return value
