"""Writing checked records: new keys become version 1, changed content a new version, the same
content nothing at all (so loading a file twice adds nothing).

The typed tables already carry each record's ``row_hash``; they are read in place, and a copy
is made only where a key repeats and one record per key must be picked.
"""

from __future__ import annotations

import duckdb

from workbench.ingest.targets import TargetPlan, from_same_row
from workbench.store.sql import one, quote_ident, rows, scalar

GOOD = "_row not in (select _row from _problem)"


def _good_records(plan: TargetPlan, any_problem: bool) -> tuple[str, str]:
    """The records of a target that some row without problems carries, each with that row as
    ``_row`` (the first such row; the last with ``on_conflict: last``): (relation, where)."""
    if not plan.grouped:
        return plan.table, f"where {GOOD}" if any_problem else ""
    last = plan.target.on_conflict == "last"
    if not any_problem:
        return (f"(select * replace (list_max(_rows) AS _row) from {plan.table})" if last else plan.table), ""
    good = (f"select _g, {'max' if last else 'min'}(r) AS _good from (select _row AS _g, unnest(_rows) AS r "
            f"from {plan.table}) where r not in (select _row from _problem) group by _g")
    return f"(select t.* replace (g._good AS _row) from {plan.table} t join ({good}) g on g._g = t._row)", ""


def _records(con: duckdb.DuckDBPyConnection, plan: TargetPlan, group: list[str], any_problem: bool) -> str:
    """The good records of a target, one per key (and version time), without the raw columns:
    a relation to read (a temp table ``w_<n>`` when a key repeats)."""
    keep = ["_row", *(quote_ident(c) for c in plan.columns), "attrs", "row_hash"]
    if plan.target.table == "declaration_item":
        keep.append("_decl_known_at")
    picked = ", ".join(dict.fromkeys(keep))
    if plan.keys_unique is None:
        total, distinct, keys = rows(con, f"select count(*), count(distinct ({', '.join(group)})), "
                                          f"count(distinct ({plan.key_list})) from {plan.table}")[0]
        plan.keys_unique, plan.one_per_key = total == distinct, total == keys
    source, where = _good_records(plan, any_problem)
    if plan.keys_unique:
        return f"(select {picked} from {source} {where})"
    # header fields repeated over item rows, or 'first'/'last' conflicts: one record per key
    order = "_row DESC" if plan.target.on_conflict == "last" else "_row"
    table = f"w_{plan.index}"
    con.execute(f"create or replace temp table {table} as select {picked} from {source} {where} "
                f"qualify row_number() over (partition by {', '.join(group)} order by {order}) = 1")
    return table


def _with_items(records: str, items: str) -> str:
    """Declaration records whose row_hash also covers their items' hashes, in item order
    (gathered unordered, then put in order per declaration: cheaper than an ordered aggregate)."""
    hashes = "array_to_string(list_select(list(row_hash), list_grade_up(list(item_no))), ',')"
    return (f"(select d.* replace (md5(d.row_hash || coalesce(h.items, '')) AS row_hash) from {records} d "
            f"left join (select declaration_id, _decl_known_at AS known_at, {hashes} AS items from {items} "
            f"group by all) h using (declaration_id, known_at))")


def _loaded(con: duckdb.DuckDBPyConnection, plan: TargetPlan, new: str, using: str, good_only: bool = True) -> None:
    """Mark the rows whose record was written (``good_only``: the rows without problems); each
    row once, whichever targets it fed."""
    spread = "unnest(t._rows)" if plan.grouped else "t._row"
    good = "and r not in (select _row from _problem)" if good_only else ""
    con.execute(f"insert into _loaded_rows select r from (select {spread} AS r from {plan.table} t "
                f"semi join {new} using ({using})) where r not in (select _row from _loaded_rows) {good}")


