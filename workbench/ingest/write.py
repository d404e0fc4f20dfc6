"""Writing checked records: new keys become version 1, changed content a new version, the same
content nothing at all (so loading a file twice adds nothing)."""

from __future__ import annotations

import duckdb

from workbench.ingest.validate import TargetPlan, row_hash_sql
from workbench.store.sql import quote_ident, rows

GOOD = "_row not in (select _row from _problem)"


def _dedup(con: duckdb.DuckDBPyConnection, plan: TargetPlan, group: list[str]) -> str:
    """The good records of a target, one per key (and version time), without the raw columns."""
    order = "_row DESC" if plan.target.on_conflict == "last" else "_row"
    table = f"w_{plan.index}"
    keep = ["_row", *(quote_ident(c) for c in plan.columns), "attrs"]
    if plan.target.table == "declaration_item":
        keep.append("_decl_known_at")
    picked = ", ".join(dict.fromkeys(keep))
    if plan.keys_unique is None:
        total, distinct = rows(con, f"select count(*), count(distinct ({', '.join(group)})) from {plan.table}")[0]
        plan.keys_unique = total == distinct
    once = ""
    if not plan.keys_unique:   # header fields repeated over item rows, or 'first'/'last' conflicts
        once = f"qualify row_number() over (partition by {', '.join(group)} order by {order}) = 1"
    con.execute(f"create or replace temp table {table} as select *, {row_hash_sql(plan)} as row_hash "
                f"from (select {picked} from {plan.table} where {GOOD} {once})")
    return table


def write_plans(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], load_id: int) -> dict[str, int]:
    """Insert what is new; returns records inserted per target label. Marks rows that added data
    in the temp table ``_loaded_rows``."""
    con.execute("create or replace temp table _loaded_rows (_row bigint)")
    inserted: dict[str, int] = {}
    items = next((p for p in plans if p.target.table == "declaration_item"), None)
    for plan in plans:
        if plan is items:
            continue
        table = quote_ident(plan.target.table)
        keys = [quote_ident(k) for k in plan.spec.key]
        key_list = ", ".join(keys)
        if not plan.spec.versioned:
            w = _dedup(con, plan, keys)
            con.execute(f"create or replace temp table n_{plan.index} as select * from {w} anti join {table} using ({key_list})")
            cols = ", ".join(quote_ident(c) for c in plan.columns if c != "known_at" or plan.target.table == "exchange_rate")
            with_load = plan.target.table == "exchange_rate"
            con.execute(
                f"insert into {table} ({cols}{', load_id' if with_load else ''}) "
                f"select {cols}{', $load_id' if with_load else ''} from n_{plan.index}",
                {"load_id": load_id} if with_load else None,
            )
            inserted[plan.label] = rows(con, f"select count(*) from n_{plan.index}")[0][0]
            con.execute(f"insert into _loaded_rows select _row from {plan.table} semi join n_{plan.index} using ({key_list})")
            continue
        w = _dedup(con, plan, keys + ["known_at"])
        if plan.target.table == "declaration" and items is not None:
            iw = _dedup(con, items, ["declaration_id", "_decl_known_at", "item_no"])
            con.execute(
                f"create or replace temp table {w} as select d.* replace (md5(d.row_hash || coalesce(h.items, '')) "
                f"as row_hash) from {w} d left join (select declaration_id, _decl_known_at as known_at, "
                f"string_agg(row_hash, ',' ORDER BY item_no) as items from {iw} group by all) h "
                f"using (declaration_id, known_at)"
            )
        con.execute(
            f"create or replace temp table n_{plan.index} as "
            f"with stored as (select {key_list}, version, known_at, row_hash from {table} semi join {w} using ({key_list})), "
            f"latest as (select {key_list}, max(version) as max_version, "
            f"arg_max(row_hash, (known_at, version)) as latest_hash from stored group by all), "
            f"fresh as (select w.* from {w} w anti join stored s using ({key_list}, known_at, row_hash)) "
            f"select f.*, coalesce(l.max_version, 0) + row_number() over (partition by {', '.join('f.' + k for k in keys)} "
            f"order by f.known_at, f._row) as version from fresh f left join latest l using ({key_list}) "
            f"where l.latest_hash is distinct from f.row_hash or l.latest_hash is null"
        )
        cols = ", ".join(quote_ident(c) for c in plan.columns) + ", attrs, row_hash, version"
        con.execute(f"insert into {table} ({cols}, load_id) select {cols}, $load_id from n_{plan.index}",
                    {"load_id": load_id})
        inserted[plan.label] = rows(con, f"select count(*) from n_{plan.index}")[0][0]
        con.execute(
            f"insert into _loaded_rows select t._row from {plan.table} t semi join n_{plan.index} "
            f"using ({key_list}, known_at) where t.{GOOD}"
        )
        if plan.target.table == "declaration" and items is not None:
            icols = ", ".join(quote_ident(c) for c in items.columns)
            item_sql = (
                f"from w_{items.index} i join n_{plan.index} n "
                f"on n.declaration_id = i.declaration_id and n.known_at = i._decl_known_at")
            con.execute(
                f"insert into declaration_item ({icols}, attrs, row_hash, version, known_at, load_id) "
                f"select {', '.join('i.' + quote_ident(c) for c in items.columns)}, i.attrs, i.row_hash, n.version, "
                f"n.known_at, $load_id {item_sql}",
                {"load_id": load_id},
            )
            inserted[items.label] = rows(con, f"select count(*) {item_sql}")[0][0]
    return inserted
