"""Why a declaration was hit: which criteria held on which item, with the values they saw.

The material comes from SQL over the same frame (each criterion's truth and value per item), so
the reason describes what the compiled profile did, not a re-interpretation of it.
"""

from __future__ import annotations

from typing import Any

import duckdb

from workbench.profiles.compiler import Compiled, explain_sql
from workbench.profiles.spec import All, Any_, Comparison, Node, Not

WORDS = {"eq": "is", "ne": "is not", "in": "is one of", "not_in": "is none of", "gt": ">", "gte": "≥",
         "lt": "<", "lte": "≤", "between": "is between", "prefix": "starts with", "in_list": "is on list",
         "contains": "mentions", "matches": "matches"}


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        if len(value) > 6:
            return ", ".join(map(_shown, value[:6])) + f" … ({len(value)} values)"
        return ", ".join(map(_shown, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _phrase(comp: Comparison, seen: str | None, holds: bool) -> str:
    value = comp.value
    if comp.op == "between":
        target = f"{_shown(value[0])} and {_shown(value[1])}"
    else:
        target = _shown(value)
    got = "missing" if seen is None else seen
    verb = WORDS[comp.op] if holds else "fails: " + WORDS[comp.op]
    return f"{comp.field} = {got} ({verb} {target})"


def because(node: Node, truth: dict[int, bool], seen: dict[int, str | None], index: dict[int, int]) -> tuple[bool, list[str]]:
    """Evaluate the tree from the leaves' truth and return the phrases that made it hold."""
    if isinstance(node, Comparison):
        n = index[id(node)]
        return truth[n], [_phrase(node, seen[n], truth[n])]
    if isinstance(node, Not):
        ok, inner = because(node.not_, truth, seen, index)
        return (not ok), [f"not ({'; '.join(inner)})"]
    children = [because(c, truth, seen, index) for c in (node.all if isinstance(node, All) else node.any)]
    if isinstance(node, All):
        return all(ok for ok, _ in children), [p for _, ps in children for p in ps]
    held = [ps for ok, ps in children if ok]
    return bool(held), (held[0] if held else [p for _, ps in children for p in ps])


def reasons(con: duckdb.DuckDBPyConnection, compiled: Compiled, hits: dict[str, int]) -> dict[str, str]:
    """Declaration id -> the reason, for hits given as {declaration id: hitting item}."""
    if not hits:
        return {}
    sql, params = explain_sql(compiled)
    params["ids"] = sorted(hits)
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    index = {id(c): n for n, c in enumerate(compiled.leaves)}
    out: dict[str, str] = {}
    for r in cur.fetchall():
        row = dict(zip(names, r))
        decl, item = row["declaration_id"], row["item_no"]
        if hits.get(decl) != item:
            continue
        truth = {n: bool(row[f"c{n}"]) for n in range(len(compiled.leaves))}
        seen = {n: row[f"v{n}"] for n in range(len(compiled.leaves))}
        _, phrases = because(compiled.profile.criteria, truth, seen, index)
        out[decl] = (f"{compiled.profile.id} v{compiled.version} ({compiled.profile.treatment.lane}): "
                     f"item {item}: " + "; ".join(phrases))
    return out
