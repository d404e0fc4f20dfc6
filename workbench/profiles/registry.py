"""Profiles in the store: save a spec as a version, read versions back, move them through the
lifecycle (:mod:`workbench.profiles.lifecycle`), and say which ones are live on a date."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from workbench.identity import current_user
from workbench.profiles.lifecycle import PROFILES, LifecycleError
from workbench.profiles.spec import Profile, SpecError, parse_profile
from workbench.store.sql import rows

COLUMNS = ("profile_id", "version", "status", "title", "risk_id", "lane", "selection_pct", "valid_from",
           "valid_to", "review_on", "author", "editors", "approved_by", "approved_at", "activated_at",
           "updated_at")


def known_risk(con: duckdb.DuckDBPyConnection, risk_id: str) -> bool:
    return bool(rows(con, "select 1 from risk_area where risk_id = ? limit 1", [risk_id]))


def save_profile(con: duckdb.DuckDBPyConnection, profile: Profile, *, actor: str | None = None,
                 reason: str | None = None, require_risk: bool = True) -> tuple[int, str]:
    """Store a spec: a new draft, an update of the current draft, or a new version after an
    approved one. Returns (version, what happened)."""
    actor = actor or current_user()
    if require_risk and not known_risk(con, profile.risk):
        raise SpecError(f"risk: {profile.risk!r} is not in the strategic risk register "
                        "(add it with `workbench risk add` first)")
    content = profile.content()
    digest = profile.sha256()

    def write(version: int, life: dict[str, Any] | None) -> None:
        values = {"title": profile.title, "risk_id": profile.risk, "lane": profile.treatment.lane,
                  "selection_pct": profile.treatment.selection_pct, "valid_from": profile.validity.from_,
                  "valid_to": profile.validity.to, "review_on": profile.review_on,
                  "spec": json.dumps(content, sort_keys=True), "spec_sha256": digest}
        if life is None:
            sets = ", ".join(f"{k} = ?" for k in values)
            con.execute(f"update profile_version set {sets} where profile_id = ? and version = ?",
                        [*values.values(), profile.id, version])
        else:
            values = {"profile_id": profile.id, "version": version, **values, **life}
            con.execute(f"insert into profile_version ({', '.join(values)}) values ({', '.join('?' for _ in values)})",
                        list(values.values()))

    return PROFILES.save(con, profile.id, digest, actor, write=write,
                         details={"title": profile.title, "risk": profile.risk}, reason=reason)


def get_profile(con: duckdb.DuckDBPyConnection, profile_id: str, version: int | None = None) -> tuple[Profile, dict[str, Any]]:
    """The spec of a stored version (latest by default) and its lifecycle row."""
    row = PROFILES.get(con, profile_id, version)
    return stored_spec(row), row


def stored_spec(row: dict[str, Any]) -> Profile:
    data = json.loads(row["spec"]) if isinstance(row["spec"], str) else row["spec"]
    return parse_profile(data).with_version(row["version"])


def spec_digest(row: dict[str, Any]) -> str:
    """The hash of a stored spec as it reads now (for tamper checks)."""
    try:
        return stored_spec(row).sha256()
    except SpecError:
        return "unreadable"


def transition(con: duckdb.DuckDBPyConnection, action: str, profile_id: str, *, version: int | None = None,
               reason: str, actor: str | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """submit | reject | approve | activate | retire a profile version (the latest by default)."""
    return PROFILES.move(con, profile_id, version, action, actor or current_user(), reason, today=today)


def effective_status(row: dict[str, Any], today: dt.date) -> tuple[str, list[str]]:
    """The status as it holds today and the flags a reviewer should see."""
    status, flags = row["status"], []
    if row.get("valid_to") is not None and row["valid_to"] < today and status in ("approved", "active"):
        status = "expired"
        flags.append(f"expired on {row['valid_to']}")
    elif row.get("valid_from") is not None and row["valid_from"] > today and status == "active":
        flags.append(f"not valid before {row['valid_from']}")
    if row.get("review_on") is not None and row["review_on"] < today and row["status"] in ("approved", "active"):
        flags.append(f"review overdue since {row['review_on']}")
    return status, flags


def list_profiles(con: duckdb.DuckDBPyConnection, *, status: str | None = None, latest_only: bool = True,
                  today: dt.date | None = None) -> list[dict[str, Any]]:
    """Profiles with their effective status and flags; by default the latest version of each
    plus the active version when a newer one is being worked on."""
    today = today or dt.date.today()
    where = ""
    if latest_only:
        where = """where version = (select max(version) from profile_version v2 where v2.profile_id = profile_version.profile_id)
                   or status = 'active'"""
    cur = con.execute(f"select {', '.join(COLUMNS)} from profile_version {where} order by profile_id, version")
    out = []
    for r in cur.fetchall():
        row = dict(zip(COLUMNS, r))
        row["effective_status"], row["flags"] = effective_status(row, today)
        if status is None or status in (row["status"], row["effective_status"]):
            out.append(row)
    return out


def live_profiles(con: duckdb.DuckDBPyConnection, on: dt.date | None = None, *,
                  statuses: tuple[str, ...] = ("active",)) -> list[Profile]:
    """Profiles in the given statuses whose validity covers ``on`` (today by default)."""
    on = on or dt.date.today()
    got = con.execute(
        f"select * from profile_version where status in ({', '.join('?' for _ in statuses)}) "
        "and (valid_from is null or valid_from <= ?) and (valid_to is null or valid_to >= ?) "
        "order by profile_id, version", [*statuses, on, on])
    names = [d[0] for d in got.description]
    return [stored_spec(dict(zip(names, r))) for r in got.fetchall()]


def tampered_profiles(con: duckdb.DuckDBPyConnection) -> list[str]:
    return PROFILES.tampered(con, spec_digest)


__all__ = ["save_profile", "get_profile", "transition", "list_profiles", "live_profiles", "effective_status",
           "tampered_profiles", "LifecycleError"]
