"""A slice of trade, computed in DuckDB: the declarations that match a set of filters, in the
numbers, months, routes, lanes and latest declarations an analyst looks at.

Two stages of named steps (``sql/*.sql``), each a table the next reads:

1. **base** — the current declarations (numbered with an integer key), their items, their
   routes, their inspections and their importers' names: ``_wb_trade_declaration``,
   ``_wb_trade_item``, ``_wb_trade_route``, ``_wb_trade_examination``, ``_wb_trade_importer``,
   and two tables that let the widest slices be plain filters too: the goods of each
   declaration by HS chapter and origin (``_wb_trade_goods``) and each inspection beside them
   (``_wb_trade_examination_goods``);
2. **slice** — the declarations the filters select, their inspections, their routes and each
   inspection on its declaration's routes (``_wb_slice_declaration``, ``_wb_slice_examination``,
   ``_wb_slice_route``, ``_wb_slice_examination_route``), then the views
   (``view_*.sql``). The routes, goods and inspections carry their declaration's date, office
   and dispatch, so for declaration-level filters, an origin and an HS chapter (a two-digit
   prefix) every slice step is a plain filter of a base table that yields each declaration,
   route and inspection once: the views then read the steps inline, as common table
   expressions, and nothing is copied. Only a longer HS prefix groups the items: its steps are
   made as temp tables first.

:func:`trade_slice` runs both on a store connection (the base restricted by the filters, as
temp tables: a one-off, as in a notebook). A :class:`TradeSnapshot` runs the base once into an
in-memory DuckDB (the store opened read-only, attached, copied, detached) and then only the
slice stage for each change of a filter: what a dashboard needs to answer quickly. Every
filter value is a bound parameter; nothing comes into Python but the small tables a person
reads. A line of a step that ends in ``-- if NAME`` is left out of the statement when the filter
NAME is empty (``-- unless NAME``: when it is set; ``-- if A unless B``: both), so DuckDB plans
only the filters in use (the line stays as written: values are bound, never pasted).
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from workbench.dashboards.filters import LANES, TradeFilters
from workbench.queries.library import placeholders
from workbench.store.sql import rows

BASE = (("_wb_trade_declaration", "base_declarations"), ("_wb_trade_item", "base_items"),
        ("_wb_trade_route", "base_routes"), ("_wb_trade_examination", "base_examinations"),
        ("_wb_trade_importer", "base_importers"), ("_wb_trade_goods", "base_goods"),
        ("_wb_trade_examination_goods", "base_examination_goods"))
SLICE = (("_wb_slice_declaration", "slice_declarations"), ("_wb_slice_examination", "slice_examinations"),
         ("_wb_slice_route", "slice_routes"), ("_wb_slice_examination_route", "slice_examination_routes"))
VIEWS = ("totals", "monthly", "routes", "lanes", "declarations")
BY_ITEM = {"slice_declarations": "slice_declarations_by_item", "slice_routes": "slice_routes_by_item",
           "slice_examinations": "slice_examinations_joined",
           "slice_examination_routes": "slice_examination_routes_joined"}
"""Steps that group the items when an HS prefix longer than a chapter is set."""
BY_CHAPTER = {"slice_declarations": "slice_declarations_by_chapter", "slice_routes": "slice_routes_by_chapter",
              "slice_examinations": "slice_examinations_by_goods"}
"""Steps that read the goods by chapter when the HS prefix is a chapter."""
BY_ROUTE = {"slice_declarations": "slice_declarations_by_route", "slice_examinations": "slice_examinations_by_goods"}
"""Steps that read the routes and goods when an origin (and no HS prefix) is set."""
DEFAULT_TOP = 15
_IF = re.compile(r"--((?:\s*(?:if|unless)\s+[a-z_]+)+)\s*$")
_CONDITION = re.compile(r"(if|unless)\s+([a-z_]+)")


@functools.cache
def sql_text(name: str) -> str:
    """The text of ``sql/<name>.sql`` shipped with the dashboards."""
    return resources.files("workbench.dashboards").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def render(name: str, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The statement of step ``name`` for these filter values, and the values it binds: the
    by-chapter variant when the HS prefix is a chapter, the by-item one when it is longer, the
    by-route one when only an origin is set; lines marked ``-- if NAME`` kept only when NAME has
    a value, ``-- unless NAME`` only when it has none; only the values the statement uses
    (DuckDB refuses unused named parameters)."""
    if values.get("chapter") is not None:
        name = BY_CHAPTER.get(name, name)
    elif values.get("hs_prefix") is not None:
        name = BY_ITEM.get(name, name)
    elif values.get("origin") is not None:
        name = BY_ROUTE.get(name, name)
    kept = [line for line in sql_text(name).splitlines() if _kept(line, values)]
    sql = "\n".join(kept)
    used = placeholders(sql)
    return sql, {k: v for k, v in values.items() if k in used}


