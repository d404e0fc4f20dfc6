"""Building indicators: every indicator of the catalogue materialised per item, point in time.

A build opens one transaction: it makes the inputs (temp tables of declarations as lodged,
outcome events, monthly references), runs each indicator's SQL into ``indicator_value``,
records the build (who, when, parameters, what the store held, timings) and an audit entry.
A failed build leaves nothing behind. Builds never change earlier builds.

Example::

    with open_store(db) as con:
        result = build(con, params={"price.unit_value_low": {"min_peers": 5}})
    result.build_id, result.items        # (3, 2121526)
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from workbench.indicators.catalogue import Catalogue, Indicator, catalogue
from workbench.queries.library import placeholders
from workbench.queries.params import ParamError, bind
from workbench.store import audit
from workbench.store.connection import store_meta, transaction
from workbench.store.sql import rows, scalar

DEFAULT_SETTINGS: dict[str, Any] = {"reference_months": 12}
RESERVED = ("wb_build_id", "wb_indicator_id")


class BuildError(RuntimeError):
    """A build that cannot run as asked."""


@dataclass
class BuildContext:
    """What an input's ``create`` callable gets: the connection and the build's settings."""

    con: duckdb.DuckDBPyConnection
    build_id: int
    user: str
    settings: dict[str, Any]
    base_currency: str
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class BuildResult:
    build_id: int
    built_by: str
    items: int
    value_rows: int
    seconds: float
    indicators: list[str]
    counts: dict[str, dict[str, int]]
    timings: dict[str, float]
    params: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"build_id": self.build_id, "built_by": self.built_by, "items": self.items,
                "value_rows": self.value_rows, "seconds": round(self.seconds, 3), "indicators": self.indicators,
                "counts": self.counts, "timings": {k: round(v, 3) for k, v in self.timings.items()},
                "params": self.params}


def split_params(given: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Parameters per indicator from ``{"id": {"name": v}}`` or flat ``{"id.name": v}``."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in (given or {}).items():
        if isinstance(value, Mapping):
            out.setdefault(key, {}).update(value)
            continue
        ind, dot, name = key.rpartition(".")
        if not dot or "." not in ind:
            raise ParamError(f"parameter {key!r}: write INDICATOR.PARAM, e.g. price.unit_value_low.min_peers")
        out.setdefault(ind, {})[name] = value
    return out


def _bound(sql: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the values the statement uses (DuckDB refuses unused named parameters)."""
    used = placeholders(sql)
    missing = used - set(values)
    if missing:
        raise BuildError(f"statement needs parameters {sorted(missing)} that nothing gives")
    return {k: values[k] for k in used}


def value_sql(ind: Indicator, *, scoped: bool = False) -> str:
    """The INSERT that stores one indicator's values for the items of the build (only those of
    ``_wb_scope`` when the build is ``scoped``)."""
    if ind.grain == "declaration":
        source = f"(select i.item_key, x.* exclude (decl_key) from ({ind.sql}) x join ix_item i using (decl_key))"
    else:
        source = f"({ind.sql})"
    return f"""
insert into indicator_value
select $wb_build_id, $wb_indicator_id, x.item_key, x.value::DOUBLE, x.flag::BOOLEAN, x.ref::DOUBLE,
       x.support::DOUBLE, x.detail::VARCHAR
from {source} x {"semi join _wb_scope s using (item_key)" if scoped else ""}
where x.value is not null or x.flag is not null
"""


