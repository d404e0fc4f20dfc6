"""The monitor's window held in memory: the live profiles' hits and every declaration's outcome
over the last ``max_months`` of data, worked out once, so that showing another number of months
or weeks aggregates in memory instead of backtesting the store again.

:class:`MonitorWindow` copies from the store (attached read-only, detached straight after) what
:func:`workbench.profiles.monitor.performance` and :func:`~workbench.profiles.monitor.capacity`
compute on each call: the profiles' evaluation frame (:func:`workbench.profiles.build_frame`),
the hits of the live set and each declaration's outcome
(:func:`workbench.profiles.backtest.select_set`, the backtest's own), plus the register's
coverage. Outcomes are kept only for the declarations that count in a figure (examined,
awaiting a result, or hit); the others only as declarations of the window. Declarations are
integer keys in the copy (the figures only join and count them). A view of
``months`` then cuts the outcomes and hits to the window and reads the
figures with the backtest's own :func:`~workbench.profiles.backtest.summarise` and the monitor's
own :func:`~workbench.profiles.monitor.review` and
:func:`~workbench.profiles.monitor.load_per_week`.

The cut is exact because a declaration's selection does not depend on the window it is measured
in: it is hit on its own items, the profile's validity and its keyed sample. A test holds the
views equal to the functions on the store.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import time
from pathlib import Path
from typing import Any

import duckdb

from workbench.profiles.backtest import select_set, summarise
from workbench.profiles.monitor import against_capacity, coverage, data_end, load_per_week, months_back, review
from workbench.profiles.registry import live_profiles
from workbench.profiles.selection import store_salt
from workbench.store.sql import rows

MAX_MONTHS = 24


class MonitorWindow:
    """The last ``max_months`` of the store's data for the live profiles, in memory.

    ``end`` is the day after the last lodgement (None, with ``note`` saying why, when the store
    holds no declarations); ``profiles`` the live set on ``on`` (default: the last day of
    data); ``coverage`` the register's (:func:`workbench.profiles.monitor.coverage`);
    ``load_seconds`` what preparing took.
    """

    def __init__(self, db: str | Path, *, max_months: int = MAX_MONTHS, on: dt.date | None = None,
                 as_of: dt.datetime | None = None) -> None:
        from workbench.store.connection import connect

        started = time.perf_counter()
        connect(Path(db), read_only=True).close()   # the same checks and messages as any read-only open
        self.max_months = max_months
        self.as_of = as_of or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self.note: str | None = None
        self.end: dt.datetime | None = None
        self.profiles: list[Any] = []
        self._capacity: dict[tuple, dict[str, Any]] = {}
        self.con = duckdb.connect()
        con = self.con
        con.execute("set enable_progress_bar = false")
        con.execute("attach ? as wb_store (read_only)", [str(db)])
        try:
            con.execute("set search_path = 'memory.main,wb_store.main'")
            self.coverage = coverage(con, on=on)
            try:
                self.end = data_end(con)
            except ValueError as exc:   # no declarations: nothing to measure yet
                self.note = str(exc)
            else:
                self._prepare(con, on)
        finally:
            con.execute("set search_path = 'memory.main'")
            con.execute("detach wb_store")
        self.load_seconds = time.perf_counter() - started

    def _prepare(self, con: duckdb.DuckDBPyConnection, on: dt.date | None) -> None:
        end = self._last()
        self.profiles = live_profiles(con, on or (end - dt.timedelta(days=1)).date())
        if not self.profiles:
            return
        self.frame, self.compiled = select_set(con, self.profiles, months_back(end, self.max_months), end,
                                               salt=store_salt(con), as_of=self.as_of,
                                               fields={"declaration.office_code"})
        # declarations as integer keys (the figures only join and count them: much faster than
        # text), in lodgement order, so that a window is a range scan
        con.execute("""create or replace temp table mon_key as
                       select declaration_id, row_number() over (order by lodged_at, declaration_id) as dkey
                       from pf_outcome""")
        con.execute("""create or replace temp table mon_hit as
                       select h.profile_id, h.version, h.lane, h.lane_rank, k.dkey as declaration_id, h.item_no,
                              o.lodged_at
                       from pf_hit h join pf_outcome o using (declaration_id) join mon_key k using (declaration_id)
                       order by o.lodged_at""")
        # outcomes only of declarations with something to count: examined, awaiting a result, or
        # hit (the others count only as declarations of the window, from mon_decl)
        con.execute("""create or replace temp table mon_outcome as
                       select * replace (k.dkey as declaration_id)
                       from pf_outcome o join mon_key k using (declaration_id)
                       where o.examined or o.pending or o.declaration_id in (select declaration_id from pf_hit)
                       order by o.lodged_at""")
        con.execute("""create or replace temp table mon_decl as
                       select k.dkey as declaration_id, min(f.lodged_at) as lodged_at,
                              any_value(f."declaration.office_code") as office, count(*) as items
                       from pf_item f join mon_key k using (declaration_id) group by 1""")
        for table in ("pf_item", "pf_outcome", "pf_hit", "mon_key"):   # fixed names
            con.execute(f"drop table {table}")

    def _cut(self, start: dt.datetime, *, outcomes: bool = True) -> tuple[int, int]:
        """``pf_hit`` (and ``pf_outcome``) of the declarations lodged from ``start``, as views over the
        held tables (the start in a variable of this connection: nothing copied); their counts."""
        con = self.con
        con.execute("set variable mon_start = $start::TIMESTAMP", {"start": start})
        if outcomes:
            con.execute("create or replace temp view pf_outcome as select * from mon_outcome "
                        "where lodged_at >= getvariable('mon_start')")
        con.execute("create or replace temp view pf_hit as select profile_id, version, lane, lane_rank, "
                    "declaration_id, item_no from mon_hit where lodged_at >= getvariable('mon_start')")
        (decls, items), = rows(con, "select count(*), coalesce(sum(items), 0)::BIGINT from mon_decl "
                                    "where lodged_at >= $start", {"start": start})
        return decls, items

    def _last(self) -> dt.datetime:
        if self.end is None:
            raise ValueError(self.note or "the store holds no declarations")
        return self.end

    def performance(self, *, months: int = 6, bad_months: int = 2) -> dict[str, Any]:
        """What :func:`workbench.profiles.monitor.performance` gives for ``months``."""
        if not 1 <= months <= self.max_months:
            raise ValueError(f"months must be 1 to {self.max_months} (the window held), not {months}")
        end = self._last()
        start = months_back(end, months)
        if not self.profiles:
            return {"window": {"from": start.date().isoformat(), "to": end.date().isoformat()}, "profiles": [],
                    "monthly": [], "flagged": []}
        decls, items = self._cut(start)
        frame = dataclasses.replace(self.frame, start=start, end=end, declarations=decls, items=items)
        result = summarise(self.con, self.profiles, self.compiled, frame, self.as_of, set_figures=False)
        return review(self.con, self.profiles, result.window, result.profiles, end=end, months=months,
                      bad_months=bad_months)

    def capacity(self, limits: dict[str, float], *, weeks: int = 8) -> dict[str, Any]:
        """What :func:`workbench.profiles.monitor.capacity` gives for ``weeks``."""
        end = self._last()
        start = end - dt.timedelta(weeks=weeks)
        if start < months_back(end, self.max_months):
            raise ValueError(f"weeks must fit in the {self.max_months} months held, not {weeks}")
        key = (weeks, tuple(sorted(limits.items())))
        if key not in self._capacity:   # the window does not change: each answer is kept
            found: list[dict[str, Any]] = []
            if self.profiles:
                self._cut(start, outcomes=False)
                found = load_per_week(self.con, weeks, offices="SELECT declaration_id, office FROM mon_decl")
            self._capacity[key] = against_capacity(found, limits, start=start, end=end, weeks=weeks)
        return copy.deepcopy(self._capacity[key])

    def close(self) -> None:
        self.con.close()
