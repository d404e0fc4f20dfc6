"""Watching live profiles: performance against target, coverage of the register, and capacity.

- :func:`performance` — each active profile's monthly hits, hit rate and yield over the last
  months of data, against its target; a profile that stopped performing (its last months below
  target with enough examinations behind them, or no hits at all) is flagged for review with
  the months as evidence.
- :func:`coverage` — for each open register risk, the profiles that treat it; high and extreme
  risks that no active profile covers are the gaps.
- :func:`capacity` — expected selections per week by office and lane (the live set evaluated on
  recent weeks, the strictest lane per declaration) against the configured capacity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from workbench.profiles.backtest import backtest
from workbench.profiles.compiler import FRAME
from workbench.profiles.registry import live_profiles
from workbench.profiles.selection import store_salt
from workbench.profiles.spec import Profile
from workbench.store.sql import scalar

MIN_EXAMINED = 10


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def data_end(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The day after the last lodgement in the store (monitoring looks back from there)."""
    last = scalar(con, "select max(lodged_at) from declaration")
    if last is None:
        raise ValueError("the store holds no declarations")
    return dt.datetime.combine(last.date() + dt.timedelta(days=1), dt.time())


def months_back(end: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(end.year * 12 + end.month - 1 - months, 12)
    return dt.datetime(y, m + 1, 1)


def performance(con: duckdb.DuckDBPyConnection, *, months: int = 6, end: dt.datetime | None = None,
                bad_months: int = 2, on: dt.date | None = None) -> dict[str, Any]:
    """Monthly performance of the active profiles, and the ones to review."""
    end = end or data_end(con)
    start = months_back(end, months)
    profiles = live_profiles(con, on or (end - dt.timedelta(days=1)).date())
    if not profiles:
        return {"window": {"from": start.date().isoformat(), "to": end.date().isoformat()}, "profiles": [],
                "monthly": [], "flagged": []}
    result = backtest(con, profiles, start, end, salt=store_salt(con))
    return review(con, profiles, result.window, result.profiles, end=end, months=months, bad_months=bad_months)


def review(con: duckdb.DuckDBPyConnection, profiles: list[Profile], window: dict[str, str],
           rows: list[dict[str, Any]], *, end: dt.datetime, months: int, bad_months: int = 2) -> dict[str, Any]:
    """:func:`performance`'s answer from the set's ``pf_hit`` and ``pf_outcome`` of the window and
    the backtest's rows: the monthly figures and the profiles to review."""
    monthly = _records(con, """
        SELECT h.profile_id, date_trunc('month', o.lodged_at)::DATE AS month, count(*) AS hits,
               count(*) FILTER (WHERE o.examined) AS examined, count(*) FILTER (WHERE o.positive) AS positives,
               round(count(*) FILTER (WHERE o.positive) / nullif(count(*) FILTER (WHERE o.examined), 0), 4) AS hit_rate,
               round(coalesce(sum(o.revenue) FILTER (WHERE o.positive), 0)
                     / nullif(count(*) FILTER (WHERE o.examined), 0), 2) AS yield_per_exam
        FROM pf_hit h JOIN pf_outcome o USING (declaration_id) GROUP BY ALL ORDER BY 1, 2""")
    months_all = [(months_back(end, k)).date() for k in range(months, 0, -1)]
    by_profile: dict[str, dict[dt.date, dict[str, Any]]] = {}
    for r in monthly:
        by_profile.setdefault(r["profile_id"], {})[r["month"]] = r
    flagged = []
    for p in profiles:
        seen = by_profile.get(p.id, {})
        recent = [seen.get(m, {"month": m, "hits": 0, "examined": 0, "positives": 0, "hit_rate": None})
                  for m in months_all[-bad_months:]]
        target = p.target.hit_rate
        evidence = "; ".join(f"{r['month']:%b %Y}: {r['hits']} hits, {r['examined']} examined, "
                             f"{r['positives']} positive" for r in recent)
        if all(r["hits"] == 0 for r in recent):
            flagged.append({"profile_id": p.id, "why": f"no hits in the last {bad_months} months", "evidence": evidence})
        elif target is not None and all(r["examined"] >= MIN_EXAMINED and (r["hit_rate"] or 0) < target for r in recent):
            flagged.append({"profile_id": p.id, "why": f"hit rate below its target {target:.0%} for {bad_months} months "
                            f"running", "evidence": evidence})
    return {"window": window, "profiles": rows, "monthly": monthly, "flagged": flagged}


def coverage(con: duckdb.DuckDBPyConnection, *, on: dt.date | None = None) -> dict[str, Any]:
    """For each open risk of the register: its profiles by status; the high risks left uncovered."""
    on = on or dt.date.today()
    risks = _records(con, """
        SELECT r.risk_id, r.title, r.category, r.rating, r.band,
               list(p.profile_id ORDER BY p.profile_id) FILTER (WHERE p.status = 'active'
                    AND (p.valid_to IS NULL OR p.valid_to >= $on)) AS active,
               list(p.profile_id ORDER BY p.profile_id) FILTER (WHERE p.status IN ('draft', 'submitted', 'approved'))
                    AS in_preparation
        FROM risk_area_current r LEFT JOIN profile_version p ON p.risk_id = r.risk_id
        WHERE r.status = 'open'
        GROUP BY ALL ORDER BY r.rating DESC, r.risk_id""", {"on": on})
    for r in risks:
        r["active"] = sorted(set(r["active"] or []))
        r["in_preparation"] = sorted(set(r["in_preparation"] or []) - set(r["active"]))
    gaps = [r for r in risks if not r["active"] and r["band"] in ("high", "extreme")]
    orphans = _records(con, """
        SELECT DISTINCT profile_id, risk_id FROM profile_version p
        WHERE status = 'active' AND risk_id NOT IN (SELECT risk_id FROM risk_area_current WHERE status = 'open')""")
    return {"risks": risks, "gaps": gaps, "orphans": orphans}


def capacity(con: duckdb.DuckDBPyConnection, limits: dict[str, float], *, weeks: int = 8,
             end: dt.datetime | None = None) -> dict[str, Any]:
    """Expected selections per week by office and lane against ``limits`` ("OFFICE.lane" or
    "*.lane" -> examinations per week)."""
    end = end or data_end(con)
    start = end - dt.timedelta(weeks=weeks)
    profiles = live_profiles(con, (end - dt.timedelta(days=1)).date())
    rows: list[dict[str, Any]] = []
    if profiles:
        backtest(con, profiles, start, end, salt=store_salt(con))
        rows = load_per_week(con, weeks, offices=f'SELECT DISTINCT declaration_id, "declaration.office_code" AS office '
                                                f'FROM {FRAME}')
    return against_capacity(rows, limits, start=start, end=end, weeks=weeks)


def load_per_week(con: duckdb.DuckDBPyConnection, weeks: int, *, offices: str) -> list[dict[str, Any]]:
    """Declarations per week by office and strictest lane, from ``pf_hit`` of the weeks and
    ``offices`` (a fixed query of this package giving declaration_id, office)."""
    return _records(con, f"""
        WITH d AS (SELECT h.declaration_id, arg_max(h.lane, h.lane_rank) AS lane FROM pf_hit h GROUP BY 1),
             o AS ({offices})
        SELECT o.office, d.lane, round(count(*) / $weeks, 1) AS per_week
        FROM d JOIN o USING (declaration_id) GROUP BY ALL ORDER BY 1, 2""", {"weeks": float(weeks)})


def against_capacity(rows: list[dict[str, Any]], limits: dict[str, float], *, start: dt.datetime, end: dt.datetime,
                     weeks: int) -> dict[str, Any]:
    """The per-week rows with their capacity, load and whether they are over it."""
    for r in rows:
        limit = limits.get(f"{r['office']}.{r['lane']}", limits.get(f"*.{r['lane']}"))
        r["capacity"] = limit
        r["load"] = round(r["per_week"] / limit, 2) if limit else None
        r["over"] = bool(limit is not None and r["per_week"] > limit)
    return {"window": {"from": start.date().isoformat(), "to": end.date().isoformat()}, "weeks": weeks,
            "rows": rows, "over": [r for r in rows if r["over"]],
            "unconfigured": sorted({f"{r['office']}.{r['lane']}" for r in rows if r["capacity"] is None})}
