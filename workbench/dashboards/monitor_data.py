"""What the performance monitor shows of the active profiles, from one read of the store: each
profile's hit rate over the window against its target, month by month, the ones to review, the
register's risks and the profiles that cover them, and the expected load on each office and lane
against its capacity (:mod:`workbench.profiles.monitor`). Plain data and an Altair chart.

>>> rows = monthly_against_target([{"profile_id": "RP-1", "month": "2025-01-01", "hit_rate": 0.2}],
...                               [{"profile_id": "RP-1", "target_hit_rate": 0.15}])
>>> rows[0]["target"], rows[0]["below_target"]
(0.15, False)
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from workbench.profiles.monitor_window import MonitorWindow

PROFILE_COLUMNS = ("profile_id", "title", "lane", "hits", "examined", "positives", "hit_rate", "target_hit_rate",
                   "meets_target", "lift", "detection_rate", "revenue_per_exam", "unbiased_hit_rate")


def monthly_against_target(monthly: Sequence[Mapping[str, Any]],
                           profiles: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each profile's monthly rows with its target hit rate and whether the month fell below it."""
    targets = {p["profile_id"]: p.get("target_hit_rate") for p in profiles}
    out = []
    for r in monthly:
        target = targets.get(r["profile_id"])
        rate = r.get("hit_rate")
        out.append({**r, "month": str(r["month"]), "target": target,
                    "below_target": None if target is None or rate is None else rate < target})
    return out


def monitor_view(con: duckdb.DuckDBPyConnection, *, months: int = 6, weeks: int = 8,
                 capacity: Mapping[str, float] | None = None, on: dt.date | None = None) -> dict[str, Any]:
    """``performance`` (profiles, monthly rows against target, flagged), ``coverage`` of the
    register and ``capacity`` rows, for the active profiles; empty parts when the store holds
    no declarations yet (``note`` says so)."""
    from workbench.profiles.monitor import capacity as capacity_of
    from workbench.profiles.monitor import coverage, performance

    cover = coverage(con, on=on)
    try:
        perf = performance(con, months=months, on=on)
        load = capacity_of(con, dict(capacity or {}), weeks=weeks)
        note = None
    except ValueError as exc:   # no declarations: nothing to measure yet
        perf = {"window": None, "profiles": [], "monthly": [], "flagged": []}
        load = {"window": None, "weeks": weeks, "rows": [], "over": [], "unconfigured": []}
        note = str(exc)
    perf["monthly"] = monthly_against_target(perf["monthly"], perf["profiles"])
    return {"performance": perf, "coverage": cover, "capacity": load, "note": note}


def window_view(window: MonitorWindow, *, months: int = 6, weeks: int = 8,
                capacity: Mapping[str, float] | None = None) -> dict[str, Any]:
    """:func:`monitor_view` from a :class:`~workbench.profiles.monitor_window.MonitorWindow`
    prepared once: the same figures, aggregated in memory (what the dashboard does on a change)."""
    if window.end is None:
        perf: dict[str, Any] = {"window": None, "profiles": [], "monthly": [], "flagged": []}
        load: dict[str, Any] = {"window": None, "weeks": weeks, "rows": [], "over": [], "unconfigured": []}
    else:
        perf = window.performance(months=months)
        load = window.capacity(dict(capacity or {}), weeks=weeks)
    perf["monthly"] = monthly_against_target(perf["monthly"], perf["profiles"])
    return {"performance": perf, "coverage": window.coverage, "capacity": load, "note": window.note}


@functools.lru_cache(maxsize=8)
def _hit_rate_lines(title: str) -> Any:
    """The chart's encodings without data, built once (Altair takes tens of milliseconds to build
    them, which the monitor would pay on every move of its slider)."""
    import altair as alt

    base = alt.Chart().encode(x=alt.X("month:T", title="month of lodgement"),
                              color=alt.Color("profile_id:N", title="profile"))
    lines = base.mark_line(point=True).encode(
        y=alt.Y("hit_rate:Q", title="hit rate among examined hits", axis=alt.Axis(format="%")),
        tooltip=["profile_id:N", alt.Tooltip("month:T", format="%b %Y"), "hits:Q", "examined:Q", "positives:Q",
                 alt.Tooltip("hit_rate:Q", format=".1%"), alt.Tooltip("target:Q", format=".0%")])
    targets = base.mark_line(strokeDash=[4, 4], opacity=0.6).encode(y="target:Q")
    return (lines + targets).properties(title=title, width=520, height=260)


def monthly_hit_rate_chart(monthly: Sequence[Mapping[str, Any]], *,
                           title: str = "Hit rate by month against target") -> Any:
    """Each profile's monthly hit rate (lines) and its target (dashed)."""
    import altair as alt

    return _hit_rate_lines(title).properties(data=alt.Data(values=list(monthly)))
