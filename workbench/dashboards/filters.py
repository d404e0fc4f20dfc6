"""The filters of a trade slice: period, HS prefix, origin, dispatch country, office, lane.

Checked when made, so a dashboard can show what is wrong before anything reaches the store;
:meth:`TradeFilters.with_` returns a changed copy. Values travel to DuckDB as bound parameters.

>>> f = TradeFilters(hs_prefix="8528", origin="cn")
>>> f.origin, f.with_(lane="red").lane, f.lane
('CN', 'red', None)
>>> f.describe()
'HS 8528 · origin CN'
>>> TradeFilters(hs_prefix="85x")
Traceback (most recent call last):
...
workbench.dashboards.filters.FilterError: HS prefix '85x': digits only, 2 to 10 of them (e.g. 8528)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, replace
from typing import Any

LANES = ("green", "yellow", "orange", "red", "blue")
_HS_PREFIX = re.compile(r"^\d{2,10}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_OFFICE = re.compile(r"^[A-Za-z0-9._-]{1,20}$")


class FilterError(ValueError):
    """A filter value that cannot be used, saying which and why."""


def _date(name: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FilterError(f"{name} {value!r}: a date as YYYY-MM-DD") from None


def _blank(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


@dataclass(frozen=True)
class TradeFilters:
    """Which declarations a slice holds; every filter empty means all of them."""

    since: dt.date | None = None
    until: dt.date | None = None
    hs_prefix: str | None = None
    origin: str | None = None
    dispatch: str | None = None
    office: str | None = None
    lane: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "since", _date("since", self.since))
        set_(self, "until", _date("until", self.until))
        if self.since and self.until and self.until < self.since:
            raise FilterError(f"until {self.until} is before since {self.since}")
        hs = _blank(self.hs_prefix)
        if hs is not None:
            hs = str(hs).strip().replace(".", "")
            if not _HS_PREFIX.match(hs):
                raise FilterError(f"HS prefix {self.hs_prefix!r}: digits only, 2 to 10 of them (e.g. 8528)")
        set_(self, "hs_prefix", hs)
        for name in ("origin", "dispatch"):
            value = _blank(getattr(self, name))
            if value is not None:
                value = str(value).strip().upper()
                if not _COUNTRY.match(value):
                    raise FilterError(f"{name} {getattr(self, name)!r}: a two-letter country code (e.g. CN)")
            set_(self, name, value)
        office = _blank(self.office)
        if office is not None and not _OFFICE.match(str(office).strip()):
            raise FilterError(f"office {self.office!r}: an office code (letters, digits, '.', '_', '-')")
        set_(self, "office", None if office is None else str(office).strip())
        lane = _blank(self.lane)
        if lane is not None and str(lane).strip().lower() not in LANES:
            raise FilterError(f"lane {self.lane!r}: one of {', '.join(LANES)}")
        set_(self, "lane", None if lane is None else str(lane).strip().lower())

    def with_(self, **changes: Any) -> TradeFilters:
        """A copy with some filters changed (and checked)."""
        return replace(self, **changes)

    def params(self) -> dict[str, Any]:
        """The filters as named parameters for the slice's SQL, with ``chapter``: the HS prefix
        when it is a whole chapter (two digits), which the slice reads from goods grouped by
        chapter."""
        values = asdict(self)
        values["chapter"] = self.hs_prefix if self.hs_prefix is not None and len(self.hs_prefix) == 2 else None
        return values

    def describe(self) -> str:
        """The filters in a line, for titles ('all declarations' when none is set)."""
        parts = []
        if self.hs_prefix:
            parts.append(f"HS {self.hs_prefix}")
        for label, value in (("origin", self.origin), ("dispatched from", self.dispatch),
                             ("office", self.office), ("lane", self.lane)):
            if value:
                parts.append(f"{label} {value}")
        if self.since or self.until:
            parts.append(f"{self.since or '…'} to {self.until or '…'}")
        return " · ".join(parts) or "all declarations"
