"""From staged sources to checked records: joins, typed targets, and every problem found.

Problems land in the temp table ``_problem`` (one row per problem: source row, status
'rejected' or 'waiting', target, column, value, reason). The loader turns them into quarantine
entries; a row with any problem contributes nothing to the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from workbench.ingest.canonical import META_COLUMNS, TABLES, TableSpec
from workbench.ingest.mapping import Mapping, Target
from workbench.ingest.sources import StagedSource
from workbench.ingest.transforms import Compiled, Params, TransformError, compile_column, quote_source
from workbench.store.sql import quote_ident, rows


class PlanError(ValueError):
    """A mapping that does not fit the files or the canonical tables; nothing is loaded."""


@dataclass
class TargetPlan:
    index: int
    target: Target
    spec: TableSpec
    table: str                          # temp table with the typed records
    columns: list[str]                  # canonical content columns staged (with known_at)
    compiled: dict[str, Compiled] = field(default_factory=dict)
    keys_unique: bool | None = None     # every key (and version time) appears once: set when counted

    @property
    def label(self) -> str:
        return self.target.label

    @property
    def time_column(self) -> str:
        """The column that orders versions (items take their declaration's)."""
        return "_decl_known_at" if self.target.table == "declaration_item" else "known_at"


def create_problem_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create or replace temp table _problem (_row bigint, source_name varchar, status varchar, "
        "target varchar, column_name varchar, bad_value varchar, reason varchar, record_key varchar)"
    )


def build_input(con: duckdb.DuckDBPyConnection, mapping: Mapping, staged: dict[str, StagedSource]) -> dict[str, str]:
    """Create ``_input``: the primary source with joined columns. Returns column -> type."""
    primary = staged[mapping.primary.name]
    select = ["p.*"]
    joins = []
    for n, join in enumerate(mapping.joins):
        other = staged[join.source]
        alias = f"j{n}"
        on_left = [quote_source(c, primary.columns) for c in join.on]
        on_right = [quote_source(c, other.columns) for c in join.on.values()]
        keys = ", ".join(f"{r} AS k{i}" for i, r in enumerate(on_right))
        gathered = []
        for new, col in join.collect.items():
            cols = [col] if isinstance(col, str) else col
            value = ", ".join(f"CAST({quote_source(c, other.columns)} AS VARCHAR)" for c in cols)
            value = f"nullif(concat_ws(', ', {value}), '')" if len(cols) > 1 else value
            gathered.append(f"list({value} ORDER BY _row) AS {_new_name(new, primary)}")
        for new, col in join.take.items():
            gathered.append(f"any_value({quote_source(col, other.columns)}) AS {_new_name(new, primary)}")
        gathered.append(f"count(*) AS _n{n}")
        con.execute(
            f"create or replace temp table _join{n} as select {keys}, {', '.join(gathered)} "
            f"from {other.table} group by all"
        )
        cond = " AND ".join(f"p.{left} = {alias}.k{i}" for i, left in enumerate(on_left))
        joins.append(f"LEFT JOIN _join{n} {alias} ON {cond}")
        select.append(f"{alias}.* EXCLUDE ({', '.join(f'k{i}' for i in range(len(on_left)))})")
        # secondary rows that no primary row takes are quarantined, not dropped
        matched_cond = " AND ".join(f"s.{r} = p.{left}" for left, r in zip(on_left, on_right))
        con.execute(
            f"insert into _problem select s._row, $src, 'rejected', NULL, NULL, NULL, "
            f"$msg, NULL from {other.table} s where not exists (select 1 from {primary.table} p where {matched_cond})",
            {"src": join.source, "msg": f"no row of the primary source {mapping.primary.name!r} matches it "
                                        f"on {', '.join(join.on.values())}"},
        )
    kind = "view" if not joins else "table"   # without joins, no copy of the rows is needed
    con.execute(f"create or replace temp {kind} _input as select {', '.join(select)} from {primary.table} p {' '.join(joins)}")
    for n, join in enumerate(mapping.joins):
        if join.take:
            on = ", ".join(join.on)
            con.execute(
                f"insert into _problem select _row, $src, 'rejected', NULL, NULL, NULL, "
                f"CASE WHEN _n{n} IS NULL THEN $missing ELSE $dupe END, NULL from _input "
                f"where {'_n' + str(n) + ' IS NULL OR ' if join.required else ''}_n{n} > 1",
                {"src": mapping.primary.name,
                 "missing": f"no row in source {join.source!r} with the same {on}",
                 "dupe": f"source {join.source!r} has several rows with the same {on}"},
            )
    return {name: typ for name, typ in rows(con, "select column_name, column_type from (describe _input)")}


def _new_name(name: str, primary: StagedSource) -> str:
    if name in primary.columns:
        raise PlanError(f"join column {name!r} already exists in source {primary.source.name!r}")
    return '"' + name.replace('"', '""') + '"'


def _store_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {
        name: typ
        for name, typ in rows(
            con,
            "select column_name, data_type from information_schema.columns where table_name = ? "
            "order by ordinal_position", [table],
        )
    }


def _required(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        r[0] for r in rows(
            con, "select column_name from information_schema.columns where table_name = ? and is_nullable = 'NO'",
            [table],
        )
    } - set(META_COLUMNS)


def stage_targets(
    con: duckdb.DuckDBPyConnection, mapping: Mapping, input_types: dict[str, str], params: Params
) -> tuple[list[TargetPlan], list[str]]:
    """Create one typed temp table per target, with raw values kept beside typed ones.

    Returns the plans and the source columns no target maps (kept as attributes)."""
    available = [c for c in input_types if c != "_row" and not re.fullmatch(r"_n\d+", c)]
    used = {c for t in mapping.targets for spec in t.columns.values() for c in spec.source_columns()}
    used |= {t.when for t in mapping.targets if t.when}
    used |= {c for j in mapping.joins for c in j.on}
    unmapped = [c for c in available if c not in used]
    plans = []
    tables = [t.table for t in mapping.targets]
    if "declaration_item" in tables and "declaration" not in tables:
        raise PlanError("a declaration_item target needs a declaration target in the same mapping "
                        "(a declaration and its items load together)")
    for i, target in enumerate(mapping.targets):
        spec = TABLES[target.table]
        types = _store_types(con, target.table)
        required = _required(con, target.table)
        allowed = [c for c in types if c not in META_COLUMNS]
        for col in target.columns:
            if col not in allowed:
                raise PlanError(f"target {target.label}: {target.table} has no column {col!r} "
                                f"(it has: {', '.join(allowed)})")
        missing = sorted(required - set(target.columns) - {"known_at"} - (
            {"known_at"} if spec.known_at else set()))
        if target.table == "declaration_item":
            missing = [m for m in missing if m != "known_at"]
        if missing:
            raise PlanError(f"target {target.label}: required column(s) {', '.join(missing)} not mapped")
        plan = TargetPlan(i, target, spec, f"tgt_{i}", [])
        select = ["_row"]
        for col, colspec in target.columns.items():
            try:
                comp = compile_column(col, colspec, types[col], available, input_types, params)
            except TransformError as exc:
                raise PlanError(f"target {target.label}, column {col}: {exc}") from None
            plan.compiled[col] = comp
            typed = comp.typed
            if col in spec.ids:
                typed = f"({params.bind(mapping.source_id + ':')} || {typed})"
            select.append(f"{typed} AS {quote_ident(col)}")
            # the value as written is kept only where conversion failed: it names the fault
            select.append(f"CASE WHEN {comp.typed} IS NULL THEN {comp.raw} END AS {quote_ident('r_' + col)}")
            if comp.code_check:
                select.append(f"{comp.code_check} AS {quote_ident('c_' + col)}")
            plan.columns.append(col)
        if "known_at" not in target.columns and spec.known_at:
            plan.columns.append("known_at")
        keep = target.keep_attributes if target.keep_attributes is not None else i == 0
        if keep and unmapped and "attrs" in types:
            pairs = ", ".join(f"{params.bind(c)}, {quote_source(c, available)}" for c in unmapped)
            select.append(f"json_object({pairs}) AS attrs")
        else:
            select.append("CAST(NULL AS JSON) AS attrs")
        where = f"WHERE {quote_source(target.when, available)} IS NOT NULL" if target.when else ""
        sql = f"create or replace temp table {plan.table} as select {', '.join(select)} from _input {where}"
        con.execute(sql, params.for_sql(sql))
        if "known_at" not in target.columns and spec.known_at:
            default = spec.known_at.replace("$load_time", "CAST($load_time AS TIMESTAMP)")
            for col in types:       # columns the mapping leaves out are simply unknown
                if col not in target.columns:
                    default = re.sub(rf"\b{col}\b", "NULL", default)
            con.execute(f"alter table {plan.table} add column known_at timestamp")
            sql = f"update {plan.table} set known_at = {default}"
            con.execute(sql, params.for_sql(sql))
        plans.append(plan)
    return plans, unmapped


def _record_key(plan: TargetPlan) -> str:
    parts = [f"CAST({quote_ident(k)} AS VARCHAR)" for k in plan.spec.key if k in plan.columns]
    return f"concat_ws('|', {', '.join(parts)})" if parts else "NULL"


def check_values(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], source_name: str) -> None:
    """Conversion, code, required and domain checks of every target."""
    for plan in plans:
        parts = []
        params: dict[str, object] = {"src": source_name, "label": plan.label}
        required = _required(con, plan.target.table)
        for n, (col, comp) in enumerate(plan.compiled.items()):
            c, r = quote_ident(col), quote_ident("r_" + col)
            raw_text = f"CAST({r} AS VARCHAR)"
            params[f"col{n}"] = col
            params[f"conv{n}"] = f"{comp.source_label} → {col}: '"
            params[f"convt{n}"] = f"' is not a {comp.describe}"
            parts.append(
                f"select _row, $col{n} as col, {raw_text} as val, $conv{n} || {raw_text} || $convt{n} as reason "
                f"from {plan.table} where {r} is not null"
            )
            if comp.code_check:
                params[f"code{n}"] = f"{comp.source_label} → {col}: code '"
                code = quote_ident("c_" + col)
                parts.append(
                    f"select _row, $col{n}, {code}, $code{n} || {code} || ''' is not in the mapping''s table' "
                    f"from {plan.table} where {code} is not null"
                )
            if col in required:
                params[f"req{n}"] = f"{col} is required but {comp.source_label} is empty"
                parts.append(f"select _row, $col{n}, NULL, $req{n} from {plan.table} where {c} is null and {r} is null")
            for k, check in enumerate(x for x in plan.spec.checks if x.column == col):
                params[f"chk{n}_{k}"] = f"{comp.source_label} → {col}: '"
                params[f"chkt{n}_{k}"] = f"' {check.message}"
                cond = re.sub(r"\bv\b", c, check.sql)
                parts.append(
                    f"select _row, $col{n}, CAST({c} AS VARCHAR), $chk{n}_{k} || CAST({c} AS VARCHAR) || $chkt{n}_{k} "
                    f"from {plan.table} where {c} is not null and not ({cond})"
                )
        if "known_at" in plan.columns and "known_at" not in plan.compiled:
            parts.append(f"select _row, 'known_at', NULL, 'cannot tell when this became known (known_at is empty)' "
                         f"from {plan.table} where known_at is null")
        if parts:
            con.execute(
                f"insert into _problem select _row, $src, 'rejected', $label, col, val, reason, NULL "
                f"from ({' union all '.join(parts)})",
                params,
            )


