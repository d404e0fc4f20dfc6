"""The evaluation frame a compiled profile runs on, built from the store point in time.

``pf_item``: one row per item of every declaration lodged in the window, **as first lodged**
(the version selection saw), with a column per field the profiles use (all fixed fields, and
the indicators they name, from the latest indicator build), ``attrs`` (the item's source
attributes over the header's), ``lodged_at``, ``declaration_id`` and ``item_no``. The importer's
trusted-trader flag is the one known at lodgement.

``pf_list``: the members of the target lists the profiles use — for each list its active
version, else its latest approved one, else (with a warning) its latest draft.

Both are temp tables of the connection; building them reads only, so a backtest can run on a
read-only store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from workbench.profiles import fields as flds
from workbench.profiles.compiler import FRAME, LISTS
from workbench.store.sql import scalar

FIRST_VERSION = """
    select * from declaration
    where lodged_at >= $start and lodged_at < $end
    qualify row_number() over (partition by declaration_id order by known_at, version) = 1
"""


class FrameError(ValueError):
    """A frame that cannot be built as asked."""


@dataclass
class Frame:
    start: dt.datetime
    end: dt.datetime
    declarations: int
    items: int
    indicators: list[str]
    indicator_build: int | None
    indicator_coverage: float | None      # share of items the build holds values for
    lists: dict[str, str] = field(default_factory=dict)   # list id -> 'LIST v2 (active)'
    warnings: list[str] = field(default_factory=list)


def as_timestamp(value: dt.date | dt.datetime | str) -> dt.datetime:
    """A window bound as a timestamp: a datetime as it is, a date (or ISO text) at midnight."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def build_frame(con: duckdb.DuckDBPyConnection, start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str, *,
                fields: set[str] = frozenset(), lists: set[str] = frozenset()) -> Frame:
    """Make ``pf_item`` and ``pf_list`` for declarations lodged in [start, end)."""
    start, end = as_timestamp(start), as_timestamp(end)
    if end <= start:
        raise FrameError(f"the window ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})")
    indicator_ids = sorted({flds.indicator_id(f)[0] for f in fields if f.startswith("indicator.")})
    cols = ",\n        ".join(f"{f.source} AS {flds.column(f.name)}" for f in flds.all_fields())
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE pf_decl AS
        {FIRST_VERSION}
    """, {"start": start, "end": end})
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {FRAME} AS
        SELECT d.declaration_id, d.version AS decl_version, i.item_no, d.lodged_at,
               json_merge_patch(coalesce(d.attrs, '{{}}'::JSON), coalesce(i.attrs, '{{}}'::JSON)) AS attrs,
               {cols}
        FROM pf_decl d
        JOIN declaration_item i ON i.declaration_id = d.declaration_id AND i.version = d.version
        ASOF LEFT JOIN party p ON p.party_id = d.importer_id AND p.known_at <= d.lodged_at
    """)
    con.execute("DROP TABLE pf_decl")
    declarations, items = con.execute(f"SELECT count(DISTINCT declaration_id), count(*) FROM {FRAME}").fetchone()
    frame = Frame(start, end, declarations, items, indicator_ids, None, None)
    if indicator_ids:
        _add_indicators(con, frame)
    _build_lists(con, frame, lists)
    return frame


