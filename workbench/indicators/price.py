"""Price indicators: declared values against what the same goods were declared at before.

Undervaluation lowers duty and taxes; overvaluation can hide money laundering or a
misclassified, dearer good (declared under a cheaper heading, it looks expensive there).
References are monthly: the items of the 12 complete months before the lodgement month
(a declaration lodged on 20 March 2024 is compared with March 2023 to February 2024), so no
declaration of its own month, earlier or later, can move its reference.
"""

from __future__ import annotations

from workbench.indicators.catalogue import Catalogue, Evidence, Indicator
from workbench.indicators.inputs import monthly_reference
from workbench.indicators.wording import count, num, pct
from workbench.queries.params import Param

MIN_PEERS = Param("min_peers", "integer", "Fewest reference items needed to compare.", default=20, minimum=1)
REFERENCE_AS_OF = ("Reference: items of declarations lodged in the 12 complete months before the lodgement "
                   "month (the build setting reference_months), each declaration as first lodged.")


def _uv_context(e: Evidence) -> str:
    return f"{e.item['hs6']} from {e.item['origin']} in {e.item['unit']} over {e.period(e.params['_months'])}"


def _uv_reason(side: str, pctl: str):
    def reason(e: Evidence) -> str:
        unit = f"{e.currency}/{e.item['unit']}"
        ctx = _uv_context(e)
        if e.flag is None:
            return (f"unit value {num(e.value)} {unit}: only {count(e.support, 'reference item')} for {ctx} "
                    f"(needs {e.params['min_peers']}), not compared")
        verb = {"low": "below", "high": "above"}[side] if e.flag else "within"
        where = f"the {pctl} percentile {num(e.ref)}" if e.flag else f"the reference (the {pctl} percentile is {num(e.ref)})"
        return f"unit value {num(e.value)} {unit} is {verb} {where} for {ctx} ({count(e.support, 'item')})"
    return reason


UV_SQL = """
select i.item_key, i.value / i.quantity as value, r.{col} as ref, coalesce(r.n, 0) as support,
       case when coalesce(r.n, 0) >= $min_peers then i.value / i.quantity {op} r.{col} end as flag,
       null as detail
from ix_item i
left join ref_unit_value r on r.hs6 = i.hs6 and r.origin = i.origin and r.unit = i.unit and r.mi = i.mi
where i.quantity > 0 and i.value > 0
"""

UNIT_VALUE_LOW = Indicator(
    id="price.unit_value_low",
    title="Unit value below the 10th percentile",
    what="Declared unit value (base currency per unit of quantity) against the 10th percentile of the same "
         "HS6 x origin x quantity unit over the 12 complete months before the lodgement month.",
    why="Undervaluation is the commonest revenue fraud; a price far below what others declared for the same "
        "goods from the same origin is its first sign.",
    as_of=REFERENCE_AS_OF,
    sql=UV_SQL.format(col="p10", op="<"),
    reason=_uv_reason("low", "10th"),
    absent="no unit value: quantity or value missing or zero",
    needs=("ix_item", "ref_unit_value"),
    params=(MIN_PEERS,),
    unit="base currency per unit",
)

UNIT_VALUE_HIGH = Indicator(
    id="price.unit_value_high",
    title="Unit value above the 90th percentile",
    what="Declared unit value against the 90th percentile of the same HS6 x origin x quantity unit over the 12 "
         "complete months before the lodgement month.",
    why="Overvaluation can move money (trade-based laundering), inflate a refund or drawback, or betray dearer "
        "goods declared under a cheaper heading.",
    as_of=REFERENCE_AS_OF,
    sql=UV_SQL.format(col="p90", op=">"),
    reason=_uv_reason("high", "90th"),
    absent="no unit value: quantity or value missing or zero",
    needs=("ix_item", "ref_unit_value"),
    params=(MIN_PEERS,),
    unit="base currency per unit",
)


