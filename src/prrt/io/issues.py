"""Validation issues: every problem with file, row, column, value, rule and a fix."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """Errors stop the run (exit 2, nothing written); warnings are reported (bundle.md)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """One problem in the input.

    ``row`` is the row number as in the file (header = row 1); ``None`` for a problem
    with a whole file or patient. ``code`` is a stable machine-readable identifier.
    """

    severity: Severity
    code: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    hint: str

    def to_text(self) -> str:
        """One line: ``file row N, column = value: rule; hint``."""
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            shown = "" if self.value is None else self.value
            where += f", {self.column} = {shown}"
        text = f"{where}: {self.rule}"
        if self.hint:
            text += f"; {self.hint}"
        return text

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping with the contract keys."""
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data


@dataclass(slots=True)
class ValidationReport:
    """All issues found in one pass, in the order found."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        """Append one issue."""
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        """Append several issues."""
        self.issues.extend(issues)

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    @property
    def errors(self) -> list[Issue]:
        """Issues of severity error."""
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        """Issues of severity warning."""
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def has_errors(self) -> bool:
        """True when at least one issue is an error."""
        return any(i.severity is Severity.ERROR for i in self.issues)

    def to_text(self) -> str:
        """One line per issue, prefixed by its severity; repeated issues grouped.

        Issues that differ only in their row and value (same severity, code, file,
        column, rule and hint) share one line at the place of the first
        (:func:`group_issues`); :meth:`to_json` keeps every issue.
        """
        return "\n".join(
            f"{group[0].severity}: {_group_text(group)}" for group in group_issues(self.issues)
        )

    def to_json(self) -> str:
        """A JSON list of objects (severity, code, file, row, column, value, rule, hint)."""
        return json.dumps([i.to_dict() for i in self.issues], indent=2, ensure_ascii=False)


def new_issue(
    severity: Severity,
    code: str,
    file: str,
    *,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
    rule: str,
    hint: str,
) -> Issue:
    """An :class:`Issue`; where it is (row, column, value) defaults to "the whole file"."""
    return Issue(
        severity=severity,
        code=code,
        file=file,
        row=row,
        column=column,
        value=value,
        rule=rule,
        hint=hint,
    )


SHOWN_ROWS = 3
"""Rows (with their values) a grouped line names before "and N more rows"."""


def group_issues(issues: Iterable[Issue]) -> list[list[Issue]]:
    """Issues in order, those differing only in row and value gathered at the first.

    A person fixes a repeated problem once, for the whole column, so the text report
    names it once (docs/decisions.md, D69). Issues of a whole file (``row`` None) are
    never grouped.

    >>> a = new_issue(Severity.ERROR, "x", "f.csv", row=2, column="c", value="1", rule="r", hint="")
    >>> b = new_issue(Severity.ERROR, "x", "f.csv", row=5, column="c", value="2", rule="r", hint="")
    >>> [len(group) for group in group_issues([a, b])]
    [2]
    """
    groups: list[list[Issue]] = []
    by_key: dict[tuple[object, ...], list[Issue]] = {}
    for issue in issues:
        if issue.row is None:
            groups.append([issue])
            continue
        key = (issue.severity, issue.code, issue.file, issue.column, issue.rule, issue.hint)
        group = by_key.get(key)
        if group is None:
            group = by_key[key] = []
            groups.append(group)
        group.append(issue)
    return groups


def _group_text(group: list[Issue]) -> str:
    """``file rows 14, 15, 16 and 38 more rows, column = v1, v2, v3: rule; hint``."""
    first = group[0]
    if len(group) == 1:
        return first.to_text()
    shown = group[:SHOWN_ROWS]
    where = f"{first.file} rows " + ", ".join(str(i.row) for i in shown)
    more = len(group) - len(shown)
    if more:
        where += f" and {more} more row{'s' if more > 1 else ''}"
    if first.column is not None:
        values = ["" if i.value is None else i.value for i in group]
        same = len(set(values)) == 1
        where += f", {first.column} = " + (values[0] if same else ", ".join(values[: len(shown)]))
    text = f"{where}: {first.rule}"
    if first.hint:
        text += f"; {first.hint}"
    return text