def _add_indicators(con: duckdb.DuckDBPyConnection, frame: Frame) -> None:
    build = scalar(con, "select max(build_id) from indicator_build")
    if build is None:
        raise FrameError("the profiles use indicators and no indicator build exists: "
                         "run `workbench indicator build` first")
    known = {r[0] for r in con.execute("select indicator_id from indicator_definition where build_id = ?",
                                       [build]).fetchall()}
    missing = [i for i in frame.indicators if i not in known]
    if missing:
        raise FrameError(f"indicator build {build} has no {', '.join(missing)}: "
                         "rebuild with `workbench indicator build`")
    pivots = []
    params: dict[str, object] = {"build": build, "ids": frame.indicators}
    for n, ind in enumerate(frame.indicators):
        params[f"i{n}"] = ind
        pivots.append(f"max(v.value) FILTER (WHERE v.indicator_id = $i{n}) AS {flds.column('indicator.' + ind)}")
        pivots.append(f"bool_or(v.flag) FILTER (WHERE v.indicator_id = $i{n}) AS {flds.column('indicator.' + ind + '.flag')}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE pf_ind AS
        SELECT it.declaration_id, it.version, it.item_no, {', '.join(pivots)}
        FROM indicator_value v
        JOIN indicator_item it ON it.build_id = v.build_id AND it.item_key = v.item_key
        WHERE v.build_id = $build AND list_contains($ids::VARCHAR[], v.indicator_id)
          AND it.lodged_at >= $start AND it.lodged_at < $end
        GROUP BY ALL
    """, {**params, "start": frame.start, "end": frame.end})
    covered = scalar(con, f"""SELECT count(*) FROM {FRAME} f JOIN pf_ind x
                             ON x.declaration_id = f.declaration_id AND x.version = f.decl_version
                             AND x.item_no = f.item_no""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {FRAME} AS
        SELECT f.*, x.* EXCLUDE (declaration_id, version, item_no)
        FROM {FRAME} f LEFT JOIN pf_ind x
          ON x.declaration_id = f.declaration_id AND x.version = f.decl_version AND x.item_no = f.item_no
    """)
    con.execute("DROP TABLE pf_ind")
    frame.indicator_build = build
    frame.indicator_coverage = covered / frame.items if frame.items else None
    if frame.items and covered < frame.items:
        frame.warnings.append(
            f"indicator build {build} holds values for {covered:,} of {frame.items:,} items in the window; "
            "the others count as missing (comparisons on them are false)")


def _build_lists(con: duckdb.DuckDBPyConnection, frame: Frame, lists: set[str]) -> None:
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {LISTS} (list_id VARCHAR, value VARCHAR,
                    valid_from TIMESTAMP, valid_to TIMESTAMP)""")
    for list_id in sorted(lists):
        chosen = con.execute("""
            select version, status from target_list_version where list_id = ?
            order by case status when 'active' then 0 when 'approved' then 1 when 'retired' then 3 else 2 end,
                     version desc limit 1""", [list_id]).fetchall()
        if not chosen:
            raise FrameError(f"the profiles use target list {list_id!r}, which is not in the store")
        version, status = chosen[0]
        if status not in ("active", "approved"):
            frame.warnings.append(f"target list {list_id} v{version} is {status}: used as it stands")
        frame.lists[list_id] = f"{list_id} v{version} ({status})"
        con.execute(f"""
            INSERT INTO {LISTS}
            SELECT e.list_id, e.value,
                   greatest(e.valid_from, l.valid_from)::TIMESTAMP,
                   (least(e.valid_to, l.valid_to) + INTERVAL 1 DAY)::TIMESTAMP
            FROM target_list_entry e JOIN target_list_version l USING (list_id, version)
            WHERE e.list_id = ? AND e.version = ?""", [list_id, version])


SQL_TYPES = {"text": "VARCHAR", "number": "DOUBLE", "boolean": "BOOLEAN"}


def frame_columns(indicators: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(column, SQL type) of a frame: the keys, then every fixed field, then the indicators."""
    cols = [("declaration_id", "VARCHAR"), ("decl_version", "INTEGER"), ("item_no", "INTEGER"),
            ("lodged_at", "TIMESTAMP"), ("attrs", "JSON")]
    cols += [(f.name, SQL_TYPES[f.type]) for f in flds.all_fields()]
    for ind in indicators:
        cols += [(f"indicator.{ind}", "DOUBLE"), (f"indicator.{ind}.flag", "BOOLEAN")]
    return cols


def create_empty_frame(con: duckdb.DuckDBPyConnection, indicators: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Empty ``pf_item`` and ``pf_list`` tables, for a frame filled from elsewhere (a bundle, a
    test). Returns the columns of ``pf_item``."""
    cols = frame_columns(indicators)
    body = ", ".join(f'"{name}" {kind}' for name, kind in cols)   # names are package constants or checked ids
    for name, _ in cols:
        if name.startswith(("declaration.", "item.", "indicator.")):
            flds.column(name)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {FRAME} ({body})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {LISTS} (list_id VARCHAR, value VARCHAR, "
                "valid_from TIMESTAMP, valid_to TIMESTAMP)")
    return cols