def _vkg_reason(e: Evidence) -> str:
    ctx = f"{e.item['hs6']} (all origins) over {e.period(e.params['_months'])}"
    if e.flag is None:
        return (f"value {num(e.value)} {e.currency}/kg: only {count(e.support, 'reference item')} for {ctx} "
                f"(needs {e.params['min_peers']}), not compared")
    ratio = e.value / e.ref if e.ref else None
    k = e.params["factor"]
    if e.flag:
        side = "below" if ratio is not None and ratio < 1 else "above"
        return (f"value {num(e.value)} {e.currency}/kg is {num(ratio)} times the median {num(e.ref)} for {ctx}, "
                f"{side} the norm (outside 1/{num(k)} to {num(k)} times; {count(e.support, 'item')})")
    return (f"value {num(e.value)} {e.currency}/kg is within {num(k)} times of the median {num(e.ref)} for {ctx} "
            f"({count(e.support, 'item')})")


VALUE_PER_KG = Indicator(
    id="price.value_per_kg",
    title="Value per kg outside the HS6 norm",
    what="Declared value per kg of net mass against the median for the same HS6 (all origins) over the 12 complete "
         "months before the lodgement month; fires when it is more than `factor` times above or below.",
    why="Value per kg works whatever the quantity unit and catches undervaluation, understated quantities and "
        "goods that are not what the heading says.",
    as_of=REFERENCE_AS_OF,
    sql="""
select i.item_key, i.value / i.mass as value, r.p50 as ref, coalesce(r.n, 0) as support,
       case when coalesce(r.n, 0) >= $min_peers and r.p50 > 0
            then i.value / i.mass < r.p50 / $factor or i.value / i.mass > r.p50 * $factor end as flag,
       null as detail
from ix_item i left join ref_value_per_kg r on r.hs6 = i.hs6 and r.mi = i.mi
where i.mass > 0 and i.value > 0
""",
    reason=_vkg_reason,
    absent="no value per kg: net mass or value missing or zero",
    needs=("ix_item", "ref_value_per_kg"),
    params=(MIN_PEERS, Param("factor", "number", "How many times above or below the median fires.", default=3.0,
                             minimum=1.0)),
    unit="base currency per kg",
)


def _duty_reason(e: Evidence) -> str:
    ctx = f"{e.item['hs6']} over {e.period(e.params['_months'])}"
    pref = f", preference {e.detail} claimed" if e.detail else ""
    if e.flag is None:
        if e.support and e.support >= e.params["min_peers"] and not e.ref:
            return f"duty is {pct(e.value)} of value{pref}; the median for {ctx} is 0, nothing to fall below"
        return (f"duty is {pct(e.value)} of value{pref}: only {count(e.support, 'reference item')} for {ctx} "
                f"(needs {e.params['min_peers']}), not compared")
    if e.flag:
        return (f"duty is {pct(e.value)} of value{pref}, below {num(e.params['ratio'])} times the median "
                f"{pct(e.ref)} for {ctx} ({count(e.support, 'item')})")
    return f"duty is {pct(e.value)} of value{pref}; the median for {ctx} is {pct(e.ref)} ({count(e.support, 'item')})"


DUTY_SHARE_LOW = Indicator(
    id="price.duty_share_low",
    title="Duty well below the HS6 norm",
    what="Duty declared as a share of customs value against the median share for the same HS6 over the 12 "
         "complete months before the lodgement month; fires below `ratio` times the median.",
    why="Duty far below what the same subheading usually pays points at misclassification or an unjustified "
        "preference claim.",
    as_of=REFERENCE_AS_OF,
    sql="""
select i.item_key, i.duty / i.customs_value as value, r.p50 as ref, coalesce(r.n, 0) as support,
       case when coalesce(r.n, 0) >= $min_peers and r.p50 > 0
            then i.duty / i.customs_value < r.p50 * $ratio end as flag,
       i.preference_code as detail
from ix_item i left join ref_duty_share r on r.hs6 = i.hs6 and r.mi = i.mi
where i.customs_value > 0 and i.duty is not null
""",
    reason=_duty_reason,
    absent="no duty share: duty or customs value missing",
    needs=("ix_item", "ref_duty_share"),
    params=(MIN_PEERS, Param("ratio", "number", "Fires below this share of the median.", default=0.5,
                             minimum=0.0, maximum=1.0)),
    unit="share of customs value",
)