def _data_state(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    counts = rows(con, """select (select max(load_id) from load_log), (select count(*) from declaration),
                                 (select count(*) from declaration_item), (select count(*) from inspection),
                                 (select count(*) from watchlist_entry), (select count(*) from party),
                                 (select max(model_id) from model)""")[0]
    return dict(zip(("last_load_id", "declaration_rows", "item_rows", "inspection_rows", "watchlist_rows",
                     "party_rows", "model_id"), counts))


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    indicators: Iterable[str] | None = None,
    params: Mapping[str, Any] | None = None,
    since: dt.datetime | dt.date | None = None,
    until: dt.datetime | dt.date | None = None,
    reason: str | None = None,
    user: str | None = None,
    reference_months: int = 12,
    cat: Catalogue | None = None,
    memory_limit: str | None = None,
) -> BuildResult:
    """Compute indicators (all, or the ids and families named) for every item and store them
    as a new build. ``since``/``until`` limit which declarations' values are stored (by
    lodgement; history before ``since`` is still read). Returns what was built and how long
    each step took."""
    from workbench.identity import current_user

    cat = cat or catalogue()
    chosen = cat.select(indicators)
    per_indicator = split_params(params)
    unknown = sorted(set(per_indicator) - {i.id for i in cat.indicators()})
    if unknown:
        raise ParamError(f"parameters given for indicators not in the catalogue: {', '.join(unknown)}")
    bound = {ind.id: bind(ind.params, per_indicator.get(ind.id), what=f"indicator {ind.id}") for ind in chosen}
    for ind in chosen:
        if {p.name for p in ind.params} & set(RESERVED):
            raise BuildError(f"indicator {ind.id} uses a reserved parameter name")
    if int(reference_months) < 1:
        raise BuildError("reference_months must be 1 or more")
    settings = dict(DEFAULT_SETTINGS, reference_months=int(reference_months))
    steps = cat.input_order(chosen)
    user = user or current_user()
    base = store_meta(con, "base_currency") or "USD"
    started_wall = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    if memory_limit:
        con.execute(f"set memory_limit = '{_checked_size(memory_limit)}'")
    con.execute("set preserve_insertion_order = false")
    try:
        with transaction(con):
            build_id = scalar(con, "select nextval('indicator_build_seq')")
            ctx = BuildContext(con, build_id, user, settings, base, timings)
            for step in steps:
                t0 = time.perf_counter()
                if step.sql is not None:
                    con.execute(f"create or replace temp table {step.name} as {step.sql}", _bound(step.sql, settings))
                else:
                    step.create(ctx)
                timings[f"input {step.name}"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            if "ix_item" not in {s.name for s in steps}:
                raise BuildError("every build needs the ix_item input")
            con.execute(
                "create or replace temp table _wb_scope as select item_key from ix_item "
                "where ($since is null or t >= $since) and ($until is null or t < $until)",
                {"since": _ts(since), "until": _ts(until, end=True)},
            )
            con.execute(
                "insert into indicator_item select $b, i.item_key, d.declaration_id, d.version, i.item_no, i.t "
                "from ix_item i join ix_decl d using (decl_key) semi join _wb_scope using (item_key)", {"b": build_id})
            items = scalar(con, "select count(*) from _wb_scope")
            scoped = since is not None or until is not None
            timings["items"] = time.perf_counter() - t0
            for ind in chosen:
                t0 = time.perf_counter()
                sql = value_sql(ind, scoped=scoped)
                values = dict(settings, **bound[ind.id], wb_build_id=build_id, wb_indicator_id=ind.id)
                try:
                    con.execute(sql, _bound(sql, values))
                except duckdb.Error as exc:
                    raise BuildError(f"indicator {ind.id} failed: {exc}") from exc
                timings[ind.id] = time.perf_counter() - t0
            t0 = time.perf_counter()
            counts = {r[0]: {"computed": r[1], "fired": r[2]} for r in rows(
                con, "select indicator_id, count(*), count(*) filter (where flag) from indicator_value "
                     "where build_id = $b group by all", {"b": build_id})}
            for ind in chosen:
                c = counts.setdefault(ind.id, {"computed": 0, "fired": 0})
                con.execute(
                    "insert into indicator_definition values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [build_id, ind.id, ind.family, ind.title, ind.grain, ind.registered_by, ind.sql_sha256,
                     json.dumps(bound[ind.id], default=str), c["computed"], c["fired"]])
            value_rows = sum(c["computed"] for c in counts.values())
            timings["record"] = time.perf_counter() - t0
            seconds = time.perf_counter() - started
            all_params = {"settings": settings, "indicators": bound}
            scope = {"since": _iso(since), "until": _iso(until)}
            con.execute(
                "insert into indicator_build values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [build_id, started_wall, dt.datetime.now(dt.UTC).replace(tzinfo=None), user, reason,
                 [i.id for i in chosen], json.dumps(all_params, default=str), json.dumps(scope),
                 json.dumps(_data_state(con), default=str), items, value_rows,
                 json.dumps({k: round(v, 4) for k, v in timings.items()})])
            audit.record(
                con, actor=user, action="indicator.build", object_type="indicator_build", object_id=str(build_id),
                reason=reason or "indicator build",
                details={"indicators": len(chosen), "items": items, "value_rows": value_rows, "scope": scope,
                         "reference_months": settings["reference_months"],
                         "params_changed": {k: v for k, v in per_indicator.items() if v}},
            )
            for step in steps:
                con.execute(f"drop table if exists {step.name}")
            con.execute("drop table if exists _wb_scope")
    finally:
        con.execute("reset preserve_insertion_order")
        if memory_limit:
            con.execute("reset memory_limit")
    return BuildResult(build_id, user, items, value_rows, time.perf_counter() - started, [i.id for i in chosen],
                       counts, timings, all_params)


def _checked_size(text: str) -> str:
    import re

    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", text.strip(), re.I):
        raise BuildError(f"memory limit {text!r}: write e.g. 3GB")
    return text.strip()


def _ts(value: dt.date | dt.datetime | None, *, end: bool = False) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime.combine(value + dt.timedelta(days=1) if end else value, dt.time())


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def builds(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    """The latest builds: who built them, when, over what, how long it took."""
    cols = ["build_id", "started_at", "finished_at", "built_by", "reason", "items", "value_rows", "indicators", "scope"]
    found = rows(con, f"select {', '.join(cols)} from indicator_build order by build_id desc limit ?", [limit])
    out = []
    for r in found:
        d = dict(zip(cols, r))
        d["indicators"] = len(d["indicators"])
        d["scope"] = json.loads(d["scope"])
        out.append(d)
    return out
