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

# The first version of each declaration lodged in the window. Most declarations have one
# version, so only those with several are ranked (a window over all of them is the slow part).
FIRST_VERSION = """
    with w as (select * from declaration where lodged_at >= $start and lodged_at < $end),
    multi as (select declaration_id from w where version > 1 group by declaration_id)
    select * from w where version = 1 and declaration_id not in (select declaration_id from multi)
    union all by name
    select * from w where declaration_id in (select declaration_id from multi)
    qualify row_number() over (partition by declaration_id order by known_at, version) = 1
"""

SCOPE_FIELDS = ("declaration.direction", "declaration.office_code", "declaration.procedure_code")
"""Fields every frame holds: the scope of a profile and the office that capacity is counted by."""


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
    wanted = set(fields) | set(SCOPE_FIELDS)
    static = [f for f in flds.all_fields() if f.name in wanted]
    cols = [f"{f.source} AS {flds.column(f.name)}" for f in static]
    uses_attrs = any(f.startswith("attr.") for f in fields)
    frame = Frame(start, end, 0, 0, indicator_ids, None, None)
    joins = ""
    if indicator_ids:
        _indicator_table(con, frame, set(fields))
        cols += [f"x.{flds.column(c)}" for ind in indicator_ids for c in (f"indicator.{ind}", f"indicator.{ind}.flag")
                 if c in fields]
        joins += ("\n        LEFT JOIN pf_ind x ON x.declaration_id = d.declaration_id AND x.version = d.version "
                  "AND x.item_no = i.item_no")
    if "declaration.importer_trusted" in wanted:
        joins += "\n        ASOF LEFT JOIN party p ON p.party_id = d.importer_id AND p.known_at <= d.lodged_at"
    attrs = ("json_merge_patch(coalesce(d.attrs, '{}'::JSON), coalesce(i.attrs, '{}'::JSON))" if uses_attrs
             else "NULL::JSON")
    con.execute(f"CREATE OR REPLACE TEMP TABLE pf_decl AS {FIRST_VERSION}", {"start": start, "end": end})
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {FRAME} AS
        SELECT d.declaration_id, d.version AS decl_version, i.item_no, d.lodged_at, {attrs} AS attrs,
               {", ".join(cols)}
        FROM pf_decl d
        JOIN declaration_item i ON i.declaration_id = d.declaration_id AND i.version = d.version{joins}
    """)
    con.execute("DROP TABLE pf_decl")
    frame.declarations, frame.items = con.execute(f"SELECT count(DISTINCT declaration_id), count(*) FROM {FRAME}").fetchone()
    if indicator_ids:
        covered = scalar(con, "SELECT count(*) FROM pf_ind")
        con.execute("DROP TABLE pf_ind")
        frame.indicator_coverage = covered / frame.items if frame.items else None
        if frame.items and covered < frame.items:
            frame.warnings.append(
                f"indicator build {frame.indicator_build} holds values for {covered:,} of {frame.items:,} items in "
                "the window; the others count as missing (comparisons on them are false)")
    _build_lists(con, frame, lists)
    return frame


def _indicator_table(con: duckdb.DuckDBPyConnection, frame: Frame, fields: set[str]) -> None:
    """``pf_ind``: the used indicators' values (and flags) per item of the window, a column each,
    from the latest build, keyed by declaration, version and item."""
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
    # one join per indicator on the build's integer item key: each indicator's rows lie together
    # in indicator_value, so these scans are short; faster than pivoting all of them at once
    cols, joins, params = [], [], {"build": build, "start": frame.start, "end": frame.end}
    for n, ind in enumerate(frame.indicators):
        params[f"i{n}"] = ind
        for part, field in (("value", f"indicator.{ind}"), ("flag", f"indicator.{ind}.flag")):
            if field in fields:
                cols.append(f"j{n}.{part} AS {flds.column(field)}")
        joins.append(f"LEFT JOIN (SELECT item_key, value, flag FROM indicator_value "
                     f"WHERE build_id = $build AND indicator_id = $i{n}) j{n} USING (item_key)")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE pf_ind AS
        SELECT i.declaration_id, i.version, i.item_no, {', '.join(cols)}
        FROM (SELECT item_key, declaration_id, version, item_no FROM indicator_item
              WHERE build_id = $build AND lodged_at >= $start AND lodged_at < $end) i
        {' '.join(joins)}
    """, params)
    frame.indicator_build = build


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