def _freight_reason(e: Evidence) -> str:
    attr = e.params["attribute"]
    ctx = f"{e.item['origin']} by {e.item.get('transport_mode') or 'any mode'} over {e.period(e.params['_months'])}"
    if e.flag is None:
        return (f"freight (attribute {attr!r}) is {pct(e.value)} of value: only {count(e.support, 'reference item')} for {ctx} "
                f"(needs {e.params['min_peers']}), not compared")
    k = e.params["factor"]
    if e.flag:
        return (f"freight (attribute {attr!r}) is {pct(e.value)} of value against a median of {pct(e.ref)} for {ctx}: "
                f"more than {num(k)} times off ({count(e.support, 'item')})")
    return f"freight (attribute {attr!r}) is {pct(e.value)} of value; the median for {ctx} is {pct(e.ref)}"


# Freight lives in source attributes: read only the rows that have it, then join them to the items.
FREIGHT_SOURCE = """
freight_items as (
    select declaration_id, version, item_no, TRY_CAST(attrs ->> $attribute AS DOUBLE) as amount
    from declaration_item where attrs ->> $attribute is not null
),
freight_decls as (
    select declaration_id, version, TRY_CAST(attrs ->> $attribute AS DOUBLE) as amount
    from declaration where attrs ->> $attribute is not null
),
f as (
    select i.item_key, i.mi, i.origin, coalesce(i.transport_mode, '') as mode,
           coalesce(fi.amount, fd.amount) / i.customs_value as share
    from ix_item i join ix_decl d using (decl_key)
    left join freight_items fi on fi.declaration_id = d.declaration_id and fi.version = d.version
                                and fi.item_no = i.item_no
    left join freight_decls fd on fd.declaration_id = d.declaration_id and fd.version = d.version
    where i.customs_value > 0 and (fi.amount is not null or fd.amount is not null)
)"""

FREIGHT_SHARE = Indicator(
    id="price.freight_share",
    title="Freight share off the route norm",
    what="Freight, read from a source attribute of the item or declaration (parameter `attribute`, default "
         "'freight', in the declaration currency), as a share of customs value, against the median share for the "
         "same origin and transport mode over the 12 complete months before the lodgement month; fires more than "
         "`factor` times above or below.",
    why="Understated freight lowers a CIF customs value; overstated freight shifts value out of the dutiable "
        "price. Works on any store whose source kept freight as an attribute.",
    as_of=REFERENCE_AS_OF,
    sql=f"""
with {FREIGHT_SOURCE.strip()},
ref as ({monthly_reference(("origin", "mode"), "share", "share is not null", source="f")})
select f.item_key, f.share as value, r.p50 as ref, coalesce(r.n, 0) as support,
       case when coalesce(r.n, 0) >= $min_peers and r.p50 > 0
            then f.share > r.p50 * $factor or f.share < r.p50 / $factor end as flag,
       null as detail
from f left join ref r on r.origin = f.origin and r.mode = f.mode and r.mi = f.mi
where f.share is not null
""",
    reason=_freight_reason,
    absent="no freight attribute on this item or its declaration",
    params=(Param("attribute", "string", "Source attribute holding the freight amount (declaration currency).",
                  default="freight"),
            MIN_PEERS,
            Param("factor", "number", "How many times above or below the median fires.", default=3.0, minimum=1.0)),
    unit="share of customs value",
)


def register(cat: Catalogue) -> None:
    for ind in (UNIT_VALUE_LOW, UNIT_VALUE_HIGH, VALUE_PER_KG, DUTY_SHARE_LOW, FREIGHT_SHARE):
        cat.add(ind)
