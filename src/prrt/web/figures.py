"""Figures on the pages: matplotlib SVG documents made fit to inline under the CSP.

The pages send ``style-src 'self'`` (docs/decisions.md, D154), so a browser ignores a
``<style>`` element and every ``style="..."`` attribute of an inline SVG: matplotlib
writes its fills, strokes and fonts that way, and the figure would be drawn black.
:func:`inline_svg` moves each declaration into the SVG presentation attribute of the same
name (SVG 1.1 §6.4; a CSS property of SVG is also a presentation attribute), which no
policy blocks, and drops the XML prolog, the document type and the metadata
(docs/decisions.md, D165). The picture is unchanged.

matplotlib's ``rc_context`` changes process-wide settings while a figure is drawn, so two
threads drawing at once could mix their styles: page requests draw while holding
:data:`DRAWING_LOCK` (the report job draws in a process of its own, :mod:`prrt.web.report_job`).
"""

from __future__ import annotations

import re
import threading

from markupsafe import Markup, escape

__all__ = ["DRAWING_LOCK", "inline_svg"]

DRAWING_LOCK = threading.Lock()
"""Held by a request while matplotlib draws (its rc settings are process-wide)."""

_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.IGNORECASE)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.DOTALL)
_UNIVERSAL_RULE = re.compile(r"^\s*\*\s*\{([^}]*)\}\s*$")
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_ROOT = re.compile(r"<svg\b")
_REFERENCE = re.compile(r'(url\(#|href="#)([^")]+)')
_ID = re.compile(r'\bid="([^"]+)"')
_PROPERTY = re.compile(r"[a-z-]+")


def _attributes(declarations: str) -> str:
    """``fill: #fff; stroke-width: 0.8`` as `` fill="#fff" stroke-width="0.8"``.

    Raises
    ------
    ValueError
        A declaration that is not ``property: value`` (matplotlib writes none).
    """
    parts = []
    for declaration in declarations.split(";"):
        if not declaration.strip():
            continue
        name, colon, value = declaration.partition(":")
        name = name.strip()
        if not colon or not _PROPERTY.fullmatch(name):
            raise ValueError(f"SVG style declaration {declaration.strip()!r}: not property: value")
        parts.append(f' {name}="{value.strip()}"')  # already escaped: it was an attribute
    return "".join(parts)


def inline_svg(document: str, *, id_prefix: str, label: str) -> Markup:
    """A standalone SVG document as markup to place in a page under the CSP.

    Rule
    ----
    1. The XML prolog, document type and ``<metadata>`` are dropped (HTML needs none).
    2. A ``<style>`` element holding one universal rule (matplotlib's
       ``*{stroke-linejoin: round; stroke-linecap: butt}``) becomes attributes of the root
       element, where they are inherited; any other stylesheet is refused (ValueError).
    3. Each ``style="p: v; ..."`` becomes ``p="v" ...`` (SVG presentation attributes).
    4. Every id, and every reference to one, gets ``id_prefix`` and a hyphen, so two
       figures on one page never share an id (``spider-all`` becomes ``f1-spider-all``).
    5. The root element gets ``role="img"`` and ``aria-label`` = ``label``.

    >>> doc = ('<?xml version="1.0"?><svg width="9pt"><style type="text/css">'
    ...        '*{stroke-linecap: butt}</style><clipPath id="c"/>'
    ...        '<path clip-path="url(#c)" style="fill: #fff; stroke: none"/></svg>')
    >>> print(inline_svg(doc, id_prefix="f", label="A & B"))  # doctest: +NORMALIZE_WHITESPACE
    <svg role="img" aria-label="A &amp; B" stroke-linecap="butt" width="9pt"><clipPath
    id="f-c"/><path clip-path="url(#f-c)" fill="#fff" stroke="none"/></svg>
    """
    svg = _METADATA.sub("", _PROLOG.sub("", document))
    inherited = ""
    for sheet in _STYLE_ELEMENT.findall(svg):
        rule = _UNIVERSAL_RULE.match(sheet)
        if rule is None:
            raise ValueError(f"SVG stylesheet {sheet.strip()[:60]!r}: only one '*' rule is inlined")
        inherited += _attributes(rule.group(1))
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _STYLE_ATTRIBUTE.sub(lambda m: _attributes(m.group(1)), svg)
    svg = _REFERENCE.sub(lambda m: f"{m.group(1)}{id_prefix}-{m.group(2)}", svg)
    svg = _ID.sub(lambda m: f'id="{id_prefix}-{m.group(1)}"', svg)
    root = f'<svg role="img" aria-label="{escape(label)}"{inherited}'
    svg = _ROOT.sub(root, svg.strip(), count=1)
    return Markup(svg)  # our own figure: matplotlib escapes its text
