"""What the Profiles panel shows: profiles and target lists with their status, validity, review date
and last hit rate against target; one profile's spec, history and backtest; what the acting user
may do with a version.

Everything here reads through the functions the CLI uses (registry, targets, monitor, backtest);
the panel adds no rule of its own. ``may`` only decides which buttons to show: the lifecycle
functions check again when a button is pressed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from workbench.access import roles_of
from workbench.profiles.lifecycle import PROFILES, TARGET_LISTS, Ledger, LifecycleError
from workbench.profiles.monitor import data_end, months_back, performance
from workbench.profiles.registry import effective_status, get_profile, list_profiles, spec_digest
from workbench.profiles.targets import get_list, list_lists

ACTIONS = ("submit", "reject", "approve", "activate", "retire")
KINDS: dict[str, Ledger] = {"profiles": PROFILES, "target-lists": TARGET_LISTS}


class NotFound(LookupError):
    """No such profile, list or version in the store."""


def user_view(con: duckdb.DuckDBPyConnection, user: str) -> dict[str, Any]:
    return {"name": user, "roles": sorted(roles_of(con, user))}


def overview(con: duckdb.DuckDBPyConnection, user: str, today: dt.date | None = None) -> dict[str, Any]:
    """The panel's lists: profiles (latest version, and the active one) and target lists."""
    today = today or dt.date.today()
    lists = []
    for row in list_lists(con):
        status, flags = effective_status(row, today)
        lists.append({**row, "effective_status": status, "flags": flags})
    return {"user": user_view(con, user), "profiles": list_profiles(con, today=today), "target_lists": lists}


def last_hit_rates(con: duckdb.DuckDBPyConnection, *, months: int = 3) -> dict[str, Any]:
    """Each active profile's hit rate in the last month of data, and over ``months``, against its
    target (from the monitor; empty when the store holds no declarations)."""
    try:
        result = performance(con, months=months)
    except ValueError as exc:   # no declarations yet
        return {"window": None, "profiles": {}, "note": str(exc)}
    last: dict[str, dict[str, Any]] = {}
    for row in result["monthly"]:
        if row["profile_id"] not in last or row["month"] > last[row["profile_id"]]["month"]:
            last[row["profile_id"]] = row
    flagged = {f["profile_id"]: f["why"] for f in result["flagged"]}
    out = {}
    for p in result["profiles"]:
        month = last.get(p["profile_id"])
        out[p["profile_id"]] = {
            "version": p["version"], "hit_rate": p["hit_rate"], "target_hit_rate": p["target_hit_rate"],
            "meets_target": p["meets_target"], "examined": p["examined"],
            "last_month": month["month"] if month else None, "last_month_hit_rate": month["hit_rate"] if month else None,
            "flagged": flagged.get(p["profile_id"]),
        }
    return {"window": result["window"], "profiles": out}


def may(con: duckdb.DuckDBPyConnection, ledger: Ledger, row: dict[str, Any], user: str) -> dict[str, bool]:
    """Which transitions the lifecycle would allow ``user`` on this version (for the buttons)."""
    allowed = {}
    for action in ACTIONS:
        try:
            ledger.check(con, row, action, user, dt.date.today())
        except (PermissionError, LifecycleError):
            allowed[action] = False
        else:
            allowed[action] = True
    return allowed


def _exists(con: duckdb.DuckDBPyConnection, ledger: Ledger, obj_id: str, version: int | None) -> None:
    if ledger.latest(con, obj_id) is None:
        raise NotFound(f"no {ledger.kind.replace('_', ' ')} {obj_id!r} in the store")
    if version is not None:
        try:
            ledger.get(con, obj_id, version)
        except LifecycleError as exc:
            raise NotFound(str(exc)) from None


def _detail(con: duckdb.DuckDBPyConnection, ledger: Ledger, obj_id: str, row: dict[str, Any], title: str,
            content: dict[str, Any], user: str) -> dict[str, Any]:
    """What a profile and a list version show alike: lifecycle, history, content, buttons."""
    status, flags = effective_status(row, dt.date.today())
    return {"id": obj_id, "kind": ledger.kind, "version": row["version"], "status": row["status"],
            "effective_status": status, "flags": flags, "title": title, "spec": content,
            "author": row["author"], "editors": list(row["editors"]), "approved_by": row["approved_by"],
            "valid_from": row["valid_from"], "valid_to": row["valid_to"], "review_on": row.get("review_on"),
            "history": ledger.history(con, obj_id), "may": may(con, ledger, row, user)}


def profile_detail(con: duckdb.DuckDBPyConnection, profile_id: str, version: int | None, user: str) -> dict[str, Any]:
    """A profile version: spec, lifecycle, history, integrity and what ``user`` may do."""
    _exists(con, PROFILES, profile_id, version)
    profile, row = get_profile(con, profile_id, version)
    out = _detail(con, PROFILES, profile_id, row, profile.title, profile.content(), user)
    out["intact"] = spec_digest(row) == row["spec_sha256"]
    return out


def list_detail(con: duckdb.DuckDBPyConnection, list_id: str, version: int | None, user: str) -> dict[str, Any]:
    """A target list version: entries, lifecycle, history and what ``user`` may do."""
    _exists(con, TARGET_LISTS, list_id, version)
    tl, row = get_list(con, list_id, version)
    return _detail(con, TARGET_LISTS, list_id, row, tl.title, tl.content(), user)


def profile_backtest(con: duckdb.DuckDBPyConnection, profile_id: str, version: int | None, *,
                     start: dt.datetime | None = None, end: dt.datetime | None = None,
                     months: int = 6) -> dict[str, Any]:
    """A profile version's backtest; by default over the last ``months`` of data."""
    from workbench.profiles.backtest import backtest
    from workbench.profiles.selection import store_salt

    _exists(con, PROFILES, profile_id, version)
    profile, _ = get_profile(con, profile_id, version)
    end = end or data_end(con)
    start = start or months_back(end, months)
    if start >= end:
        raise ValueError(f"from {start.date()} must come before to {end.date()}")
    result = backtest(con, [profile], start, end, salt=store_salt(con))
    return {"window": result.window, "as_of": result.as_of, "declarations": result.declarations,
            "profile": result.profiles[0] if result.profiles else None, "base": result.base,
            "weekly": result.weekly, "label_bias": result.label_bias, "warnings": result.warnings}