def row_hash_sql(plan: TargetPlan, alias: str = "") -> str:
    """MD5 of a record's content (every column but known_at, with attributes): what decides
    whether a record is new, unchanged or an amendment."""
    content = [c for c in plan.columns if c not in ("known_at", "customs_value_base")] + ["attrs"]
    parts = ", ".join(f"coalesce(CAST({alias}{quote_ident(c)} AS VARCHAR), chr(30))" for c in content)
    return f"md5(concat_ws(chr(31), {parts}))"


def check_conflicts(con: duckdb.DuckDBPyConnection, plan: TargetPlan, source_name: str) -> None:
    """Same key (and same known_at) with different values inside one load."""
    if plan.target.on_conflict != "reject":
        return
    keys = [k for k in plan.spec.key if k in plan.columns]
    if not keys:
        return
    group = ", ".join(quote_ident(k) for k in keys) + (f", {plan.time_column}" if plan.spec.versioned else "")
    total, distinct = rows(con, f"select count(*), count(distinct ({group})) from {plan.table}")[0]
    plan.keys_unique = total == distinct
    if plan.keys_unique:
        return          # every key once: nothing can disagree
    con.execute(
        f"create or replace temp table _conflict as select {group} from {plan.table} "
        f"where _row not in (select _row from _problem) group by {group} "
        f"having count(*) > 1 and min({row_hash_sql(plan)}) <> max({row_hash_sql(plan)})"
    )
    if not rows(con, "select count(*) from _conflict")[0][0]:
        return
    con.execute(
        f"insert into _problem select t._row, $src, 'rejected', $label, $keycol, g.k, "
        f"$pre || g.k || ' appears in rows ' || g.rows_list || ' with different values', g.k "
        f"from {plan.table} t join (select {group}, {_record_key(plan)} as k, "
        f"string_agg(CAST(_row AS VARCHAR), ', ' ORDER BY _row) as rows_list from {plan.table} "
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
        f"from {plan.table} t join {quote_ident(plan.target.table)} s on {on} where {compare}",
        {"src": source_name, "label": plan.label,
         "msg": f"{plan.target.table}: key already stored with other values; reference tables are not "
                "versioned (load changed values under a new key, e.g. a new hs_version or rate_date)"},
    )