def _kept(line: str, values: dict[str, Any]) -> bool:
    if not (m := _IF.search(line)):
        return True
    return all((values.get(key) is not None) == (word == "if") for word, key in _CONDITION.findall(m.group(1)))


def _records(con: duckdb.DuckDBPyConnection, name: str, values: dict[str, Any], *,
             inline: bool = False) -> list[dict[str, Any]]:
    cur = con.execute(*(with_slice(name, values) if inline else render(name, values)))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def plain_filters(values: dict[str, Any]) -> bool:
    """Whether every step of the slice is a plain filter of a base table (any filters but an HS
    prefix longer than a chapter), which each view then reads inline."""
    return values.get("hs_prefix") is None or values.get("chapter") is not None


def with_slice(name: str, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The statement of view ``name`` with the slice steps as its common table expressions (for
    :func:`plain_filters` slices: nothing is copied before the view reads), and the values it
    binds. Each view reads each step once, so no step is worth materialising."""
    steps = [f"{table} as not materialized (\n{render(step, values)[0]}\n)" for table, step in SLICE]
    body = "\n".join(line for line in render(name, values)[0].splitlines() if not line.lstrip().startswith("--"))
    body = body.strip()
    if re.match(r"with\s", body, re.I):
        sql = "with " + ",\n".join(steps) + ",\n" + body[4:].lstrip()
    else:
        sql = "with " + ",\n".join(steps) + "\n" + body
    used = placeholders(sql)
    return sql, {k: v for k, v in values.items() if k in used}


def _create(con: duckdb.DuckDBPyConnection, steps: tuple[tuple[str, str], ...], values: dict[str, Any], *,
            temp: bool) -> None:
    kind = "temp table" if temp else "table"
    for table, step in steps:   # table names are the fixed ones above, never user input
        sql, bound = render(step, values)
        con.execute(f"create or replace {kind} {table} as {sql}", bound)


def _drop(con: duckdb.DuckDBPyConnection, steps: tuple[tuple[str, str], ...]) -> None:
    for table, _ in reversed(steps):
        con.execute(f"drop table if exists {table}")


@dataclass(frozen=True)
class TradeSlice:
    """What a slice holds, as records ready for a table or a chart."""

    filters: TradeFilters
    totals: dict[str, Any]
    monthly: list[dict[str, Any]]
    routes: list[dict[str, Any]]
    lanes: list[dict[str, Any]]
    declarations: list[dict[str, Any]]

    @property
    def finding_rate(self) -> float | None:
        """Positive findings ÷ examinations with a result (None without any)."""
        t = self.totals
        return t["positives"] / t["examined"] if t["examined"] else None

    @property
    def random_finding_rate(self) -> float | None:
        """The same for random selections alone: the unbiased estimate."""
        t = self.totals
        return t["random_positives"] / t["random_examined"] if t["random_examined"] else None

    def headline(self) -> str:
        """The slice in one sentence."""
        t = self.totals
        if not t["declarations"]:
            return f"No declarations match ({self.filters.describe()})."
        text = (f"{t['declarations']:,} declarations ({t['items']:,} matching items, {t['declared_value']:,.0f} "
                f"declared) from {t['importers']:,} importers; {t['examined']:,} examined with a result, "
                f"{t['positives']:,} positive")
        if self.finding_rate is not None:
            text += f" ({100 * self.finding_rate:.1f}%)"
        if self.random_finding_rate is not None:
            text += (f"; random stream {t['random_positives']}/{t['random_examined']} "
                     f"({100 * self.random_finding_rate:.1f}%)")
        return text + "."


@contextlib.contextmanager
def _sliced(con: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> Iterator[None]:
    """The slice stage as temp tables for the length of the block."""
    try:
        _create(con, SLICE, values, temp=True)
        yield
    finally:
        _drop(con, SLICE)


def _slice(con: duckdb.DuckDBPyConnection, filters: TradeFilters, top: int) -> TradeSlice:
    values = {**filters.params(), "top": int(top)}
    if plain_filters(values):   # the steps are plain filters: read inline, nothing copied
        views = {view: _records(con, f"view_{view}", values, inline=True) for view in VIEWS}
    else:
        with _sliced(con, values):
            views = {view: _records(con, f"view_{view}", values) for view in VIEWS}
    return TradeSlice(filters=filters, totals=views["totals"][0], monthly=views["monthly"], routes=views["routes"],
                      lanes=views["lanes"], declarations=views["declarations"])


@contextlib.contextmanager
def _store_base(con: duckdb.DuckDBPyConnection, filters: TradeFilters) -> Iterator[dict[str, Any]]:
    values = filters.params()
    try:
        _create(con, BASE, values, temp=True)
        yield values
    finally:
        _drop(con, BASE)


def trade_slice(con: duckdb.DuckDBPyConnection, filters: TradeFilters | None = None, *,
                top: int = DEFAULT_TOP) -> TradeSlice:
    """The slice of trade ``filters`` select, aggregated in the store (``top`` routes and latest
    declarations). The connection may be read-only: every step is a temp table, dropped after."""
    filters = filters or TradeFilters()
    with _store_base(con, filters):
        return _slice(con, filters, top)


def slice_indicators(con: duckdb.DuckDBPyConnection, filters: TradeFilters | None = None, *,
                     build_id: int | None = None) -> list[dict[str, Any]]:
    """For the slice's matching items in an indicator build (the latest by default): each
    indicator's items computed and fired, and its share fired here against across the whole
    build. Empty when no build covers them."""
    filters = filters or TradeFilters()
    with _store_base(con, filters) as values, _sliced(con, values):
        return _records(con, "view_indicators", {**values, "build_id": build_id})


class TradeSnapshot:
    """The base of every slice, copied once from the store into an in-memory DuckDB, so that each
    change of a filter only runs the slice stage. ``loaded_at`` and ``last_load_id`` say which
    state of the store it shows; :meth:`reload` copies it again."""

    def __init__(self, db: str | Path) -> None:
        self.db = Path(db)
        self.con = duckdb.connect()
        self.con.execute("set enable_progress_bar = false")
        self.load_seconds: float | None = None
        self.last_load_id: int | None = None
        self.reload()

    def reload(self) -> None:
        """Copy the base from the store again (read-only; the store is closed straight after)."""
        from workbench.store.connection import connect

        started = time.perf_counter()
        connect(self.db, read_only=True).close()   # the same checks and messages as any read-only open
        con = self.con
        _drop(con, BASE)
        con.execute("attach ? as wb_store (read_only)", [str(self.db)])
        try:
            con.execute("set search_path = 'memory.main,wb_store.main'")
            _create(con, BASE, TradeFilters().params(), temp=False)
            self.last_load_id = rows(con, "select max(load_id) from wb_store.load_log")[0][0]
            # later slices read only the copy (and the country table, copied too)
            con.execute("create or replace table country as select * from wb_store.country")
        finally:
            con.execute("set search_path = 'memory.main'")
            con.execute("detach wb_store")
        self.load_seconds = time.perf_counter() - started

    def slice(self, filters: TradeFilters | None = None, *, top: int = DEFAULT_TOP) -> TradeSlice:
        """The slice ``filters`` select, from the copy."""
        return _slice(self.con, filters or TradeFilters(), top)

    def options(self, *, limit: int = 200) -> dict[str, Any]:
        """What the filters can choose from, from the copy (see :func:`slice_options`)."""
        return slice_options(self.con, limit=limit)

    def close(self) -> None:
        self.con.close()


def slice_options(con: duckdb.DuckDBPyConnection, *, limit: int = 200) -> dict[str, Any]:
    """What the filters can choose from: offices, dispatch countries and origins (busiest first, at
    most ``limit``), lanes, and the lodgement range. Reads a snapshot's copy when it is there,
    else the store."""
    snapshot = bool(rows(con, "select 1 from duckdb_tables() where table_name = '_wb_trade_item' limit 1"))
    if snapshot:
        sources = {"offices": "select office from _wb_trade_declaration",
                   "dispatch": "select dispatch from _wb_trade_declaration",
                   "origins": "select origin from _wb_trade_item",
                   "range": "select min(lodged_at), max(lodged_at) from _wb_trade_declaration"}
    else:
        sources = {"offices": "select office_code from declaration",
                   "dispatch": "select country_dispatch from declaration",
                   "origins": "select country_origin from declaration_item union all "
                              "select country_origin from declaration",
                   "range": "select min(lodged_at), max(lodged_at) from declaration"}
    out: dict[str, Any] = {}
    for key in ("offices", "dispatch", "origins"):   # fixed texts above, never user input
        found = rows(con, f"select v from ({sources[key]}) as t(v) where v is not null "
                          "group by v order by count(*) desc, v limit ?", [limit])
        out[key] = [r[0] for r in found]
    first, last = rows(con, sources["range"])[0]
    out.update({"lanes": list(LANES), "lodged_from": first.date() if first else None,
                "lodged_to": last.date() if last else None})
    return out
