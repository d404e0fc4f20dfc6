"""Compile a profile to DuckDB SQL over the evaluation frame, with bound parameters only.

The frame is two relations (see :mod:`workbench.profiles.frame` and, for the targeting service,
the bundle's own frame): ``pf_item`` — one row per declaration item, a column per field named
exactly as the field (``"item.hs_code"``), plus ``declaration_id``, ``item_no``, ``lodged_at``
and ``attrs`` (source attributes as JSON) — and ``pf_list`` (``list_id``, ``value``,
``valid_from``, ``valid_to``), the members of target lists.

Field names become quoted identifiers only after :func:`workbench.profiles.fields.resolve` has
accepted them; every value — strings, numbers, list ids, patterns, attribute names, the salt —
is a bound ``$parameter``. So no value of a spec can change the structure of the SQL.

The meaning (docs/analysts/profile-semantics.md):

- a declaration is hit when one of its items satisfies the whole criteria tree, it is in scope
  and validity, and none of its items satisfies the exceptions tree;
- a comparison on a missing value is false, and its negation true;
- a selection percentage below 100 keeps the declarations whose keyed hash falls under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.profiles import fields as flds
from workbench.profiles.selection import bucket_sql, threshold
from workbench.profiles.spec import All, Any_, Comparison, Node, Not, Profile, comparisons
from workbench.store.sql import quote_ident

FRAME = "pf_item"
LISTS = "pf_list"


@dataclass
class Compiled:
    """A profile's SQL: ``hits`` returns (declaration_id, item_no) — the first hitting item."""

    profile: Profile
    version: int
    hits: str
    params: dict[str, Any]
    leaves: list[Comparison] = field(default_factory=list)
    leaf_sql: list[str] = field(default_factory=list)
    value_sql: list[str] = field(default_factory=list)


class _Builder:
    def __init__(self, prefix: str):
        self.prefix = prefix
        self.params: dict[str, Any] = {}

    def bind(self, value: Any, cast: str = "") -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f"${name}{cast}"

    # -- fields ---------------------------------------------------------------------------
    def column(self, comp: Comparison) -> str:
        """The SQL for the field's value: a quoted frame column, or an attribute read from JSON."""
        field = flds.resolve(comp.field)
        if field.family == "attr":
            path = self.bind('$."' + flds.attr_name(comp.field) + '"')
            text = f"json_extract_string(attrs, {path})"
            if _numeric(comp):
                pattern = self.bind(flds.NUMBER_PATTERN)
                return f"(CASE WHEN regexp_full_match({text}, {pattern}) THEN try_cast({text} AS DOUBLE) END)"
            return text
        return flds.column(field.name)

    # -- nodes ----------------------------------------------------------------------------
    def node(self, node: Node) -> str:
        if isinstance(node, All):
            return "(" + " AND ".join(self.node(n) for n in node.all) + ")"
        if isinstance(node, Any_):
            return "(" + " OR ".join(self.node(n) for n in node.any) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.node(node.not_)})"
        return self.leaf(node)

    def leaf(self, comp: Comparison) -> str:
        """One comparison, never NULL: a missing value makes it false."""
        c = self.column(comp)
        op, v = comp.op, comp.value
        kind = _cast(comp)
        if op in ("eq", "ne", "gt", "gte", "lt", "lte"):
            sym = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            expr = f"{c} {sym} {self.bind(_typed(v, kind), '::' + kind)}"
        elif op == "between":
            expr = f"{c} BETWEEN {self.bind(float(v[0]), '::DOUBLE')} AND {self.bind(float(v[1]), '::DOUBLE')}"
        elif op in ("in", "not_in"):
            values = self.bind([_typed(x, kind) for x in v], f"::{kind}[]")
            expr = f"list_contains({values}, {c})"
            if op == "not_in":
                expr = f"{c} IS NOT NULL AND NOT {expr}"
        elif op == "prefix":
            expr = f"len(list_filter({self.bind(list(v), '::VARCHAR[]')}, lambda x: starts_with({c}, x))) > 0"
        elif op == "contains":
            words = self.bind([w.lower() for w in v], "::VARCHAR[]")
            expr = f"len(list_filter({words}, lambda x: contains(lower({c}), x))) > 0"
        elif op == "matches":
            expr = f"regexp_matches({c}, {self.bind(v)})"
        elif op == "in_list":
            expr = (f"{c} IN (SELECT l.value FROM {LISTS} l WHERE l.list_id = {self.bind(v)} "
                    f"AND (l.valid_from IS NULL OR l.valid_from <= {FRAME}.lodged_at) "
                    f"AND (l.valid_to IS NULL OR {FRAME}.lodged_at < l.valid_to))")
        else:  # pragma: no cover - the spec admits no other operator
            raise ValueError(f"operator {op}")
        return f"coalesce(({expr}), false)"


