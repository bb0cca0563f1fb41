"""Errors of the columnar engine (docs/columnar.md)."""

from __future__ import annotations

from prrt.config import TimepointConfig
from prrt.errors import PrrtError

__all__ = ["ColumnarUnsupportedError", "end_anchor_error"]


class ColumnarUnsupportedError(PrrtError, ValueError):
    """The bundle uses a feature the columnar engine does not compute yet; the message
    names the feature. The reference engine (:func:`prrt.assess.assess_bundle`) computes it."""


def end_anchor_error(config: TimepointConfig) -> ColumnarUnsupportedError:
    """The refusal of :func:`prrt.columnar.protocol_timepoints.end_anchor_failures` (D196)."""
    return ColumnarUnsupportedError(
        f"[timepoints] end_after_cycle = {config.end_after_cycle} counts back before "
        "cycle 1 of some first course (docs/decisions.md, D196): give a cycle number "
        ">= 1"
    )
