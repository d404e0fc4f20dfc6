"""Newness indicators: traders, trades and volumes the service has not seen before.

Fraud favours fresh faces: new companies with no history to check, new combinations of goods
and origin for an established importer, a seller suddenly shipping to a new buyer, and bursts
of volume. "Before" always means lodged strictly before the declaration.
"""

from __future__ import annotations

from workbench.indicators.catalogue import Catalogue, Evidence, Indicator
from workbench.indicators.wording import count, days, num, pct
from workbench.queries.params import Param

EARLIER = "range between unbounded preceding and interval 1 microsecond preceding"


def _first_reason(e: Evidence) -> str:
    if e.flag:
        return "first declaration of this importer: no declaration of theirs was lodged before"
    return f"this importer lodged {count(e.value, 'declaration')} before, the first on {e.detail}"


FIRST_TIME_IMPORTER = Indicator(
    id="newness.first_time_importer",
    title="First-time importer",
    what="Number of declarations the importer lodged before this one; fires when there are none.",
    why="A first consignment has no compliance history to weigh, and phoenix companies start over with a clean "
        "name.",
    as_of="The importer's declarations lodged strictly before this one.",
    grain="declaration",
    needs=("ix_decl",),
    sql=f"""
select decl_key, count(*) over w as value, count(*) over w = 0 as flag, null as ref,
       count(*) over w as support, strftime(min(t) over w, '%Y-%m-%d') as detail
from ix_decl where importer_id is not null
window w as (partition by importer_id order by t {EARLIER})
""",
    reason=_first_reason,
    absent="no importer on the declaration",
)


def _registered_reason(e: Evidence) -> str:
    limit = e.params["days"]
    if e.flag:
        return f"the importer was registered on {e.detail}, {days(e.value)} before lodgement (under {limit})"
    return f"the importer was registered on {e.detail}, {days(e.value)} before lodgement"


RECENTLY_REGISTERED = Indicator(
    id="newness.recently_registered",
    title="Importer registered recently",
    what="Days between the importer's registration date (from its party record as known before lodgement) and "
         "the lodgement; fires under `days`.",
    why="Companies set up weeks before their first large shipment, and phoenixes of struck-off offenders, are "
        "over-represented among offenders.",
    as_of="The importer's party record: the latest version known strictly before lodgement.",
    grain="declaration",
    needs=("ix_decl",),
    sql="""
select d.decl_key, date_diff('day', p.registered_on, d.t::DATE) as value,
       date_diff('day', p.registered_on, d.t::DATE) < $days as flag, $days as ref, null as support,
       strftime(p.registered_on, '%Y-%m-%d') as detail
from (select decl_key, importer_id, t from ix_decl where importer_id is not null) d
asof join party p on p.party_id = d.importer_id and d.t > p.known_at
where p.registered_on is not null
""",
    reason=_registered_reason,
    absent="no registration date known for the importer before lodgement",
    params=(Param("days", "integer", "Registered fewer days ago than this fires.", default=180, minimum=1),),
)


def _combo_reason(e: Evidence) -> str:
    what = f"{e.item['hs6']} from {e.item['origin']}"
    if e.flag:
        return f"first time this importer declares {what}"
    return f"this importer declared {what} {count(e.value, 'time')} before"


NEW_IMPORTER_HS_ORIGIN = Indicator(
    id="newness.new_importer_hs_origin",
    title="New importer x HS6 x origin",
    what="Number of earlier items of the same importer with the same HS6 and origin; fires when there are none.",
    why="An established importer suddenly bringing in new goods from a new origin may be lending its good name "
        "to someone else's consignment.",
    as_of="The importer's items lodged strictly before this declaration.",
    sql=f"""
select item_key, count(*) over w as value, count(*) over w = 0 as flag, null as ref, count(*) over w as support,
       null as detail
from ix_item where importer_id is not null and origin is not null
window w as (partition by importer_id, hs6, origin order by t {EARLIER})
""",
    reason=_combo_reason,
    absent="no importer or origin on the item",
)


def _pair_reason(e: Evidence) -> str:
    if e.flag:
        return "first declaration between this seller and this importer"
    return f"this seller and importer appeared together on {count(e.value, 'declaration')} before, the first on {e.detail}"


NEW_SELLER_IMPORTER = Indicator(
    id="newness.new_seller_importer_pair",
    title="New seller x importer pair",
    what="Number of earlier declarations with the same exporter (seller) and importer; fires when there are none.",
    why="A new supplier relationship is when invoices are easiest to falsify and hardest to compare.",
    as_of="Declarations lodged strictly before this one.",
    grain="declaration",
    needs=("ix_decl",),
    sql=f"""
select decl_key, count(*) over w as value, count(*) over w = 0 as flag, null as ref,
       count(*) over w as support, strftime(min(t) over w, '%Y-%m-%d') as detail
from ix_decl where importer_id is not null and exporter_id is not null
window w as (partition by importer_id, exporter_id order by t {EARLIER})
""",
    reason=_pair_reason,
    absent="no exporter or importer on the declaration",
)