def hold_declarations_together(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], status: str, source_name: str) -> None:
    """A declaration and its items load or wait or are rejected together."""
    decl = [p for p in plans if p.target.table in ("declaration", "declaration_item")]
    if not decl or not rows(con, "select count(*) from _problem where status = $s", {"s": status})[0][0]:
        return
    union = " union all ".join(f"select _row, declaration_id from {p.table}" for p in decl)
    con.execute(f"create or replace temp table _row_decl as select distinct * from ({union}) "
                "where declaration_id is not null")
    con.execute(
        "insert into _problem select r._row, $src, $status, 'declaration', 'declaration_id', r.declaration_id, "
        "'held with its declaration ' || r.declaration_id || ': ' || first(p.reason ORDER BY p._row), r.declaration_id "
        "from _row_decl r join _row_decl bad on bad.declaration_id = r.declaration_id "
        "join _problem p on p._row = bad._row and p.status = $status and p.source_name = $src "
        "where r._row not in (select _row from _problem where status = $status) group by r._row, r.declaration_id",
        {"src": source_name, "status": status},
    )


def check_references(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], source_name: str) -> None:
    """Ids that name records neither stored nor in this load make their row wait."""
    keys_in_load: dict[str, list[str]] = {}
    for p in plans:
        if len(p.spec.key) == 1 and p.spec.key[0] in p.columns:
            keys_in_load.setdefault(p.target.table, []).append(
                f"select {quote_ident(p.spec.key[0])} as k from {p.table} "
                f"where _row not in (select _row from _problem where status = 'rejected')")
    for p in plans:
        for col, ref_table in p.spec.refs.items():
            if col not in p.columns:
                continue
            ref_key = TABLES[ref_table].key[0]
            known = [f"select {quote_ident(ref_key)} as k from {quote_ident(ref_table)}"] + keys_in_load.get(ref_table, [])
            c = quote_ident(col)
            con.execute(
                f"insert into _problem select t._row, $src, 'waiting', $label, $col, t.{c}, "
                f"'waiting for ' || $ref || ' ' || t.{c} || ' (' || $col || '), not loaded yet', t.{c} "
                f"from {p.table} t where t.{c} is not null "
                f"and t._row not in (select _row from _problem where status = 'rejected') "
                f"and t.{c} not in ({' union all '.join(known)})",
                {"src": source_name, "label": p.label, "col": col, "ref": ref_table},
            )


