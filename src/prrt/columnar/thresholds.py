"""The exact RECIST 1.1 threshold tests as column expressions (recist11.md §4; D13).

The same integer cross-multiplications as
:class:`~prrt.criteria.recist11.thresholds.ExactThresholds`, on integer hundredths of a
mm. The products are taken as ``DECIMAL(38, 0)`` so that no configured decimal setting
can overflow a 64-bit integer; a setting whose fraction could overflow even that is
refused (docs/decisions.md, D188).
"""

from __future__ import annotations

from fractions import Fraction

import ibis
import ibis.expr.types as ir

from prrt.columnar.errors import ColumnarUnsupportedError
from prrt.criteria.recist11.thresholds import ExactThresholds

__all__ = ["ColumnThresholds"]

_EXACT = "decimal(38, 0)"
_MAX_FACTOR = 10**18
"""Largest numerator or denominator accepted: with sums below 10**17 hundredths of a mm
(a thousand kilometres), every product stays below 10**38."""


def _exact(value: ir.IntegerValue | int) -> ir.DecimalValue:
    return ibis.literal(value).cast(_EXACT) if isinstance(value, int) else value.cast(_EXACT)


class ColumnThresholds:
    """:class:`ExactThresholds` turned into column tests."""

    def __init__(self, thresholds: ExactThresholds) -> None:
        factors = (
            thresholds.pr_num, thresholds.pr_den, thresholds.pd_num, thresholds.pd_den,
            thresholds.pd_min_abs_num, thresholds.pd_min_abs_den,
            thresholds.node_normal_hmm.numerator, thresholds.node_normal_hmm.denominator,
        )  # fmt: skip
        if any(abs(f) > _MAX_FACTOR for f in factors):
            raise ColumnarUnsupportedError(
                "a RECIST threshold setting has too many significant digits for the "
                "columnar engine's exact arithmetic (more than 18): assess with the "
                "reference engine"
            )
        self._t = thresholds

    def meets_pd(self, sum_hmm: ir.IntegerValue, nadir_hmm: ir.IntegerValue) -> ir.BooleanValue:
        """``sum - nadir >= pd_min_abs`` and (nadir 0 or ``100 (sum - nadir) >= pct x
        nadir``), both inclusive (RECIST 1.1 §4.3.1; recist11.md §4 rule 3; D5)."""
        t = self._t
        increase = _exact(sum_hmm) - _exact(nadir_hmm)
        absolute = increase * _exact(t.pd_min_abs_den) >= _exact(t.pd_min_abs_num)
        relative = increase * _exact(100 * t.pd_den) >= _exact(t.pd_num) * _exact(nadir_hmm)
        return absolute & ((nadir_hmm == 0) | relative)

    def meets_pr(self, sum_hmm: ir.IntegerValue, baseline_hmm: ir.IntegerValue) -> ir.BooleanValue:
        """% change from baseline <= ``pr_threshold_pct`` (RECIST 1.1 §4.3.1)."""
        t = self._t
        change = (_exact(sum_hmm) - _exact(baseline_hmm)) * _exact(100 * t.pr_den)
        return change <= _exact(t.pr_num) * _exact(baseline_hmm)

    def is_normal_node(self, short_axis_hmm: ir.IntegerValue) -> ir.BooleanValue:
        """Short axis below ``node_normal_mm`` (RECIST 1.1 §4.3.1)."""
        normal: Fraction = self._t.node_normal_hmm
        return _exact(short_axis_hmm) * _exact(normal.denominator) < _exact(normal.numerator)
