"""The input rows of a load: the primary source with the columns its joins attach.

``_input`` is a view (the rows are not copied): the primary source's rows, each with the
columns its joins take or collect from the other sources. A join whose source has each key
once is a view over that source; one that collects lists, or whose source repeats a key, is
gathered into a small table first. Problems of the joins themselves (a secondary row no
primary row matches, a primary row with no or several matches for a ``take``) are recorded in
``_problem`` here.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from workbench.ingest.mapping import Mapping
from workbench.ingest.sources import StagedSource
from workbench.ingest.transforms import quote_source
from workbench.store.sql import rows


class PlanError(ValueError):
    """A mapping that does not fit the files or the canonical tables; nothing is loaded."""


@dataclass(frozen=True)
class Attached:
    """The columns one join attaches to the primary rows."""

    table: str                       # _join<n>: one row per key
    alias: str                       # j<n>
    on: tuple[tuple[str, str], ...]  # (primary column, key column of the join table)
    columns: tuple[str, ...]         # the columns it brings, as named in _input


@dataclass(frozen=True)
class InputShape:
    """What ``_input`` is made of, so that targets can read it whole or grouped."""

    primary: str                     # relation of the primary rows, with `_row`
    types: dict[str, str]            # column -> type of every _input column
    attached: tuple[Attached, ...] = ()

    def source_of(self, column: str) -> Attached | None:
        """The join that brings ``column`` (None for a primary column)."""
        return next((a for a in self.attached if column in a.columns), None)

    def relation(self, primary_sql: str, attached: tuple[Attached, ...] | None = None) -> str:
        """The input rows over ``primary_sql`` (the primary rows, or groups of them), with the
        columns of ``attached`` (default: every join)."""
        attached = self.attached if attached is None else attached
        if not attached:
            return primary_sql
        select = ["p.*"] + [f"{a.alias}.* EXCLUDE ({', '.join(k for _, k in a.on)})" for a in attached]
        joins = [f"LEFT JOIN {a.table} {a.alias} ON "
                 + " AND ".join(f"p.{quote_source(left, [left])} = {a.alias}.{key}" for left, key in a.on)
                 for a in attached]
        return f"(select {', '.join(select)} from {primary_sql} p {' '.join(joins)})"


def _new_name(name: str, primary: StagedSource) -> str:
    if name in primary.columns:
        raise PlanError(f"join column {name!r} already exists in source {primary.source.name!r}")
    return '"' + name.replace('"', '""') + '"'


def _keys_unique(con: duckdb.DuckDBPyConnection, table: str, keys: list[str]) -> bool:
    present = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    total, distinct = rows(con, f"select count(*), count(distinct ({', '.join(keys)})) from {table} where {present}")[0]
    return total == distinct


def build_input(con: duckdb.DuckDBPyConnection, mapping: Mapping, staged: dict[str, StagedSource]) -> InputShape:
    """Create the view ``_input``: the primary source with joined columns."""
    primary = staged[mapping.primary.name]
    attached = []
    for n, join in enumerate(mapping.joins):
        other = staged[join.source]
        on_left = [quote_source(c, primary.columns) for c in join.on]
        on_right = [quote_source(c, other.columns) for c in join.on.values()]
        keys = [f"{r} AS k{i}" for i, r in enumerate(on_right)]
        names = [_new_name(new, primary) for new in (*join.collect, *join.take)]
        if not join.collect and _keys_unique(con, other.table, on_right):
            # each key once: the join is the source itself, nothing to gather
            taken = [f"{quote_source(col, other.columns)} AS {name}" for col, name in zip(join.take.values(), names)]
            present = " AND ".join(f"{r} IS NOT NULL" for r in on_right)
            con.execute(f"create or replace temp view _join{n} as select {', '.join(keys + taken)}, "
                        f"CAST(1 AS BIGINT) AS _n{n} from {other.table} where {present}")
        else:
            gathered = []
            for (new, col), name in zip(join.collect.items(), names):
                cols = [col] if isinstance(col, str) else col
                value = ", ".join(f"CAST({quote_source(c, other.columns)} AS VARCHAR)" for c in cols)
                value = f"nullif(concat_ws(', ', {value}), '')" if len(cols) > 1 else value
                gathered.append(f"list({value} ORDER BY _row) AS {name}")
            for col, name in zip(join.take.values(), names[len(join.collect):]):
                gathered.append(f"any_value({quote_source(col, other.columns)}) AS {name}")
            gathered.append(f"count(*) AS _n{n}")
            con.execute(f"create or replace temp table _join{n} as select {', '.join(keys + gathered)} "
                        f"from {other.table} group by all")
        attached.append(Attached(f"_join{n}", f"j{n}", tuple((c, f"k{i}") for i, c in enumerate(join.on)),
                                 tuple([*join.collect, *join.take, f"_n{n}"])))
        # secondary rows that no primary row takes are quarantined, not dropped
        matched_cond = " AND ".join(f"s.{r} = p.{left}" for left, r in zip(on_left, on_right))
        con.execute(
            f"insert into _problem select s._row, $src, 'rejected', NULL, NULL, NULL, "
            f"$msg, NULL from {other.table} s where not exists (select 1 from {primary.table} p where {matched_cond})",
            {"src": join.source, "msg": f"no row of the primary source {mapping.primary.name!r} matches it "
                                        f"on {', '.join(join.on.values())}"},
        )
    shape = InputShape(primary.table, {}, tuple(attached))
    con.execute(f"create or replace temp view _input as select * from {shape.relation(primary.table)}")
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
    types = {name: typ for name, typ in rows(con, "select column_name, column_type from (describe _input)")}
    return InputShape(primary.table, types, tuple(attached))