def _chapter_reason(e: Evidence) -> str:
    ch = e.item["chapter"]
    if e.flag is None:
        return (f"only {count(e.support, 'earlier item')} for this importer (needs {e.params['min_history']}): "
                "too little history to know its usual trade")
    if e.flag:
        return (f"HS chapter {ch} is outside this importer's usual trade: {pct(e.value)} of its "
                f"{count(e.support, 'earlier item')} (under {pct(e.params['max_share'])})")
    return f"HS chapter {ch} is {pct(e.value)} of this importer's {count(e.support, 'earlier item')}"


UNUSUAL_CHAPTER = Indicator(
    id="newness.unusual_chapter",
    title="HS chapter outside the importer's usual trade",
    what="Share of the importer's earlier items in the same HS chapter; fires under `max_share` once the "
         "importer has at least `min_history` earlier items.",
    why="A shoe importer declaring phones, or a food importer declaring chemicals, may be a front lending its "
        "name, or be declaring the goods under the wrong heading.",
    as_of="The importer's items lodged strictly before this declaration (all of its history).",
    sql=f"""
with w as (
    select item_key, count(*) over w_all as past_all, count(*) over w_ch as past_ch
    from ix_item where importer_id is not null
    window w_all as (partition by importer_id order by t {EARLIER}),
           w_ch as (partition by importer_id, left(hs_code, 2) order by t {EARLIER})
)
select item_key, past_ch / past_all as value,
       case when past_all >= $min_history then past_ch / past_all < $max_share end as flag,
       $max_share as ref, past_all as support, null as detail
from w where past_all > 0
""",
    reason=_chapter_reason,
    absent="the importer has no earlier items",
    params=(Param("min_history", "integer", "Earlier items needed before the chapter mix is judged.", default=20,
                  minimum=1),
            Param("max_share", "number", "A chapter below this share of the importer's history fires.", default=0.02,
                  minimum=0.0, maximum=1.0)),
)


def _spike_reason(e: Evidence) -> str:
    win = e.params["window_days"]
    base = f"an average of {num(e.ref)} per {win} days over the {e.params['baseline_days']} days before"
    if e.flag:
        return f"{count(e.value, 'declaration')} by this importer in the last {win} days against {base}"
    if e.flag is None:
        return (f"{count(e.value, 'declaration')} by this importer in the last {win} days; history shorter than "
                f"{e.params['baseline_days']} days, no baseline")
    return f"{count(e.value, 'declaration')} by this importer in the last {win} days against {base}"


VOLUME_SPIKE = Indicator(
    id="newness.volume_spike",
    title="Sudden volume spike",
    what="Declarations of the importer in the last `window_days` days (this one included) against its average "
         "per `window_days` over the `baseline_days` before; fires at `factor` times the average and at least "
         "`min_count` declarations.",
    why="A burst of consignments from a quiet importer is how hijacked identities and one-off smuggling runs look "
        "in the data.",
    as_of="The importer's declarations lodged strictly before this one, plus this one.",
    grain="declaration",
    needs=("ix_decl",),
    sql="""
with w as (
    select decl_key,
           1 + count(*) over (partition by importer_id order by t
                              range between to_days($window_days) preceding and interval 1 microsecond preceding) as recent,
           count(*) over (partition by importer_id order by t
                          range between to_days($window_days + $baseline_days) preceding
                                and (to_days($window_days) + interval 1 microsecond) preceding) as base_n,
           min(t) over (partition by importer_id order by t
                        range between unbounded preceding and current row) as first_t,
           t
    from ix_decl where importer_id is not null
)
select decl_key, recent as value,
       case when first_t <= t - to_days($window_days + $baseline_days)
            then recent >= $min_count and recent >= $factor * base_n * $window_days / $baseline_days end as flag,
       base_n * $window_days / $baseline_days as ref, base_n as support, null as detail
from w
""",
    reason=_spike_reason,
    absent="no importer on the declaration",
    params=(Param("window_days", "integer", "The recent window.", default=30, minimum=1),
            Param("baseline_days", "integer", "The baseline before the recent window.", default=360, minimum=1),
            Param("factor", "number", "Times the baseline average that fires.", default=3.0, minimum=1.0),
            Param("min_count", "integer", "Fewest recent declarations that can fire.", default=5, minimum=1)),
)


def register(cat: Catalogue) -> None:
    for ind in (FIRST_TIME_IMPORTER, RECENTLY_REGISTERED, NEW_IMPORTER_HS_ORIGIN, NEW_SELLER_IMPORTER,
                UNUSUAL_CHAPTER, VOLUME_SPIKE):
        cat.add(ind)
