"""The strategic risk register: risk areas rated likelihood × consequence on a 5 × 5 matrix.

Every change is a new version of the risk (who, when, why) and an entry in the audit log, in
one transaction; the register as it stood at any moment can be read back (``as_of``).

Bands (rating = likelihood × consequence, 1–25): low 1–4, medium 5–9, high 10–15, extreme 16–25.

>>> band(4), band(5), band(12), band(20)
('low', 'medium', 'high', 'extreme')
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import duckdb

from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import one, rows

CATEGORIES = ("revenue", "narcotics", "weapons", "counterfeit", "biosecurity", "sanctions", "other")
STATUSES = ("open", "closed")
BANDS = (("low", 1, 4), ("medium", 5, 9), ("high", 10, 15), ("extreme", 16, 25))
LIKELIHOOD = {1: "rare", 2: "unlikely", 3: "possible", 4: "likely", 5: "almost certain"}
CONSEQUENCE = {1: "insignificant", 2: "minor", 3: "moderate", 4: "major", 5: "severe"}
COLUMNS = ("risk_id", "version", "known_at", "title", "category", "description", "likelihood", "consequence",
           "rating", "band", "owner", "treatment", "review_on", "status", "scope", "changed_by", "change_reason")
_RISK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class RegisterError(ValueError):
    """A change the register refuses."""


def band(rating: int) -> str:
    """The band of a likelihood × consequence rating."""
    for name, low, high in BANDS:
        if low <= rating <= high:
            return name
    raise RegisterError(f"rating {rating} is outside 1-25")


def _score(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise RegisterError(f"{name} must be a whole number from 1 to 5, not {value!r}")
    return value


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _record(row: tuple) -> dict[str, Any]:
    d = dict(zip(COLUMNS, row))
    d["scope"] = json.loads(d["scope"]) if d["scope"] else {}
    return d


def get_risk(con: duckdb.DuckDBPyConnection, risk_id: str) -> dict[str, Any]:
    found = one(con, f"select {', '.join(COLUMNS)} from risk_area_current where risk_id = ?", [risk_id])
    if found is None:
        raise RegisterError(f"no risk {risk_id!r} in the register")
    return _record(found)


def _insert(con: duckdb.DuckDBPyConnection, risk: dict[str, Any], *, user: str, action: str, reason: str | None) -> None:
    con.execute(f"insert into risk_area ({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))})",
                [json.dumps(risk[c]) if c == "scope" else risk[c] for c in COLUMNS])
    audit.record(con, actor=user, action=action, object_type="risk", object_id=risk["risk_id"], reason=reason,
                 details={k: risk[k] for k in ("version", "likelihood", "consequence", "rating", "band", "status")})


def add_risk(
    con: duckdb.DuckDBPyConnection,
    *,
    title: str,
    likelihood: int,
    consequence: int,
    category: str = "other",
    description: str | None = None,
    owner: str | None = None,
    treatment: str | None = None,
    review_on: dt.date | None = None,
    scope: dict[str, Any] | None = None,
    risk_id: str | None = None,
    user: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Add a risk area to the register (version 1); returns it. ``scope`` says what in the data
    it concerns, e.g. ``{"hs_prefixes": ["6403"], "origins": ["VN"], "offence_types": ["undervaluation"]}``."""
    from workbench.identity import current_user

    if not title or not title.strip():
        raise RegisterError("a risk needs a title")
    if category not in CATEGORIES:
        raise RegisterError(f"category must be one of {', '.join(CATEGORIES)}")
    likelihood, consequence = _score("likelihood", likelihood), _score("consequence", consequence)
    user = user or current_user()
    with transaction(con):
        if risk_id is None:
            n = one(con, "select count(distinct risk_id) from risk_area")[0]
            risk_id = f"R-{n + 1:03d}"
            while one(con, "select 1 from risk_area where risk_id = ?", [risk_id]):
                n += 1
                risk_id = f"R-{n + 1:03d}"
        elif not _RISK_ID.match(risk_id):
            raise RegisterError(f"risk id {risk_id!r}: letters, digits, '.', '_' or '-'")
        elif one(con, "select 1 from risk_area where risk_id = ?", [risk_id]):
            raise RegisterError(f"risk {risk_id} already exists: rate or change it instead")
        risk = {"risk_id": risk_id, "version": 1, "known_at": _now(), "title": title.strip(), "category": category,
                "description": description, "likelihood": likelihood, "consequence": consequence,
                "rating": likelihood * consequence, "band": band(likelihood * consequence), "owner": owner,
                "treatment": treatment, "review_on": review_on, "status": "open", "scope": scope or {},
                "changed_by": user, "change_reason": reason or "risk added"}
        _insert(con, risk, user=user, action="risk.add", reason=risk["change_reason"])
    return risk


