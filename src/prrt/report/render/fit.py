"""How a table fits the printed page: portrait, a landscape page, or landscape in small type.

WeasyPrint lays a table out at its natural width and lets it run off the page when its
columns do not fit. Every table therefore gets a :class:`TableFit` from an estimate of its
width, and ``print.css`` gives each a page (docs/decisions.md, D39):

1. ``portrait``: the table fits the portrait text width with its long text wrapped, and
   would not wrap much (its one-line width is at most :data:`PORTRAIT_STRETCH` times
   the text width).
2. ``wide``: it fits the text width of a landscape page (CSS named page ``wide``).
3. ``dense``: neither; a landscape page in smaller type.
4. ``wrapped``: not even that; a landscape page in smaller type, every cell free to wrap,
   a word broken anywhere when a column is narrower than it.

Widths are estimated from the character widths of Liberation Sans (metrically the same as
Arial, the report's print font) at the table's type size; a factor leaves room for a
fallback font.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

__all__ = [
    "DENSE_FONT_PT",
    "LANDSCAPE_TEXT_WIDTH_PT",
    "PAGE_MARGIN_MM",
    "PORTRAIT_TEXT_WIDTH_PT",
    "TABLE_FONT_PT",
    "TableFit",
    "fit_table",
    "text_width_pt",
]

MM_PT = 72 / 25.4
"""Points per millimetre."""
PAGE_MARGIN_MM = 17.0
"""Left and right page margin of print.css (``@page { margin: 20mm 17mm }``)."""
PORTRAIT_TEXT_WIDTH_PT = (210 - 2 * PAGE_MARGIN_MM) * MM_PT
"""A4 portrait: 176 mm."""
LANDSCAPE_TEXT_WIDTH_PT = (297 - 2 * PAGE_MARGIN_MM) * MM_PT
"""A4 landscape: 263 mm."""
TABLE_FONT_PT = 8.0
"""Type size of table cells (print.css ``table { font-size: 8pt }``)."""
DENSE_FONT_PT = 6.5
"""Type size of a ``dense`` table (print.css ``.fit-dense table``)."""
CELL_PADDING_PT = 8.0
"""Left plus right padding of a cell (print.css ``th, td { padding: 2pt 4pt }``)."""
SAFETY = 0.9
"""Share of the text width a table may take by the estimate."""
PORTRAIT_STRETCH = 1.25
"""A table whose one-line width is more than this times the portrait text width would
wrap most of its cells there: it goes on a landscape page."""
WRAPPED_TEXT_PT = 150.0
"""A column of long text (no ``nw`` class) wraps; its preferred width counts up to this."""
BOLD = 1.08
"""Header cells are bold: Arial Bold is about 8 % wider."""

# Advance widths of Arial / Liberation Sans, in 1/1000 em (the fonts' hmtx tables).
_NARROW = dict.fromkeys(" .,:;'!|/il[]jftI", 278) | dict.fromkeys('r()-`"{}', 333)
_WIDE = dict.fromkeys("mM%", 833) | {"w": 722, "W": 944, "—": 1000, "%": 889, "@": 1015}
_UPPER = dict.fromkeys("ABEKPSVXY", 667) | dict.fromkeys("CDHNRUw", 722) | dict.fromkeys("GOQ", 778)
_UPPER |= {"F": 611, "T": 611, "Z": 611, "J": 500, "L": 556}
_LOWER = dict.fromkeys("ckvxyzs", 500)
_WIDTHS = _LOWER | _UPPER | _NARROW | _WIDE
_DEFAULT = 556
"""Digits, most lower-case letters, the en dash, ±, ≥, <, =, >."""


class TableFit(StrEnum):
    """Which page a table is printed on (the CSS class ``fit-<value>``)."""

    PORTRAIT = "portrait"
    WIDE = "wide"
    DENSE = "dense"
    WRAPPED = "wrapped"


def text_width_pt(text: str, *, size_pt: float = TABLE_FONT_PT) -> float:
    """Width of ``text`` on one line, in points.

    >>> round(text_width_pt("12 (33.3%)"), 1)
    39.1
    """
    return sum(_WIDTHS.get(char, _DEFAULT) for char in text) * size_pt / 1000


def fit_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    nowrap: Sequence[bool],
) -> TableFit:
    """The page of a table from its display text (header, rows) and its unwrapped columns.

    Rule
    ----
    1. Per column, the preferred width: the widest cell (a wrapping column up to
       :data:`WRAPPED_TEXT_PT`) or the longest header word, whichever is wider, plus the
       padding; the minimum width: the longest header word and the widest cell of an
       unwrapped column, else its longest word.
    2. ``portrait`` when the minimum widths add up to at most :data:`SAFETY` of the
       portrait text width and the preferred widths to at most :data:`PORTRAIT_STRETCH`
       times it; ``wide`` when the minimum widths add up to at most :data:`SAFETY` of the
       landscape text width; ``dense`` when they do in :data:`DENSE_FONT_PT` type; else
       ``wrapped``.

    >>> fit_table(["scope", "n"], [["All lesions", "120"]], nowrap=[True, True])
    <TableFit.PORTRAIT: 'portrait'>
    >>> header = [f"a long header of column {i}" for i in range(20)]
    >>> fit_table(header, [["123 (45.6%)"] * 20], nowrap=[True] * 20)
    <TableFit.WRAPPED: 'wrapped'>
    """
    preferred = minimum = 0.0
    for index, header in enumerate(columns):
        cells = [row[index] for row in rows]
        widest = max((text_width_pt(cell) for cell in cells), default=0.0)
        header_word = BOLD * max((text_width_pt(w) for w in header.split()), default=0.0)
        if nowrap[index]:
            longest_word = widest
        else:
            longest_word = max(
                (text_width_pt(word) for cell in cells for word in cell.split()), default=0.0
            )
            widest = min(widest, max(WRAPPED_TEXT_PT, longest_word))
        preferred += max(widest, header_word) + CELL_PADDING_PT
        minimum += max(longest_word, header_word)
    padding = CELL_PADDING_PT * len(columns)
    if (
        minimum + padding <= SAFETY * PORTRAIT_TEXT_WIDTH_PT
        and preferred <= PORTRAIT_STRETCH * PORTRAIT_TEXT_WIDTH_PT
    ):
        return TableFit.PORTRAIT
    if minimum + padding <= SAFETY * LANDSCAPE_TEXT_WIDTH_PT:
        return TableFit.WIDE
    if minimum * DENSE_FONT_PT / TABLE_FONT_PT + padding <= SAFETY * LANDSCAPE_TEXT_WIDTH_PT:
        return TableFit.DENSE
    return TableFit.WRAPPED
