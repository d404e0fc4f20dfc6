"""The risk register as a dashboard shows it: the risks that pass its filters (category, band,
closed or not, as of a date) and the 5 × 5 matrix of them.

>>> keep_risks([{"category": "revenue", "band": "high"}, {"category": "narcotics", "band": "low"}],
...            category="revenue")
[{'category': 'revenue', 'band': 'high'}]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

REGISTER_COLUMNS = ("risk_id", "title", "category", "likelihood", "consequence", "rating", "band", "owner",
                    "review_on", "status")


def keep_risks(risks: Sequence[dict[str, Any]], *, category: str | None = None,
               band: str | None = None) -> list[dict[str, Any]]:
    """The risks of ``category`` and ``band`` (either empty means any)."""
    return [r for r in risks if (category is None or r["category"] == category)
            and (band is None or r["band"] == band)]


def register_view(con: Any, *, category: str | None = None, band: str | None = None,
                  as_of: dt.date | dt.datetime | None = None, include_closed: bool = False) -> dict[str, Any]:
    """``risks`` passing the filters and the ``matrix`` cells of them (as of the end of ``as_of``)."""
    from workbench.strategic import list_risks, matrix_data

    if isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
        as_of = dt.datetime.combine(as_of, dt.time.max)
    risks = keep_risks(list_risks(con, as_of=as_of, include_closed=include_closed), category=category, band=band)
    return {"risks": risks, "matrix": matrix_data(risks)}
