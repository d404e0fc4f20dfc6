"""Typed records per target: what each canonical table receives from the input rows.

Each target becomes a temp table of typed values, with the value as written kept beside a
typed value only where its conversion failed (it names the fault). A flat extract repeats a
declaration's header on every item row, and a trader on every declaration it appears in, so a
target whose key repeats across rows is typed once per distinct combination of the source
values it reads — a *group* — and ``_rows`` lists the input rows that carry it. Rows with the
same source values give the same record, the same problems and the same outcome, so grouping
changes no result, only the work; ``each_row`` gives the row-by-row view where a check needs
one. Targets whose key hardly repeats (items) are typed row by row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from workbench.ingest import currency
from workbench.ingest.canonical import META_COLUMNS, TABLES, TableSpec
from workbench.ingest.inputs import InputShape, PlanError
from workbench.ingest.mapping import Mapping, Target
from workbench.ingest.transforms import Compiled, Params, TransformError, compile_column, quote_source
from workbench.store.sql import quote_ident, rows

GROUP_WHEN_KEYS_BELOW = 0.75
"""Type a target per group when its distinct keys are fewer than this share of the rows."""

_EXACT_TYPES = re.compile(
    r"(VARCHAR|BOOLEAN|U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|DATE|TIME|UUID|BLOB|VARCHAR\[\]"
    r"|TIMESTAMP(_S|_MS|_NS| WITH TIME ZONE)?|DECIMAL\(\d+,\d+\))")
"""Types whose equal values are written alike: rows equal on them type alike."""
_FLOAT_TYPES = ("DOUBLE", "FLOAT")   # 0.0 = -0.0: grouped by their text as well


@dataclass
class TargetPlan:
    index: int
    target: Target
    spec: TableSpec
    table: str                          # temp table with the typed records
    columns: list[str]                  # canonical content columns staged (with known_at)
    compiled: dict[str, Compiled] = field(default_factory=dict)
    keys_unique: bool | None = None     # every key (and version time) appears once: set when counted
    one_per_key: bool = False           # every key appears once, whatever its time: set when counted
    grouped: bool = False               # one record per group of equal rows, listed in `_rows`
    select: list[tuple[str, str]] = field(default_factory=list)   # (SQL over _input, column name)
    reads: dict[str, set[str]] = field(default_factory=dict)      # column -> input columns it reads
    checked: dict[str, str] = field(default_factory=dict)         # column -> where its own value is kept
    same_as: dict[str, str] = field(default_factory=dict)         # column -> its SQL with values bound
    wrap: str | None = None             # outer query around the typed select, which it names {inner}

    @property
    def label(self) -> str:
        return self.target.label

    @property
    def time_column(self) -> str:
        """The column that orders versions (items take their declaration's)."""
        return "_decl_known_at" if self.target.table == "declaration_item" else "known_at"

    def typed(self, column: str) -> str:
        """SQL over the input rows giving ``column`` as this target stores it."""
        return next(sql for sql, name in self.select if name == column)

    @property
    def key_list(self) -> str:
        """The key columns this target maps, quoted (NULL when it maps none)."""
        return ", ".join(quote_ident(k) for k in self.spec.key if k in self.columns) or "NULL"

    def all_reads(self) -> set[str]:
        return set().union(*self.reads.values()) if self.reads else set()

    def each_row(self, where: str = "") -> str:
        """The typed records one line per input row (``_row`` first), filtered by ``where`` (SQL
        on the record's columns, applied before a group is spread over its rows)."""
        if not self.grouped:
            return f"(select * from {self.table} {where})" if where else self.table
        return f"(select unnest(_rows) AS _row, * EXCLUDE (_row, _rows) from {self.table} {where})"


def from_same_row(child: TargetPlan, column: str, parent: TargetPlan) -> bool:
    """Whether every input row gives ``parent`` a record whose key is the row's ``column`` of
    ``child`` (the items of a flat row and their declaration): same source, same transforms."""
    return (parent.target.when is None and len(parent.spec.key) == 1 and column in child.same_as
            and parent.same_as.get(parent.spec.key[0]) == child.same_as[column])


def row_hash_sql(plan: TargetPlan, alias: str = "") -> str:
    """MD5 of a record's content (every column but known_at, with attributes): what decides
    whether a record is new, unchanged or an amendment."""
    content = [c for c in plan.columns if c not in ("known_at", "customs_value_base")] + ["attrs"]
    parts = ", ".join(f"coalesce(CAST({alias}{quote_ident(c)} AS VARCHAR), chr(30))" for c in content)
    return f"md5(concat_ws(chr(31), {parts}))"


def _store_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {
        name: typ
        for name, typ in rows(
            con,
            "select column_name, data_type from information_schema.columns where table_name = ? "
            "order by ordinal_position", [table],
        )
    }


def required_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        r[0] for r in rows(
            con, "select column_name from information_schema.columns where table_name = ? and is_nullable = 'NO'",
            [table],
        )
    } - set(META_COLUMNS)


