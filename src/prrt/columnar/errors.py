"""Errors of the columnar engine (docs/columnar.md)."""

from __future__ import annotations

from prrt.errors import PrrtError

__all__ = ["ColumnarUnsupportedError"]


class ColumnarUnsupportedError(PrrtError, ValueError):
    """The bundle uses a feature the columnar engine does not compute yet; the message
    names the feature. The reference engine (:func:`prrt.assess.assess_bundle`) computes it."""