def _numeric(comp: Comparison) -> bool:
    """Whether an attribute is read as a number in this comparison."""
    op, v = comp.op, comp.value
    if op in ("gt", "gte", "lt", "lte", "between"):
        return True
    values = v if isinstance(v, list) else [v]
    return op in ("eq", "ne", "in", "not_in") and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                       for x in values)


def _cast(comp: Comparison) -> str:
    field = flds.resolve(comp.field)
    if field.type == "boolean":
        return "BOOLEAN"
    if field.type == "number" or (field.family == "attr" and _numeric(comp)):
        return "DOUBLE"
    return "VARCHAR"


def _typed(value: Any, kind: str) -> Any:
    if kind == "DOUBLE":
        return float(value)
    if kind == "VARCHAR":
        return str(value)
    return bool(value)


def scope_sql(profile: Profile, b: _Builder) -> list[str]:
    """Scope and validity as conditions on the frame (all on the declaration)."""
    conds = []
    scope = profile.scope
    if scope.direction:
        conds.append(f'coalesce("declaration.direction" = {b.bind(scope.direction)}, false)')
    if scope.offices:
        conds.append(f'coalesce(list_contains({b.bind(list(scope.offices), "::VARCHAR[]")}, "declaration.office_code"), false)')
    if scope.procedures:
        conds.append(f'coalesce(list_contains({b.bind(list(scope.procedures), "::VARCHAR[]")}, "declaration.procedure_code"), false)')
    if profile.validity.from_:
        conds.append(f"lodged_at >= {b.bind(profile.validity.from_, '::DATE')}")
    if profile.validity.to:
        conds.append(f"lodged_at < {b.bind(profile.validity.to, '::DATE')} + INTERVAL 1 DAY")
    return conds


def compile_profile(profile: Profile, *, version: int | None = None, salt: str = "", prefix: str = "p_",
                    frame: str = FRAME) -> Compiled:
    """The SQL selecting a profile's hits from the frame, with its parameters.

    ``frame`` names the item relation (a checked identifier, for a pre-filtered frame).
    """
    version = version if version is not None else (profile.version or 1)
    b = _Builder(prefix)
    where = scope_sql(profile, b) + [b.node(profile.criteria)]
    frame_q = quote_ident(frame) if frame != FRAME else FRAME
    sql = (f"SELECT declaration_id, min(item_no) AS item_no FROM {frame_q} AS {FRAME}\n"
           f"WHERE {' AND '.join(where)}\nGROUP BY declaration_id")
    if profile.exceptions is not None:
        exc = b.node(profile.exceptions)
        sql = (f"SELECT h.* FROM ({sql}) h WHERE h.declaration_id NOT IN "
               f"(SELECT declaration_id FROM {frame_q} AS {FRAME} WHERE {exc})")
    if profile.treatment.selection_pct < 100:
        bucket = bucket_sql(b.bind(salt)[1:], b.bind(profile.id)[1:], b.bind(int(version))[1:], "h2.declaration_id")
        sql = (f"SELECT h2.* FROM ({sql}) h2 WHERE {bucket} < "
               f"{b.bind(threshold(profile.treatment.selection_pct))}")
    leaves = comparisons(profile.criteria)
    leaf_b = _Builder(prefix + "x")
    leaf_sql = [leaf_b.leaf(c) for c in leaves]
    value_sql = [leaf_b.column(c) for c in leaves]
    return Compiled(profile, version, sql, b.params, leaves, leaf_sql, value_sql)


def explain_sql(compiled: Compiled, frame: str = FRAME) -> tuple[str, dict[str, Any]]:
    """SQL giving, for the items of given declarations (``$ids``), each criterion's truth and the
    value it saw: the material of a hit's reason."""
    leaf_b = _Builder(compiled.params and "e_" or "e_")
    cols = []
    for n, comp in enumerate(compiled.leaves):
        cols.append(f"{leaf_b.leaf(comp)} AS c{n}")
        cols.append(f"({leaf_b.column(comp)})::VARCHAR AS v{n}")
    params = dict(leaf_b.params)
    params["ids"] = None
    frame_q = quote_ident(frame) if frame != FRAME else FRAME
    sql = (f"SELECT declaration_id, item_no, {', '.join(cols) or 'NULL AS none'} FROM {frame_q} AS {FRAME} "
           f"WHERE list_contains($ids::VARCHAR[], declaration_id) ORDER BY declaration_id, item_no")
    return sql, params


def used_fields(profiles: list[Profile]) -> set[str]:
    out: set[str] = set()
    for p in profiles:
        out |= p.fields_used()
    return out