def known_at_default(plan: TargetPlan, store_columns: list[str], column_sql: dict[str, str] | None = None) -> str:
    """The table's rule for known_at when the mapping gives none, over the typed columns (or,
    with ``column_sql``, over the input rows). Columns the mapping leaves out are unknown."""
    default = plan.spec.known_at.replace("$load_time", "CAST($load_time AS TIMESTAMP)")
    names = [c for c in store_columns if c != "known_at"]
    if not names:
        return default

    def name_sql(match: re.Match[str]) -> str:
        col = match.group(1)
        if col not in plan.target.columns:
            return "NULL"
        return f"({column_sql[col]})" if column_sql is not None else col

    return re.sub(rf"\b({'|'.join(map(re.escape, names))})\b", name_sql, default)


def _compile(con: duckdb.DuckDBPyConnection, mapping: Mapping, shape: InputShape,
             params: Params) -> tuple[list[TargetPlan], list[str], dict[str, list[str]]]:
    available = [c for c in shape.types if c != "_row" and not re.fullmatch(r"_n\d+", c)]
    used = {c for t in mapping.targets for spec in t.columns.values() for c in spec.source_columns()}
    used |= {t.when for t in mapping.targets if t.when}
    used |= {c for j in mapping.joins for c in j.on}
    unmapped = [c for c in available if c not in used]
    tables = [t.table for t in mapping.targets]
    if "declaration_item" in tables and "declaration" not in tables:
        raise PlanError("a declaration_item target needs a declaration target in the same mapping "
                        "(a declaration and its items load together)")
    plans, store_columns = [], {}
    for i, target in enumerate(mapping.targets):
        spec = TABLES[target.table]
        types = _store_types(con, target.table)
        store_columns[target.table] = list(types)
        required = required_columns(con, target.table)
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
        for col, colspec in target.columns.items():
            try:
                comp = compile_column(col, colspec, types[col], available, shape.types, params)
            except TransformError as exc:
                raise PlanError(f"target {target.label}, column {col}: {exc}") from None
            plan.compiled[col] = comp
            typed = comp.typed
            if col in spec.ids:
                typed = f"({params.bind(mapping.source_id + ':')} || {typed})"
            plan.select.append((typed, col))
            plan.same_as[col] = re.sub(r"\$(p\d+)", lambda m: repr(params.values[m.group(1)]), typed)
            # the value as written is kept only where conversion failed: it names the fault
            # (text kept as text cannot fail: no column for it)
            if comp.typed != comp.raw:
                plan.select.append((f"CASE WHEN {comp.typed} IS NULL THEN {comp.raw} END", "r_" + col))
            if comp.code_check:
                plan.select.append((comp.code_check, "c_" + col))
            plan.reads[col] = set(colspec.source_columns())
            plan.columns.append(col)
        if "known_at" not in target.columns and spec.known_at:
            plan.columns.append("known_at")
        keep = target.keep_attributes if target.keep_attributes is not None else i == 0
        if keep and unmapped and "attrs" in types:
            pairs = ", ".join(f"{params.bind(c)}, {quote_source(c, available)}" for c in unmapped)
            plan.select.append((f"json_object({pairs})", "attrs"))
            plan.reads["attrs"] = set(unmapped)
        else:
            plan.select.append(("CAST(NULL AS JSON)", "attrs"))
        if target.when:
            quote_source(target.when, available)
            plan.reads["_when"] = {target.when}
        plans.append(plan)
    return plans, unmapped, store_columns


