"""How numbers read in reasons: a few digits people can compare, percentages, counts."""

from __future__ import annotations

import math


def num(x: float | None) -> str:
    """A number with about three significant digits: 2.10, 5.80, 1,234, 0.0123."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    x = float(x)
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    digits = max(2, 1 - int(math.floor(math.log10(abs(x)))))
    return f"{x:.{digits}f}"


def pct(x: float | None, digits: int = 1) -> str:
    """A share as a percentage: 0.0832 -> '8.3%'."""
    if x is None:
        return "n/a"
    return f"{100 * float(x):.{digits}f}%"


def count(n: float | None, noun: str, plural: str | None = None) -> str:
    """'1 item', '3 items'."""
    k = int(n or 0)
    return f"{k:,} {noun if k == 1 else (plural or noun + 's')}"


def days(n: float | None) -> str:
    return count(round(n or 0), "day")
