"""The frame's rows of one declaration, built in Python from the lodgement message: what the
scorer's SQL fill (:meth:`workbench.targeting.scorer.Scorer`) puts in ``pf_item``, for the
reference evaluator (:mod:`workbench.profiles.evaluate`) to read without DuckDB.

Each fixed field of :mod:`workbench.profiles.fields` has its twin here, written from the same
definition (``left(i.hs_code, 6)`` is ``hs_code[:6]``); tests/test_targeting_one_truth.py holds
the two to the same rows, field by field, on the world's declarations. A field without a twin
turns the Python path off for the bundles that read it (:func:`reads_alike`).

Only messages whose every value the two read alike take this path (:func:`plain`): no NaN or
infinite number (DuckDB orders NaN above every number, the evaluator counts it missing), and
attribute values that are text (DuckDB's ``json_merge_patch`` merges nested objects and reads
numbers back in its own notation). Others go through DuckDB: one meaning either way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from workbench.profiles.fields import resolve
from workbench.profiles.spec import Profile, comparisons
from workbench.targeting.message import Declaration

Row = dict[str, Any]
Get = Callable[[Declaration, dict[str, Any], int], Any]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _per_kg(item: dict[str, Any]) -> float | None:
    value, mass = item.get("customs_value_base"), item.get("net_mass_kg")
    if value is None or mass is None or mass == 0:
        return None
    return value / mass


def _cut(n: int) -> Get:
    return lambda d, i, k: None if i.get("hs_code") is None else i["hs_code"][:n]


def _header(name: str) -> Get:
    return lambda d, i, k: d.get(name)


def _item(name: str) -> Get:
    return lambda d, i, k: i.get(name)


def _item_number(name: str) -> Get:
    return lambda d, i, k: _num(i.get(name))


TWINS: dict[str, Get] = {
    **{f"declaration.{c}": _header(c) for c in (
        "office_code", "direction", "procedure_code", "transport_mode", "importer_id", "exporter_id", "declarant_id",
        "carrier_id", "voyage_id", "bill_of_lading", "container_id", "country_dispatch", "country_origin",
        "currency")},
    "declaration.lodged_hour": lambda d, i, k: float(d["lodged_at"].hour),
    "declaration.lodged_weekday": lambda d, i, k: float(d["lodged_at"].isoweekday()),
    "declaration.importer_trusted": lambda d, i, k: d.get("importer_trusted"),
    "declaration.items": lambda d, i, k: float(k),
    "item.item_no": lambda d, i, k: float(i["item_no"]),
    "item.hs_code": _item("hs_code"),
    "item.hs6": _cut(6),
    "item.hs_chapter": _cut(2),
    "item.description": _item("description"),
    "item.country_origin": lambda d, i, k: i.get("country_origin") if i.get("country_origin") is not None
    else d.get("country_origin"),
    **{f"item.{c}": _item_number(c) for c in (
        "quantity", "net_mass_kg", "customs_value", "customs_value_base", "duty_rate", "duty")},
    "item.quantity_unit": _item("quantity_unit"),
    "item.value_per_kg": lambda d, i, k: _per_kg(i),
    "item.preference_code": _item("preference_code"),
}


def has_twin(field: str) -> bool:
    """Whether a fixed field has its Python twin (indicators and attributes always do)."""
    return field in TWINS or field.startswith(("indicator.", "attr."))


def reads_alike(profiles: list[Profile]) -> bool:
    """Whether the evaluator reads these profiles as the SQL does: every field has its twin, and
    no target list is matched against a number or a flag (SQL casts the list's text to the
    column's type there, the evaluator compares text)."""
    for p in profiles:
        for comp in comparisons(p.criteria) + comparisons(p.exceptions):
            if not has_twin(comp.field):
                return False
            if comp.op == "in_list" and resolve(comp.field).type != "text":
                return False
    return True


def _finite(value: Any) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def plain(decl: Declaration) -> bool:
    """Whether the Python rows of a declaration read exactly as the SQL fill's (see the module)."""
    if not all(_finite(v) for v in decl.values()):
        return False
    if any(not isinstance(v, str) for v in (decl.get("attrs") or {}).values()):
        return False
    for item in decl["items"]:
        if not all(_finite(v) for v in item.values()):
            return False
        if any(not isinstance(v, str) for v in (item.get("attrs") or {}).values()):
            return False
        for given in (item.get("indicators") or {}).values():
            if not _finite((given or {}).get("value")):
                return False
        per_kg = _per_kg(item)
        if per_kg is not None and not math.isfinite(per_kg):
            return False
    return True


def frame_rows(decl: Declaration, fields: list[str], indicators: list[str], *, attrs: bool,
               trusted: bool | None) -> list[Row]:
    """The rows of ``pf_item`` for one declaration (``plain``): the keys, ``attrs`` (the item's
    over the header's, when a profile reads them), the fixed ``fields`` and the indicators."""
    getters = [(f, TWINS[f]) for f in fields]
    header = dict(decl, importer_trusted=trusted)
    lodged: dt.datetime = decl["lodged_at"]
    count = len(decl["items"])
    rows = []
    for item in decl["items"]:
        row: Row = {"declaration_id": decl["declaration_id"], "decl_version": 1, "item_no": item["item_no"],
                    "lodged_at": lodged}
        if attrs:
            merged = dict(decl.get("attrs") or {})
            merged.update(item.get("attrs") or {})
            row["attrs"] = merged
        for name, get in getters:
            row[name] = get(header, item, count)
        given = item.get("indicators") or {}
        for ind in indicators:
            v = given.get(ind) or {}
            row[f"indicator.{ind}"] = _num(v.get("value"))
            row[f"indicator.{ind}.flag"] = v.get("flag")
        rows.append(row)
    return rows
