"""Shape indicators: how consignments are cut and packed.

The de minimis threshold is the declared value under which a consignment pays no duty; give
it in the store's base currency (parameter ``threshold``).
"""

from __future__ import annotations

from workbench.indicators.catalogue import Catalogue, Evidence, Indicator
from workbench.indicators.price import MIN_PEERS, REFERENCE_AS_OF
from workbench.indicators.wording import count, num
from workbench.queries.params import Param

THRESHOLD = Param("threshold", "number", "The de minimis threshold, in the base currency.", default=1000.0,
                  minimum=0.0)


def _split_reason(e: Evidence) -> str:
    days, k = e.params["days"], e.params["min_count"]
    base = (f"{count(e.value, 'consignment')} under the de minimis threshold {num(e.ref)} {e.currency} for this "
            f"importer within {days} days (this one included)")
    return base + (f": at least {k}, the consignment may have been split" if e.flag else "")


SPLIT = Indicator(
    id="shape.split_below_de_minimis",
    title="Consignments split below de minimis",
    what="For a declaration under the de minimis `threshold`: the importer's declarations under the threshold "
         "within the past `days` days, this one included; fires at `min_count`.",
    why="One shipment cut into many small ones escapes duty and scrutiny; the pattern shows only across "
        "declarations.",
    as_of="The importer's declarations lodged strictly before this one within `days` days, plus this one.",
    grain="declaration",
    needs=("ix_decl", "ix_item", "ix_decl_total"),
    sql="""
select decl_key, 1 + count(*) over w as value, 1 + count(*) over w >= $min_count as flag,
       $threshold as ref, null as support, null as detail
from ix_decl_total
where importer_id is not null and not value_missing and value < $threshold
window w as (partition by importer_id order by t
             range between to_days($days) preceding and interval 1 microsecond preceding)
""",
    reason=_split_reason,
    absent="declared value at or above the threshold (or unknown), or no importer",
    params=(THRESHOLD, Param("days", "integer", "Window for counting low-value consignments.", default=7, minimum=1),
            Param("min_count", "integer", "Consignments in the window that fire.", default=3, minimum=2)),
)


def _below_reason(e: Evidence) -> str:
    total = e.value * e.ref
    if e.flag:
        return (f"declared value {num(total)} {e.currency} is just below the de minimis threshold {num(e.ref)} "
                f"({num(100 * e.value)}% of it)")
    return f"declared value {num(total)} {e.currency} is {num(100 * e.value)}% of the de minimis threshold"


JUST_BELOW = Indicator(
    id="shape.just_below_de_minimis",
    title="Declared value just below de minimis",
    what="Declared value of the consignment as a share of the de minimis `threshold`, for consignments under it; "
         "fires within `band` below the threshold (e.g. 90-100 %).",
    why="Values bunched just under the threshold are undervalued to escape duty.",
    as_of="The declaration itself, as lodged.",
    grain="declaration",
    needs=("ix_decl", "ix_item", "ix_decl_total"),
    sql="""
select decl_key, value / $threshold as value, value >= $threshold * (1 - $band) as flag,
       $threshold as ref, null as support, null as detail
from ix_decl_total where not value_missing and value < $threshold and $threshold > 0
""",
    reason=_below_reason,
    absent="declared value at or above the threshold, or unknown",
    params=(THRESHOLD, Param("band", "number", "How far below the threshold counts as just below.", default=0.1,
                             minimum=0.0, maximum=1.0)),
    unit="share of the threshold",
)


def _mpu_reason(e: Evidence) -> str:
    unit = e.item["unit"]
    ctx = f"{e.item['hs6']} in {unit} over {e.period(e.params['_months'])}"
    if e.flag is None:
        return (f"{num(e.value)} kg per {unit}: only {count(e.support, 'reference item')} for {ctx} "
                f"(needs {e.params['min_peers']}), not compared")
    k = e.params["factor"]
    ratio = e.value / e.ref if e.ref else None
    if e.flag:
        return (f"{num(e.value)} kg per {unit} is {num(ratio)} times the median {num(e.ref)} for {ctx} "
                f"(outside 1/{num(k)} to {num(k)} times; {count(e.support, 'item')})")
    return f"{num(e.value)} kg per {unit} is within {num(k)} times of the median {num(e.ref)} for {ctx}"


MASS_PER_UNIT = Indicator(
    id="shape.mass_per_unit",
    title="Net mass per unit off the HS6 norm",
    what="Net mass per unit of quantity (for goods counted, not weighed) against the median for the same HS6 and "
         "quantity unit over the 12 complete months before the lodgement month; fires more than `factor` times "
         "above or below.",
    why="Units much heavier than usual hide other goods (concealment) or are not the goods declared; much "
        "lighter ones suggest an overstated quantity that lowers the unit value.",
    as_of=REFERENCE_AS_OF,
    needs=("ix_item", "ref_mass_per_unit"),
    sql="""
select i.item_key, i.mass / i.quantity as value, r.p50 as ref, coalesce(r.n, 0) as support,
       case when coalesce(r.n, 0) >= $min_peers and r.p50 > 0
            then i.mass / i.quantity > r.p50 * $factor or i.mass / i.quantity < r.p50 / $factor end as flag,
       null as detail
from ix_item i left join ref_mass_per_unit r on r.hs6 = i.hs6 and r.unit = i.unit and r.mi = i.mi
where i.quantity > 0 and i.mass > 0 and i.unit not in ('kg', 'g', 't', 'lb', 'oz', 'kgm', 'tne')
""",
    reason=_mpu_reason,
    absent="goods weighed rather than counted, or mass or quantity missing",
    params=(MIN_PEERS, Param("factor", "number", "How many times above or below the median fires.", default=2.0,
                             minimum=1.0)),
    unit="kg per unit",
)


def register(cat: Catalogue) -> None:
    for ind in (SPLIT, JUST_BELOW, MASS_PER_UNIT):
        cat.add(ind)