def write_plans(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], load_id: int) -> dict[str, int]:
    """Insert what is new; returns records inserted per target label. Marks rows that added data
    in the temp table ``_loaded_rows`` (each row once). The temp tables of each target are dropped once written."""
    con.execute("create or replace temp table _loaded_rows (_row bigint)")
    any_problem = scalar(con, "select count(*) from _problem") > 0
    inserted: dict[str, int] = {}
    items = next((p for p in plans if p.target.table == "declaration_item"), None)
    for plan in plans:
        if plan is items:
            continue
        table = quote_ident(plan.target.table)
        keys = [quote_ident(k) for k in plan.spec.key]
        key_list = ", ".join(keys)
        new = f"n_{plan.index}"
        if not plan.spec.versioned:
            w = _records(con, plan, keys, any_problem)
            con.execute(f"create or replace temp table {new} as select * from {w} w anti join {table} using ({key_list})")
            cols = ", ".join(quote_ident(c) for c in plan.columns if c != "known_at" or plan.target.table == "exchange_rate")
            with_load = plan.target.table == "exchange_rate"
            inserted[plan.label] = scalar(
                con,
                f"insert into {table} ({cols}{', load_id' if with_load else ''}) "
                f"select {cols}{', $load_id' if with_load else ''} from {new}",
                {"load_id": load_id} if with_load else None,
            )
            _loaded(con, plan, new, key_list, good_only=False)
            con.execute(f"drop table if exists w_{plan.index}; drop table {new}; drop table {plan.table}")
            continue
        w = _records(con, plan, keys + ["known_at"], any_problem)
        iw = records = None
        if plan.target.table == "declaration" and items is not None:
            iw = _records(con, items, ["declaration_id", "_decl_known_at", "item_no"], any_problem)
            if from_same_row(items, "declaration_id", plan):
                records = scalar(con, f"select count(*) from {w}")
            w = _with_items(w, iw)
        # versions of one key in this load are numbered in time order (none: each key once)
        after = "1" if plan.one_per_key else (
            f"row_number() over (partition by {', '.join('f.' + k for k in keys)} order by f.known_at, f._row)")
        # the stored versions of the keys this load names (the typed records' keys: a superset of
        # the good records' keys, so that the records are read once, below)
        con.execute(
            f"create or replace temp table {new} as with w as (select * from {w}), "
            f"stored as (select {key_list}, version, known_at, row_hash from {table} "
            f"semi join {plan.table} using ({key_list})), "
            f"latest as (select {key_list}, max(version) as max_version, "
            f"arg_max(row_hash, (known_at, version)) as latest_hash from stored group by all), "
            f"fresh as (select w.* from w anti join stored s using ({key_list}, known_at, row_hash)) "
            f"select f.*, coalesce(l.max_version, 0) + {after} as version from fresh f left join latest l using ({key_list}) "
            f"where l.latest_hash is distinct from f.row_hash or l.latest_hash is null"
        )
        con.execute(f"drop table if exists w_{plan.index}")
        cols = ", ".join(quote_ident(c) for c in plan.columns) + ", attrs, row_hash, version"
        inserted[plan.label] = scalar(con, f"insert into {table} ({cols}, load_id) select {cols}, $load_id from {new}",
                                      {"load_id": load_id})
        _loaded(con, plan, new, f"{key_list}, known_at")
        con.execute(f"drop table {plan.table}")
        if iw is not None:
            icols = ", ".join(quote_ident(c) for c in items.columns)
            # every declaration new, as version 1, and items from the rows their declarations
            # come from (so each good item has its declaration here): no need to look it up
            first_versions = records is not None and one(
                con, f"select count(*) = $records and coalesce(max(version), 1) = 1 from {new}",
                {"records": records})[0]
            version = (f"1, i._decl_known_at, $load_id from {iw} i" if first_versions else
                       f"n.version, n.known_at, $load_id from {iw} i join {new} n "
                       f"on n.declaration_id = i.declaration_id and n.known_at = i._decl_known_at")
            inserted[items.label] = scalar(
                con,
                f"insert into declaration_item ({icols}, attrs, row_hash, version, known_at, load_id) "
                f"select {', '.join('i.' + quote_ident(c) for c in items.columns)}, i.attrs, i.row_hash, "
                + version,
                {"load_id": load_id},
            )
            con.execute(f"drop table if exists w_{items.index}; drop table {items.table}")
        con.execute(f"drop table {new}")
    return inserted
