"""Why a declaration looks the way it does: every indicator of a build for each of its items,
with the reason in words, rendered on demand from the stored values.

Example::

    with open_store(db, read_only=True) as con:
        for item in explain(con, "tiny:D2"):
            print(item.item_no, [r.reason for r in item.fired])
    # 1 ['dispatched from SG but of origin CN: the goods were transhipped or re-exported', ...]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb

from workbench.indicators.catalogue import Catalogue, CatalogueError, Evidence, catalogue
from workbench.store.connection import store_meta
from workbench.store.sql import one, rows


class ExplainError(LookupError):
    """A declaration that no build covers."""


@dataclass
class Reason:
    indicator_id: str
    title: str
    family: str
    value: float | None
    flag: bool | None
    ref: float | None
    support: float | None
    detail: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ItemExplanation:
    declaration_id: str
    version: int
    item_no: int
    build_id: int
    item: dict[str, Any]
    reasons: list[Reason] = field(default_factory=list)

    @property
    def fired(self) -> list[Reason]:
        return [r for r in self.reasons if r.flag]

    def as_dict(self, *, all_indicators: bool = True) -> dict[str, Any]:
        shown = self.reasons if all_indicators else self.fired
        return {"declaration_id": self.declaration_id, "version": self.version, "item_no": self.item_no,
                "build_id": self.build_id, "item": self.item, "fired": len(self.fired),
                "indicators": [r.as_dict() for r in shown]}


ITEM_CONTEXT = """
select it.item_key, it.declaration_id, it.version, it.item_no, it.lodged_at,
       (year(it.lodged_at) * 12 + month(it.lodged_at) - 1)::INTEGER as month_index,
       i.hs_code, left(i.hs_code, 6) as hs6, left(i.hs_code, 4) as hs4, left(i.hs_code, 2) as chapter,
       i.description, coalesce(i.country_origin, d.country_origin) as origin, d.country_dispatch as dispatch,
       lower(i.quantity_unit) as unit, i.quantity, i.net_mass_kg, i.customs_value_base as value,
       d.importer_id, d.exporter_id, d.declarant_id, d.office_code, d.transport_mode
from indicator_item it
join declaration d on d.declaration_id = it.declaration_id and d.version = it.version
join declaration_item i on i.declaration_id = it.declaration_id and i.version = it.version and i.item_no = it.item_no
where it.build_id = $build and it.declaration_id = $decl
order by it.item_no
"""


def explain(
    con: duckdb.DuckDBPyConnection,
    declaration_id: str,
    *,
    build_id: int | None = None,
    cat: Catalogue | None = None,
) -> list[ItemExplanation]:
    """Every indicator of the build (the latest that covers the declaration when none is given)
    for each item of the declaration, fired ones first, each with its reason."""
    cat = cat or catalogue()
    if build_id is None:
        build_id = one(con, "select max(build_id) from indicator_item where declaration_id = ?", [declaration_id])[0]
        if build_id is None:
            raise ExplainError(f"declaration {declaration_id} is in no indicator build: run `workbench indicator build`")
    build = one(con, "select params from indicator_build where build_id = ?", [build_id])
    if build is None:
        raise ExplainError(f"no indicator build {build_id}")
    settings = json.loads(build[0]).get("settings", {})
    months = int(settings.get("reference_months", 12))
    base = store_meta(con, "base_currency") or "USD"
    defs = rows(con, "select indicator_id, title, family, params from indicator_definition where build_id = ? "
                     "order by indicator_id", [build_id])
    cols_rel = con.execute(ITEM_CONTEXT, {"build": build_id, "decl": declaration_id})
    cols = [c[0] for c in cols_rel.description]
    items = [dict(zip(cols, r)) for r in cols_rel.fetchall()]
    if not items:
        raise ExplainError(f"declaration {declaration_id} is not in indicator build {build_id}")
    values = rows(con, """
        select v.item_key, v.indicator_id, v.value, v.flag, v.ref, v.support, v.detail
        from indicator_value v join indicator_item it on it.build_id = v.build_id and it.item_key = v.item_key
        where v.build_id = $build and it.declaration_id = $decl""", {"build": build_id, "decl": declaration_id})
    by_key = {(r[0], r[1]): r[2:] for r in values}
    out = []
    for item in items:
        key = item.pop("item_key")
        expl = ItemExplanation(item["declaration_id"], item["version"], item["item_no"], build_id, item)
        for indicator_id, title, family, params_json in defs:
            params = dict(json.loads(params_json), _months=months)
            found = by_key.get((key, indicator_id))
            try:
                ind = cat.get(indicator_id)
            except CatalogueError:
                ind = None
            if found is None:
                text = ind.absent if ind else "no value"
                expl.reasons.append(Reason(indicator_id, title, family, None, None, None, None, None, f"no value: {text}"))
                continue
            value, flag, ref, support, detail = found
            evidence = Evidence(value, flag, ref, support, detail, params, item, base)
            if ind is None:
                text = f"value {value}, reference {ref}, support {support} (indicator no longer registered)"
            else:
                try:
                    text = ind.reason(evidence)
                except Exception as exc:  # a plugin's reason must not hide the values
                    text = f"value {value}, reference {ref}, support {support} (reason failed: {exc})"
            expl.reasons.append(Reason(indicator_id, title, family, value, flag, ref, support, detail, text))
        expl.reasons.sort(key=lambda r: (not r.flag, r.flag is None, r.indicator_id))
        out.append(expl)
    return out