def convert_currency(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], base: str, source_name: str) -> None:
    """customs_value_base of items at the rate of the lodgement date; no rate yet -> the row waits."""
    items = next((p for p in plans if p.target.table == "declaration_item"), None)
    decl = next((p for p in plans if p.target.table == "declaration"), None)
    if items is None or decl is None:
        return
    has_value = "customs_value" in items.columns
    has_cur = "currency" in items.columns
    decl_cur = "d.currency" if "currency" in decl.columns else "NULL"
    item_cur = "i.currency" if has_cur else "NULL"
    if not has_cur:
        con.execute(f"alter table {items.table} add column currency varchar")
        items.columns.append("currency")
    con.execute(f"alter table {items.table} add column customs_value_base double")
    con.execute(f"alter table {items.table} add column _decl_known_at timestamp")
    items.columns.append("customs_value_base")
    con.execute(
        f"update {items.table} i set currency = coalesce({item_cur}, {decl_cur}, $base), "
        f"_decl_known_at = d.known_at from {decl.table} d where d._row = i._row",
        {"base": base},
    )
    if not has_value:
        return
    con.execute(
        f"create or replace temp table _rates as select i._row, r.units_per_base, cast(d.lodged_at as date) as day "
        f"from {items.table} i join {decl.table} d on d._row = i._row "
        f"asof left join exchange_rate r on r.currency = i.currency and r.rate_date <= cast(d.lodged_at as date) "
        f"where i.currency <> $base",
        {"base": base},
    )
    con.execute(
        f"update {items.table} i set customs_value_base = CASE WHEN i.currency = $base THEN i.customs_value "
        f"ELSE i.customs_value / r.units_per_base END from (select i2._row, r2.units_per_base from {items.table} i2 "
        f"left join _rates r2 using (_row)) r where r._row = i._row",
        {"base": base},
    )
    con.execute(
        f"insert into _problem select r._row, $src, 'waiting', $label, 'currency', i.currency, "
        f"'no exchange rate for ' || i.currency || ' on or before ' || CAST(r.day AS VARCHAR) || ' (load rates first)', NULL "
        f"from _rates r join {items.table} i using (_row) where r.units_per_base is null and i.customs_value is not null",
        {"src": source_name, "label": items.label},
    )
