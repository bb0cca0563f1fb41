"""Sentences that every table and figure of a section repeats, printed once for the section.

Section builders write each footnote so that it stands alone (tables.xlsx prints it under
its sheet); in the HTML and PDF the sentences shared by all footnotes and captions of a
section (the cohort filter, the criteria, the exclusions) are printed once, above the
section's tables, and each table or figure keeps what is its own (docs/decisions.md, D41).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SharedNotes", "shared_notes", "split_sentences"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
"""A sentence ends at ``.``, ``!`` or ``?`` followed by a space and a capital, a digit or
an opening bracket. Abbreviations followed by a capital split too: harmless, as only
pieces repeated word for word in every footnote are taken out."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SharedNotes:
    """The shared text of a section and what is left of each item's footnote."""

    shared: str
    own: tuple[str, ...]


def split_sentences(text: str) -> list[str]:
    """The sentences of a footnote.

    >>> split_sentences("Scope all. Fisher's exact test (n = 3). 120 patients analysed.")
    ['Scope all.', "Fisher's exact test (n = 3).", '120 patients analysed.']
    """
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


def shared_notes(texts: Sequence[str]) -> SharedNotes:
    """Take the sentences found in every one of ``texts`` (two or more) out of each.

    Empty texts (an item without footnote) take no part. Shared sentences keep the order
    of the first text; a text left empty means its footnote was all shared.

    >>> notes = shared_notes(["Counts. Scope all. All 9 analysed.", "Rates. All 9 analysed."])
    >>> notes.shared, notes.own
    ('All 9 analysed.', ('Counts. Scope all.', 'Rates.'))
    >>> shared_notes(["Only one footnote."]).shared
    ''
    """
    split = [split_sentences(text) for text in texts]
    present = [sentences for sentences in split if sentences]
    if len(present) < 2:
        return SharedNotes(shared="", own=tuple(texts))
    common = set(present[0]).intersection(*present[1:])
    if not common:
        return SharedNotes(shared="", own=tuple(texts))
    shared = " ".join(dict.fromkeys(s for s in present[0] if s in common))
    own = tuple(" ".join(s for s in sentences if s not in common) for sentences in split)
    return SharedNotes(shared=shared, own=own)
