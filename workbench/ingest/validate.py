"""Checks on the typed records of a load, and every problem they find.

Problems land in the temp table ``_problem`` (one row per problem: source row, status
'rejected' or 'waiting', target, column, value, reason). The loader turns them into quarantine
entries; a row with any problem contributes nothing to the store. A target typed per group of
equal rows (see :mod:`workbench.ingest.targets`) is checked once per group, and each problem
is reported for every row of the group.
"""

from __future__ import annotations

import re

import duckdb

from workbench.ingest.canonical import TABLES
from workbench.ingest.targets import TargetPlan, from_same_row, required_columns
from workbench.ingest.transforms import Params
from workbench.store.sql import quote_ident, rows


def create_problem_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create or replace temp table _problem (_row bigint, source_name varchar, status varchar, "
        "target varchar, column_name varchar, bad_value varchar, reason varchar, record_key varchar)"
    )


def _record_key(plan: TargetPlan) -> str:
    parts = [f"CAST({quote_ident(k)} AS VARCHAR)" for k in plan.spec.key if k in plan.columns]
    return f"concat_ws('|', {', '.join(parts)})" if parts else "NULL"


def check_values(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], source_name: str) -> None:
    """Conversion, code, required and domain checks of every target."""
    for plan in plans:
        parts = []
        params: dict[str, object] = {"src": source_name, "label": plan.label}
        required = required_columns(con, plan.target.table)
        rows_of = "_rows" if plan.grouped else "_row"
        for n, (col, comp) in enumerate(plan.compiled.items()):
            c, r = quote_ident(plan.checked.get(col, col)), quote_ident("r_" + col)
            converts = comp.typed != comp.raw        # else there is no value as written to keep
            params[f"col{n}"] = col
            if converts:
                raw_text = f"CAST({r} AS VARCHAR)"
                params[f"conv{n}"] = f"{comp.source_label} → {col}: '"
                params[f"convt{n}"] = f"' is not a {comp.describe}"
                parts.append(
                    f"select {rows_of}, $col{n}, {raw_text}, $conv{n} || {raw_text} || $convt{n} "
                    f"from {plan.table} where {r} is not null"
                )
            if comp.code_check:
                params[f"code{n}"] = f"{comp.source_label} → {col}: code '"
                code = quote_ident("c_" + col)
                parts.append(
                    f"select {rows_of}, $col{n}, {code}, $code{n} || {code} || ''' is not in the mapping''s table' "
                    f"from {plan.table} where {code} is not null"
                )
            if col in required:
                params[f"req{n}"] = f"{col} is required but {comp.source_label} is empty"
                empty = f"{c} is null and {r} is null" if converts else f"{c} is null"
                parts.append(f"select {rows_of}, $col{n}, NULL, $req{n} from {plan.table} where {empty}")
            for k, check in enumerate(x for x in plan.spec.checks if x.column == col):
                params[f"chk{n}_{k}"] = f"{comp.source_label} → {col}: '"
                params[f"chkt{n}_{k}"] = f"' {check.message}"
                cond = re.sub(r"\bv\b", c, check.sql)
                parts.append(
                    f"select {rows_of}, $col{n}, CAST({c} AS VARCHAR), $chk{n}_{k} || CAST({c} AS VARCHAR) || $chkt{n}_{k} "
                    f"from {plan.table} where {c} is not null and not ({cond})"
                )
        if "known_at" in plan.columns and "known_at" not in plan.compiled:
            parts.append(f"select {rows_of}, 'known_at', NULL, 'cannot tell when this became known (known_at is empty)' "
                         f"from {plan.table} where known_at is null")
        if parts:
            # a row's problems keep the order of the checks: the first one names its fault
            numbered = " union all ".join(f"select {k} AS _k, * from ({part}) x(_r, col, val, reason)"
                                          for k, part in enumerate(parts))
            spread = "unnest(p._r)" if plan.grouped else "p._r"
            sql = (f"insert into _problem select {spread}, $src, 'rejected', $label, p.col, p.val, p.reason, NULL "
                   f"from ({numbered}) p order by p._k")
            con.execute(sql, Params(params).for_sql(sql))