def change_risk(con: duckdb.DuckDBPyConnection, risk_id: str, *, reason: str, user: str | None = None,
                **changes: Any) -> dict[str, Any]:
    """A new version of a risk with ``changes`` (likelihood, consequence, owner, treatment,
    review_on, status, scope, description, title, category); ``reason`` is required."""
    from workbench.identity import current_user

    if not reason or not reason.strip():
        raise RegisterError("say why the risk changes (reason)")
    allowed = {"likelihood", "consequence", "owner", "treatment", "review_on", "status", "scope", "description",
               "title", "category"}
    unknown = set(changes) - allowed
    if unknown:
        raise RegisterError(f"cannot change {', '.join(sorted(unknown))}")
    user = user or current_user()
    with transaction(con):
        risk = get_risk(con, risk_id)
        changes = {k: v for k, v in changes.items() if v is not None}
        if "status" in changes and changes["status"] not in STATUSES:
            raise RegisterError(f"status must be one of {', '.join(STATUSES)}")
        if "category" in changes and changes["category"] not in CATEGORIES:
            raise RegisterError(f"category must be one of {', '.join(CATEGORIES)}")
        risk.update(changes)
        risk["likelihood"] = _score("likelihood", risk["likelihood"])
        risk["consequence"] = _score("consequence", risk["consequence"])
        risk.update(version=risk["version"] + 1, known_at=_now(), rating=risk["likelihood"] * risk["consequence"],
                    changed_by=user, change_reason=reason.strip())
        risk["band"] = band(risk["rating"])
        action = "risk.rate" if {"likelihood", "consequence"} & set(changes) else "risk.change"
        _insert(con, risk, user=user, action=action, reason=risk["change_reason"])
    return risk


def rate_risk(con: duckdb.DuckDBPyConnection, risk_id: str, *, likelihood: int, consequence: int, reason: str,
              user: str | None = None) -> dict[str, Any]:
    """Re-rate a risk: a new version with the new likelihood and consequence."""
    return change_risk(con, risk_id, likelihood=likelihood, consequence=consequence, reason=reason, user=user)


def list_risks(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime | None = None,
               include_closed: bool = False) -> list[dict[str, Any]]:
    """The register (as it stood at ``as_of`` when given), highest rating first."""
    found = rows(con, f"""
        select {', '.join(COLUMNS)} from risk_area
        where $as_of is null or known_at <= $as_of
        qualify row_number() over (partition by risk_id order by version desc) = 1
        order by rating desc, risk_id""", {"as_of": as_of})
    return [r for r in map(_record, found) if include_closed or r["status"] == "open"]


def risk_history(con: duckdb.DuckDBPyConnection, risk_id: str) -> list[dict[str, Any]]:
    """Every version of a risk, oldest first."""
    return [_record(r) for r in rows(con, f"select {', '.join(COLUMNS)} from risk_area where risk_id = ? "
                                          "order by version", [risk_id])]


def matrix_data(risks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 5 × 5 matrix as 25 records (likelihood, consequence, rating, band, count, risks)."""
    out = []
    for lk in range(1, 6):
        for cq in range(1, 6):
            here = [r["risk_id"] for r in risks if r["likelihood"] == lk and r["consequence"] == cq]
            out.append({"likelihood": lk, "likelihood_label": f"{lk} {LIKELIHOOD[lk]}", "consequence": cq,
                        "consequence_label": f"{cq} {CONSEQUENCE[cq]}", "rating": lk * cq, "band": band(lk * cq),
                        "count": len(here), "risks": ", ".join(here)})
    return out