def _group_by(plan: TargetPlan, shape: InputShape, columns: set[str]) -> tuple[list[str], list[str]] | None:
    """Primary columns that decide ``columns`` (a join's columns are decided by its keys), and
    the expressions to group them by; None when a type does not group exactly."""
    names: list[str] = []
    for col in sorted(columns):
        source = shape.source_of(col)
        for name in ([left for left, _ in source.on] if source else [col]):
            if name not in names:
                names.append(name)
    exprs = []
    for name in names:
        q, typ = quote_source(name, [name]), shape.types.get(name, "")
        if typ in _FLOAT_TYPES:
            exprs += [q, f"CAST({q} AS VARCHAR)"]
        elif _EXACT_TYPES.fullmatch(typ):
            exprs.append(q)
        else:
            return None
    return names, exprs


def _choose_grouping(con: duckdb.DuckDBPyConnection, plans: list[TargetPlan], shape: InputShape) -> None:
    """Group the targets whose keys repeat over the rows (a header on its item rows)."""
    counts, candidates = [], []
    for plan in plans:
        if _group_by(plan, shape, plan.all_reads()) is None:
            continue
        key_reads = set().union(*(plan.reads.get(k, set()) for k in plan.spec.key))
        by = _group_by(plan, shape, key_reads)
        counts.append(f"approx_count_distinct(hash({', '.join(by[1])}))" if by and by[1] else "1")
        candidates.append(plan)
    if not candidates:
        return
    total, *distinct = rows(con, f"select count(*), {', '.join(counts)} from {shape.primary}")[0]
    for plan, n in zip(candidates, distinct):
        plan.grouped = n < GROUP_WHEN_KEYS_BELOW * total


def _relation(plan: TargetPlan, shape: InputShape) -> tuple[str, str]:
    """Where a target's typed select reads from: the input rows, or their groups."""
    when = plan.target.when
    if not plan.grouped:
        return "_input", f"WHERE {quote_source(when, [when])} IS NOT NULL" if when else ""
    names, exprs = _group_by(plan, shape, plan.all_reads())
    before = when is not None and shape.source_of(when) is None
    pre = f"WHERE {quote_source(when, [when])} IS NOT NULL" if before else ""
    cols = "".join(f"{quote_source(n, [n])}, " for n in names)
    groups = f"GROUP BY {', '.join(exprs)}" if exprs else ""
    grouped = f"(select {cols}min(_row) AS _row, list(_row) AS _rows from {shape.primary} {pre} {groups})"
    attached = tuple(a for a in shape.attached if any(shape.source_of(c) is a for c in plan.all_reads()))
    post = f"WHERE {quote_source(when, [when])} IS NOT NULL" if when and not before else ""
    return shape.relation(grouped, attached), post


def stage_targets(
    con: duckdb.DuckDBPyConnection, mapping: Mapping, shape: InputShape, params: Params, base_currency: str,
) -> tuple[list[TargetPlan], list[str]]:
    """One typed temp table per target (values as written kept beside typed ones where the
    conversion failed); items also get their declaration's known_at and their value in the
    base currency.

    Returns the plans and the source columns no target maps (kept as attributes)."""
    plans, unmapped, store_columns = _compile(con, mapping, shape, params)
    items = next((p for p in plans if p.target.table == "declaration_item"), None)
    decl = next((p for p in plans if p.target.table == "declaration"), None)
    if items is not None and decl is not None:
        column_sql = {col: decl.typed(col) for col in decl.target.columns}
        decl_known_at = (column_sql["known_at"] if "known_at" in decl.target.columns
                         else known_at_default(decl, store_columns["declaration"], column_sql))
        currency.add_item_columns(con, items, decl, decl_known_at, params, base_currency)
    _choose_grouping(con, plans, shape)
    for plan in plans:
        relation, where = _relation(plan, shape)
        record = ["_row"] + (["_rows"] if plan.grouped else []) + [f"{sql} AS {quote_ident(name)}"
                                                                    for sql, name in plan.select]
        sql = f"select {', '.join(record)} from {relation} {where}"
        if "known_at" not in plan.target.columns and plan.spec.known_at:
            sql = f"select *, {known_at_default(plan, store_columns[plan.target.table])} AS known_at from ({sql})"
        if plan.wrap:
            sql = plan.wrap.replace("{inner}", sql)
        sql = f"select *, {row_hash_sql(plan)} AS row_hash from ({sql})"
        sql = f"create or replace temp table {plan.table} as {sql}"
        con.execute(sql, params.for_sql(sql))
    return plans, unmapped
