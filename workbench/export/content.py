"""What goes out in a bundle: the profiles and target lists live on the reference date, and the
reference state they need (:mod:`workbench.export.reference`).

Which versions:

- a profile goes out in its **active** version when that version's validity covers the
  reference date; a profile with no active version goes out in its latest **approved** version
  in validity (it was approved for use and awaits switching on). Drafts, submitted, retired and
  expired versions never go out;
- a target list goes out when a profile reads it (``in_list``) — in the version the backtest
  uses: active, else the latest approved — or when it is active and in validity on its own.
  A profile that reads a list with no approved version stops the export;
- the model goes out when a profile reads its score (``indicator.model.*``): the latest model,
  the one the ``model`` indicators read, whole (booster, features, calibration, percentiles).
  A profile that reads the score of a store with no model stops the export, and so does a
  latest model whose scores the latest indicator build did not read (the build records the
  model it saw) or that has scored nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import duckdb

from workbench.export import reference
from workbench.profiles.compiler import compile_profile
from workbench.profiles.registry import stored_spec
from workbench.profiles.spec import Profile
from workbench.profiles.targets import TargetList, stored_list
from workbench.store.connection import store_meta


class ExportError(ValueError):
    """An export that cannot be made as asked."""


@dataclass
class Content:
    reference_date: dt.date
    base_currency: str
    selection_salt: str
    profiles: list[tuple[Profile, dict[str, Any]]]
    lists: list[tuple[TargetList, dict[str, Any]]]
    indicators: list[str]
    trusted_traders: list[dict[str, Any]]
    value_control: list[dict[str, Any]]
    watch_lists: list[dict[str, Any]] | None
    contract: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    model: Any = None                    # a ModelRecord when a profile reads the model's score


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def live_versions(con: duckdb.DuckDBPyConnection, reference_date: dt.date) -> list[dict[str, Any]]:
    """The profile version rows that go out on ``reference_date`` (one per profile id)."""
    candidates = _records(con, """
        select * from profile_version
        where status in ('active', 'approved')
          and (valid_from is null or valid_from <= ?) and (valid_to is null or valid_to >= ?)
        order by profile_id, case status when 'active' then 0 else 1 end, version desc""",
                          [reference_date, reference_date])
    chosen: dict[str, dict[str, Any]] = {}
    active_ids = {r[0] for r in con.execute("select profile_id from profile_version where status = 'active'").fetchall()}
    for row in candidates:
        pid = row["profile_id"]
        if pid in chosen:
            continue
        if row["status"] == "approved" and pid in active_ids:
            continue   # an active version exists (maybe out of validity): an approved successor waits for it
        chosen[pid] = row
    return list(chosen.values())


def _list_version(con: duckdb.DuckDBPyConnection, list_id: str) -> dict[str, Any] | None:
    found = _records(con, """
        select * from target_list_version where list_id = ? and status in ('active', 'approved')
        order by case status when 'active' then 0 else 1 end, version desc limit 1""", [list_id])
    return found[0] if found else None


def _model(con: duckdb.DuckDBPyConnection, profiles: list[tuple[Profile, dict[str, Any]]]) -> Any:
    from workbench.models.registry import ModelError, get_model

    users = ", ".join(p.id for p, _ in profiles if any(i.startswith("model.") for i in p.indicators_used()))
    try:
        model = get_model(con)
    except ModelError:
        raise ExportError(f"profile {users} reads the model's score, but the store has no model: train one "
                          "(`workbench model train`) or retire the profile before exporting") from None
    build = con.execute("select build_id, started_at, data_state from indicator_build "
                        "order by build_id desc limit 1").fetchone()
    state = json.loads(build[2]) if build else {}
    # the model the build read (recorded since builds say so; before, whether it was trained before the build)
    read = state.get("model_id") if "model_id" in state else (
        model.model_id if build and build[1] >= model.trained_at else None)
    if read != model.model_id:
        seen = f"build {build[0]} read {f'model {read}' if read else 'no model'}" if build else "there is no build"
        raise ExportError(f"profile {users} reads the model's score, but the latest indicator build does not hold "
                          f"model {model.model_id}'s scores ({seen}): the profiles were backtested on other "
                          "scores; run `workbench indicator build` before exporting")
    if not con.execute("select count(*) from model_score where model_id = ?", [model.model_id]).fetchone()[0]:
        raise ExportError(f"profile {users} reads the model's score, but model {model.model_id} has scored no "
                          "declaration: run `workbench model score`, then `workbench indicator build`")
    return model


def gather(con: duckdb.DuckDBPyConnection, reference_date: dt.date) -> Content:
    """Everything a bundle for ``reference_date`` holds, read from the store."""
    salt = store_meta(con, "selection_salt")
    if salt is None:
        raise ExportError("the store has no selection salt: open it read-write once to migrate it")
    profiles = []
    for row in live_versions(con, reference_date):
        spec = stored_spec(row)
        compile_profile(spec, version=row["version"], salt=salt)   # fails here, not at the receiver
        profiles.append((spec, row))
    used_lists = sorted(set().union(*(p.lists_used() for p, _ in profiles))) if profiles else []
    list_rows: dict[str, dict[str, Any]] = {}
    for list_id in used_lists:
        row = _list_version(con, list_id)
        if row is None:
            users = ", ".join(p.id for p, _ in profiles if list_id in p.lists_used())
            raise ExportError(f"profile {users} reads target list {list_id}, which has no approved or active "
                              "version: approve the list, or retire the profile, before exporting")
        list_rows[list_id] = row
    for row in _records(con, """
            select * from target_list_version where status = 'active'
              and (valid_from is null or valid_from <= ?) and (valid_to is null or valid_to >= ?)""",
                        [reference_date, reference_date]):
        list_rows.setdefault(row["list_id"], row)
    lists = [(stored_list(con, row), row) for _, row in sorted(list_rows.items())]
    indicators = sorted(set().union(*(p.indicators_used() for p, _ in profiles))) if profiles else []
    watch = reference.watch_lists(con, reference_date) if any(i.startswith("lists.") for i in indicators) else None
    model = _model(con, profiles) if any(i.startswith("model.") for i in indicators) else None
    content = Content(
        reference_date=reference_date, base_currency=store_meta(con, "base_currency") or "USD",
        selection_salt=salt, profiles=profiles, lists=lists, indicators=indicators,
        trusted_traders=reference.trusted_traders(con, reference_date),
        value_control=reference.value_control(con, reference_date), watch_lists=watch,
        contract=reference.indicator_contract(con, indicators), model=model)
    if not profiles:
        content.notes.append(f"no approved or active profile is valid on {reference_date}: the bundle holds "
                             "no profiles (a receiver that activates it selects nothing by profile)")
    return content
