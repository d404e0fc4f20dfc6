"""The closed set of column transforms, compiled to DuckDB expressions with bound values.

Each canonical column becomes two expressions over the staged input: ``raw`` (the text after
renaming, splitting, trimming, case, padding and code translation — what an analyst would
recognise from the file) and ``typed`` (cast to the canonical type, scaled and converted). A
value whose ``raw`` is present but whose ``typed`` is not failed its conversion. Source column
names are quoted after being checked against the file; every other value is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from workbench.ingest.mapping import Column

NUMERIC = {"DOUBLE", "FLOAT", "REAL", "DECIMAL"}
INTEGER = {"INTEGER", "BIGINT", "SMALLINT", "HUGEINT", "TINYINT"}


class TransformError(ValueError):
    """A column spec that does not fit the file or the canonical column."""


@dataclass
class Params:
    """Named parameters for one statement: every mapping value goes through here."""

    values: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return "$" + name

    def for_sql(self, sql: str) -> dict[str, Any]:
        """The parameters a statement uses (DuckDB refuses unused ones)."""
        used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
        return {k: v for k, v in self.values.items() if k in used}


def quote_source(name: str, available: list[str]) -> str:
    """Quote a source column name that the file really has."""
    if name not in available:
        shown = ", ".join(available[:30]) + (" …" if len(available) > 30 else "")
        raise TransformError(f"column {name!r} is not in the source (it has: {shown})")
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Compiled:
    raw: str            # text (or list) after text steps
    typed: str          # canonical type
    describe: str       # what the typed step expects, for messages
    source_label: str   # source column(s) named in messages
    code_check: str | None = None   # SQL giving the code when it is missing from `map` (unmapped: reject)


def _text(expr: str, source_types: dict[str, str], names: list[str]) -> str:
    if len(names) == 1 and source_types.get(names[0], "VARCHAR") not in ("VARCHAR",):
        return f"CAST({expr} AS VARCHAR)"
    return expr


def compile_column(
    target: str,
    spec: Column,
    target_type: str,
    available: list[str],
    source_types: dict[str, str],
    params: Params,
) -> Compiled:
    """Compile one canonical column of one target."""
    list_target = target_type.endswith("[]")
    if spec.from_ is not None:
        expr = quote_source(spec.from_, available)
        label = spec.from_
        native = source_types.get(spec.from_, "VARCHAR")
    elif spec.concat is not None:
        parts = [quote_source(c, available) for c in spec.concat]
        expr = f"concat_ws({params.bind(spec.sep)}, {', '.join(f'CAST({p} AS VARCHAR)' for p in parts)})"
        label = "+".join(spec.concat)
        native = "VARCHAR"
    else:
        expr = f"CAST({params.bind(spec.const)} AS VARCHAR)"
        label = f"constant {spec.const!r}"
        native = "VARCHAR"

    is_list_source = native.endswith("[]")
    text_steps = spec.split or spec.case or spec.pad or spec.map is not None or spec.concat or spec.default is not None
    keep_native = native != "VARCHAR" and not is_list_source and not text_steps and native.split("(")[0] in (
        target_type.split("(")[0], "TIMESTAMP", "DATE", "DOUBLE", "BIGINT", "INTEGER", "BOOLEAN", "FLOAT")
    if not keep_native and not is_list_source and native != "VARCHAR":
        expr = f"CAST({expr} AS VARCHAR)"

    code_check = None
    if is_list_source:
        if spec.strip:
            expr = f"list_filter(list_transform({expr}, lambda x: nullif(trim(x), '')), lambda x: x IS NOT NULL)"
    elif not keep_native:
        if spec.split is not None:
            sep = params.bind(spec.split.sep)
            if spec.split.index is not None:
                expr = f"split_part({expr}, {sep}, {params.bind(spec.split.index + 1)})"
            elif list_target:
                expr = f"string_split({expr}, {sep})"
                is_list_source = True
                if spec.strip:
                    expr = f"list_filter(list_transform({expr}, lambda x: nullif(trim(x), '')), lambda x: x IS NOT NULL)"
        if not is_list_source:
            if spec.strip:
                expr = f"nullif(trim({expr}), '')"
            if spec.case:
                expr = f"{spec.case}({expr})"
            if spec.pad is not None:
                w = params.bind(spec.pad.width)
                expr = f"(CASE WHEN length({expr}) < {w} THEN lpad({expr}, {w}, {params.bind(spec.pad.char)}) ELSE {expr} END)"
            if spec.map is not None:
                keys = params.bind([str(k) for k in spec.map])
                values = params.bind([None if v is None else str(v) for v in spec.map.values()])
                found = f"list_position({keys}, {expr})"
                fallback = {"keep": expr, "null": "NULL", "reject": "NULL"}[spec.unmapped]
                expr_mapped = f"(CASE WHEN {found} IS NULL THEN {fallback} ELSE {values}[{found}] END)"
                if spec.unmapped == "reject":
                    code_check = f"(CASE WHEN {found} IS NULL THEN {expr} END)"
                expr = expr_mapped
            if spec.default is not None:
                expr = f"coalesce({expr}, CAST({params.bind(spec.default)} AS VARCHAR))"
    raw = expr

    base = target_type.split("(")[0]
    describe = base.lower()
    if list_target:
        typed = raw if is_list_source else f"(CASE WHEN {raw} IS NULL THEN NULL ELSE [{raw}] END)"
        describe = "list"
    elif base in ("DATE", "TIMESTAMP"):
        if keep_native:
            typed = f"TRY_CAST({raw} AS {base})"
        elif spec.format:
            typed = f"TRY_CAST(try_strptime({raw}, {params.bind(spec.format)}) AS {base})"
            describe = f"{base.lower()} in format {spec.format}"
        else:
            typed = f"TRY_CAST({raw} AS {base})"
            describe = f"{base.lower()} (YYYY-MM-DD{' hh:mm:ss' if base == 'TIMESTAMP' else ''})"
    elif base in NUMERIC or base in INTEGER:
        cast = "DOUBLE" if base in NUMERIC else "BIGINT"
        typed = f"TRY_CAST({raw} AS {cast})"
        describe = "number" if cast == "DOUBLE" else "whole number"
        if spec.multiply is not None:
            typed = f"({typed} * {params.bind(spec.multiply)})"
        if spec.unit is not None:
            if spec.unit.unit is not None:
                unit_expr = params.bind(spec.unit.unit.lower())
            else:
                unit_expr = f"lower(trim(CAST({quote_source(spec.unit.unit_column, available)} AS VARCHAR)))"
            typed = f"({typed} * (SELECT to_canonical FROM quantity_unit WHERE unit = {unit_expr}))"
            describe += " with a known unit"
        if cast == "BIGINT" and base == "INTEGER":
            typed = f"TRY_CAST({typed} AS INTEGER)"
    elif base == "BOOLEAN":
        if keep_native:
            typed = f"TRY_CAST({raw} AS BOOLEAN)"
        else:
            t = params.bind([v.lower() for v in spec.true_values])
            f = params.bind([v.lower() for v in spec.false_values])
            typed = (f"(CASE WHEN list_contains({t}, lower({raw})) THEN true "
                     f"WHEN list_contains({f}, lower({raw})) THEN false END)")
            describe = "yes/no value"
    elif base == "VARCHAR":
        typed = raw if not keep_native else f"CAST({raw} AS VARCHAR)"
        describe = "text"
    else:
        raise TransformError(f"{target}: canonical type {target_type} cannot be mapped")
    return Compiled(raw=raw, typed=typed, describe=describe, source_label=label, code_check=code_check)
