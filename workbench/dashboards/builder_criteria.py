"""What the profile builder's widgets choose, as a profile: HS prefixes, origins, dispatch
countries, thresholds on value per kg and duty rate, indicators that fired, trusted traders
left out, and the treatment. Checked when made; :meth:`BuilderCriteria.with_` returns a changed
copy; :meth:`BuilderCriteria.profile` gives the :class:`workbench.profiles.Profile` the
compiler runs, the backtest measures and the lifecycle saves — one meaning for what is on screen.

>>> c = BuilderCriteria(hs_prefixes="6403, 6404", origins="vn", max_value_per_kg=4.5)
>>> c.hs_prefixes, c.origins
(('6403', '6404'), ('VN',))
>>> c.describe()
'HS 6403, 6404 · origin VN · value per kg < 4.5'
>>> sorted(c.profile().fields_used())
['declaration.importer_trusted', 'item.country_origin', 'item.hs_code', 'item.value_per_kg']
>>> BuilderCriteria(origins="Viet Nam")
Traceback (most recent call last):
...
workbench.dashboards.builder_criteria.CriteriaError: origin 'VIET NAM': a two-letter country code (e.g. VN)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from workbench.profiles.spec import LANES, Profile, parse_profile

FIELDS = ("item.hs_code", "item.country_origin", "declaration.country_dispatch", "item.value_per_kg",
          "item.duty_rate", "declaration.importer_trusted")
"""The fields the builder's widgets can set (indicator flags come on top, from the latest build)."""
DRAFT_ID = "RP-DRAFT-BUILDER"
_HS = re.compile(r"^\d{2,10}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_FLAG = re.compile(r"^indicator\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.flag$")


class CriteriaError(ValueError):
    """A choice the builder cannot turn into a profile, saying which and why."""


def _codes(name: str, value: Any, pattern: re.Pattern, hint: str, *, upper: bool = False) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    out = []
    for part in parts:
        text = str(part).strip().replace(".", "") if not upper else str(part).strip().upper()
        if not text:
            continue
        if not pattern.match(text):
            raise CriteriaError(f"{name} {text!r}: {hint}")
        if text not in out:
            out.append(text)
    return tuple(out)


def _positive(name: str, value: Any, *, most: float | None = None) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CriteriaError(f"{name} {value!r}: a number") from None
    if number < 0 or (most is not None and number > most):
        raise CriteriaError(f"{name} {number:g}: between 0 and {most:g}" if most is not None
                            else f"{name} {number:g}: not below 0")
    return number


@dataclass(frozen=True)
class BuilderCriteria:
    """The builder's choices. Empty means "any" (a threshold of None is off)."""

    hs_prefixes: tuple[str, ...] | str = ()
    origins: tuple[str, ...] | str = ()
    dispatch: tuple[str, ...] | str = ()
    max_value_per_kg: float | None = None
    min_duty_rate: float | None = None
    indicator_flags: tuple[str, ...] = ()
    exclude_trusted: bool = True
    lane: str = "red"
    selection_pct: float = 100.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "hs_prefixes", _codes("HS prefix", self.hs_prefixes, _HS,
                                         "digits only, 2 to 10 of them (e.g. 6403)"))
        set_(self, "origins", _codes("origin", self.origins, _COUNTRY, "a two-letter country code (e.g. VN)",
                                     upper=True))
        set_(self, "dispatch", _codes("dispatch", self.dispatch, _COUNTRY, "a two-letter country code (e.g. HK)",
                                      upper=True))
        set_(self, "max_value_per_kg", _positive("value per kg", self.max_value_per_kg))
        set_(self, "min_duty_rate", _positive("duty rate", self.min_duty_rate, most=1.0))
        flags = tuple(dict.fromkeys(self.indicator_flags or ()))
        bad = [f for f in flags if not _FLAG.match(f)]
        if bad:
            raise CriteriaError(f"indicator {bad[0]!r}: write indicator.FAMILY.NAME.flag")
        set_(self, "indicator_flags", flags)
        if self.lane not in LANES:
            raise CriteriaError(f"lane {self.lane!r}: one of {', '.join(LANES)}")
        pct = _positive("selection %", self.selection_pct, most=100.0)
        if not pct:
            raise CriteriaError("selection %: above 0 (100 selects every hit)")
        set_(self, "selection_pct", pct)

    def with_(self, **changes: Any) -> BuilderCriteria:
        """A copy with ``changes`` (checked again)."""
        return replace(self, **changes)

    @property
    def empty(self) -> bool:
        """No criterion chosen: such a profile would select everything."""
        return not (self.hs_prefixes or self.origins or self.dispatch or self.indicator_flags
                    or self.max_value_per_kg is not None or self.min_duty_rate is not None)

    def broader(self) -> BuilderCriteria | None:
        """The same criteria without thresholds, exceptions or sampling: a profile of it hits every
        declaration this one hits (criteria are all on one item), so the builder sets its
        declarations apart once and moves thresholds within them. None without such criteria."""
        wider = self.with_(max_value_per_kg=None, min_duty_rate=None, exclude_trusted=False, selection_pct=100.0)
        return None if wider.empty else wider

    def describe(self) -> str:
        parts = []
        if self.hs_prefixes:
            parts.append("HS " + ", ".join(self.hs_prefixes))
        if self.origins:
            parts.append("origin " + ", ".join(self.origins))
        if self.dispatch:
            parts.append("dispatched from " + ", ".join(self.dispatch))
        if self.max_value_per_kg is not None:
            parts.append(f"value per kg < {self.max_value_per_kg:g}")
        if self.min_duty_rate is not None:
            parts.append(f"duty rate ≥ {self.min_duty_rate:.0%}")
        parts += [f"{f.removeprefix('indicator.').removesuffix('.flag')} fired" for f in self.indicator_flags]
        return " · ".join(parts) or "no criteria"

    def criteria(self) -> dict[str, Any]:
        """The criteria tree, as a profile file writes it."""
        if self.empty:
            raise CriteriaError("choose at least one criterion: a profile without criteria selects everything")
        leaves: list[dict[str, Any]] = []
        if self.hs_prefixes:
            leaves.append({"field": "item.hs_code", "prefix": list(self.hs_prefixes)})
        if self.origins:
            leaves.append({"field": "item.country_origin", "in": list(self.origins)})
        if self.dispatch:
            leaves.append({"field": "declaration.country_dispatch", "in": list(self.dispatch)})
        if self.max_value_per_kg is not None:
            leaves.append({"field": "item.value_per_kg", "lt": self.max_value_per_kg})
        if self.min_duty_rate is not None:
            leaves.append({"field": "item.duty_rate", "gte": self.min_duty_rate})
        leaves += [{"field": f, "eq": True} for f in self.indicator_flags]
        return leaves[0] if len(leaves) == 1 else {"all": leaves}

    def profile(self, *, profile_id: str = DRAFT_ID, title: str | None = None, risk: str = "R-DRAFT",
                **spec: Any) -> Profile:
        """The profile these choices make (``spec`` adds fields: rationale, instructions, target...)."""
        data: dict[str, Any] = {
            "id": profile_id, "title": title or f"Draft: {self.describe()}"[:200], "risk": risk,
            "criteria": self.criteria(),
            "treatment": {"lane": self.lane, "control": "physical" if self.lane == "red" else "documentary",
                          "selection_pct": self.selection_pct},
            **spec,
        }
        if self.exclude_trusted:
            data["exceptions"] = {"field": "declaration.importer_trusted", "eq": True}
        return parse_profile(data)