def check_conflicts(con: duckdb.DuckDBPyConnection, plan: TargetPlan, source_name: str) -> None:
    """Same key (and same known_at) with different values inside one load."""
    if plan.target.on_conflict != "reject":
        return
    keys = [k for k in plan.spec.key if k in plan.columns]
    if not keys:
        return
    group = ", ".join(quote_ident(k) for k in keys) + (f", {plan.time_column}" if plan.spec.versioned else "")
    per_key = plan.spec.versioned and plan.target.table != "declaration_item"   # items take their declaration's version
    total, distinct, key_count = rows(
        con, f"select count(*), count(distinct ({group})), "
             f"{f'count(distinct ({plan.key_list}))' if per_key else 'NULL'} from {plan.table}")[0]
    plan.keys_unique, plan.one_per_key = total == distinct, total == key_count
    if plan.keys_unique:
        return          # every key once (the rows of a group are alike): nothing can disagree
    # keys with different values among all records; leaving out rows that have problems can
    # only take some away, so the exact check below looks at these keys alone
    con.execute(
        f"create or replace temp table _conflict as select {group} from {plan.table} group by {group} "
        f"having count(*) > 1 and min(row_hash) <> max(row_hash)"
    )
    if not rows(con, "select count(*) from _conflict")[0][0]:
        return
    each = plan.each_row()
    con.execute(
        f"create or replace temp table _conflict as select {group} from {each} semi join _conflict using ({group}) "
        f"where _row not in (select _row from _problem) group by {group} "
        f"having count(*) > 1 and min(row_hash) <> max(row_hash)"
    )
    if not rows(con, "select count(*) from _conflict")[0][0]:
        return
    con.execute(
        f"insert into _problem select t._row, $src, 'rejected', $label, $keycol, g.k, "
        f"$pre || g.k || ' appears in rows ' || g.rows_list || ' with different values', g.k "
        f"from {each} t join (select {group}, {_record_key(plan)} as k, "
        f"string_agg(CAST(_row AS VARCHAR), ', ' ORDER BY _row) as rows_list from {each} "
        f"semi join _conflict using ({group}) where _row not in (select _row from _problem) "
        f"group by {group}) g using ({group})",
        {"src": source_name, "label": plan.label, "keycol": "+".join(keys),
         "pre": f"{plan.target.table} {'+'.join(keys)} "},
    )


def check_stored_reference_rows(con: duckdb.DuckDBPyConnection, plan: TargetPlan, source_name: str) -> None:
    """Reference tables are not versioned: a stored key with other values is refused."""
    if plan.spec.versioned:
        return
    keys = [k for k in plan.spec.key]
    content = [c for c in plan.columns if c != "known_at"]
    compare = " OR ".join(f"s.{quote_ident(c)} IS DISTINCT FROM t.{quote_ident(c)}" for c in content if c not in keys)
    if not compare:
        return
    on = " AND ".join(f"s.{quote_ident(k)} = t.{quote_ident(k)}" for k in keys)
    con.execute(
        f"insert into _problem select t._row, $src, 'rejected', $label, NULL, NULL, $msg, NULL "
        f"from {plan.each_row()} t join {quote_ident(plan.target.table)} s on {on} where {compare}",
        {"src": source_name, "label": plan.label,
         "msg": f"{plan.target.table}: key already stored with other values; reference tables are not "
                "versioned (load changed values under a new key, e.g. a new hs_version or rate_date)"},
    )


def hold_declarations_together(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], status: str, source_name: str) -> None:
    """A declaration and its items load or wait or are rejected together."""
    decl = [p for p in plans if p.target.table in ("declaration", "declaration_item")]
    if not decl or not rows(con, "select count(*) from _problem where status = $s", {"s": status})[0][0]:
        return
    union = " union all ".join(f"select _row, declaration_id from {p.each_row()}" for p in decl)
    con.execute(   # the rows of the declarations that have a problem row
        f"create or replace temp table _row_decl as with r as ({union}) select distinct * from r "
        "where declaration_id in (select declaration_id from r where _row in "
        "(select _row from _problem where status = $s and source_name = $src))",
        {"s": status, "src": source_name})
    con.execute(
        "insert into _problem select r._row, $src, $status, 'declaration', 'declaration_id', r.declaration_id, "
        "'held with its declaration ' || r.declaration_id || ': ' || first(p.reason ORDER BY p._row, p.rid), "
        "r.declaration_id from _row_decl r join _row_decl bad on bad.declaration_id = r.declaration_id "
        "join (select rowid as rid, * from _problem) p on p._row = bad._row and p.status = $status "
        "and p.source_name = $src "
        "where r._row not in (select _row from _problem where status = $status) group by r._row, r.declaration_id",
        {"src": source_name, "status": status},
    )


def check_references(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], source_name: str) -> None:
    """Ids that name records neither stored nor in this load make their row wait."""
    rejected = "(select _row from _problem where status = 'rejected')"
    any_rejected = rows(con, "select count(*) from _problem where status = 'rejected'")[0][0] > 0
    keys_in_load: dict[str, list[str]] = {}
    for p in plans:
        if len(p.spec.key) == 1 and p.spec.key[0] in p.columns:
            key = quote_ident(p.spec.key[0])
            keys_in_load.setdefault(p.target.table, []).append(
                f"select {key} as k from {p.each_row()} where _row not in {rejected}" if any_rejected
                else f"select {key} as k from {p.table}")
    for p in plans:
        for col, ref_table in p.spec.refs.items():
            # a row that is not rejected cannot wait for the record it gives itself
            if col not in p.columns or any(q.target.table == ref_table and q is not p and from_same_row(p, col, q)
                                           for q in plans):
                continue
            ref_key = TABLES[ref_table].key[0]
            known = [f"select {quote_ident(ref_key)} as k from {quote_ident(ref_table)}"] + keys_in_load.get(ref_table, [])
            c = quote_ident(col)
            unknown = p.each_row(f"where {c} is not null and {c} not in ({' union all '.join(known)})")
            con.execute(
                f"insert into _problem select t._row, $src, 'waiting', $label, $col, t.{c}, "
                f"'waiting for ' || $ref || ' ' || t.{c} || ' (' || $col || '), not loaded yet', t.{c} "
                f"from {unknown} t where t._row not in {rejected}",
                {"src": source_name, "label": p.label, "col": col, "ref": ref_table},
            )
