"""Route and origin indicators: where the goods say they come from, and the way they came.

Transhipment hubs are the countries flagged ``is_transhipment_hub`` in the ``country``
reference table, plus any an indicator is given in its ``extra_hubs`` parameter.
"""

from __future__ import annotations

from workbench.indicators.catalogue import Catalogue, Evidence, Indicator
from workbench.indicators.inputs import HUBS
from workbench.indicators.wording import count
from workbench.queries.params import Param

EXTRA_HUBS = Param("extra_hubs", "string[]", "Countries to treat as transhipment hubs besides the country table's.",
                   default=[])


def _dno_reason(e: Evidence) -> str:
    if e.flag:
        return f"dispatched from {e.item['dispatch']} but of origin {e.item['origin']}: the goods were transhipped or re-exported"
    return f"dispatched from its country of origin {e.item['origin']}"


DISPATCH_NOT_ORIGIN = Indicator(
    id="route.dispatch_not_origin",
    title="Dispatch country differs from origin",
    what="The country of dispatch differs from the item's country of origin.",
    why="Transhipment is where false origin declarations happen: goods re-invoiced through a third country to "
        "dodge anti-dumping duty or claim a preference.",
    as_of="The declaration itself, as lodged.",
    sql="""
select item_key, (dispatch <> origin)::INTEGER as value, dispatch <> origin as flag, null as ref, null as support,
       dispatch || '>' || origin as detail
from ix_item where dispatch is not null and origin is not null
""",
    reason=_dno_reason,
    absent="country of dispatch or of origin missing",
)


def _hub_reason(e: Evidence) -> str:
    if e.flag:
        passed = e.detail or ""
        return (f"passed through the transhipment hub{'s' if ',' in passed else ''} {passed} on the way from origin "
                f"{e.item['origin']} (dispatch {e.item['dispatch']})")
    return f"no transhipment hub between origin {e.item['origin']} and arrival (dispatch {e.item['dispatch']})"


VIA_HUB = Indicator(
    id="route.via_hub",
    title="Routed through a transhipment hub",
    what="The country of dispatch (and, with `ports_of_call`, a port of call of the voyage as known before "
         "lodgement) is a transhipment hub other than the country of origin; the value counts the hubs passed.",
    why="Hubs known for origin laundering are where goods change paperwork; routing through one without "
        "originating there is a classic false-origin pattern.",
    as_of="The declaration as lodged; the voyage's latest version known before lodgement; the hub list as it "
          "stands at the build (a reference table).",
    sql=f"""
with hub as (select coalesce(list(country_code), []) as hs from {HUBS} h(country_code) where country_code is not null),
voy as (
    select i.item_key, v.ports_of_call
    from (select item_key, voyage_id, t from ix_item where voyage_id is not null and $ports_of_call) i
    asof join voyage v on v.voyage_id = i.voyage_id and i.t > v.known_at
),
passed as (
    select i.item_key, i.origin,
           list_distinct(list_filter(
               list_concat([i.dispatch], case when $ports_of_call
                   then list_transform(coalesce(v.ports_of_call, []), lambda p: upper(left(p, 2))) else [] end),
               lambda c: c is not null and c <> coalesce(i.origin, ''))) as countries
    from ix_item i left join voy v using (item_key)
),
hits as (
    select p.item_key, list_sort(list_filter(p.countries, lambda c: list_contains(hub.hs, c))) as h
    from passed p, hub
)
select item_key, len(h) as value, len(h) > 0 as flag, null as ref, null as support,
       case when len(h) > 0 then array_to_string(h, ', ') end as detail
from hits
""",
    reason=_hub_reason,
    absent="(always computed)",
    params=(EXTRA_HUBS, Param("ports_of_call", "boolean", "Count the voyage's ports of call too (goods may stay on "
                                                          "board: off by default).", default=False)),
)


def _shift_reason(e: Evidence) -> str:
    hs6, origin, days = e.item["hs6"], e.item["origin"], e.params["days"]
    if e.flag:
        return (f"origin {origin} is a transhipment hub, and this importer declared {hs6} "
                f"{count(e.value, 'time')} from other origins and never from {origin} in the past {days} days")
    if e.support:
        return f"this importer already declared {hs6} from {origin} {count(e.support, 'time')} in the past {days} days"
    return f"this importer had not declared {hs6} from any other origin in the past {days} days"


HUB_ORIGIN_SHIFT = Indicator(
    id="route.hub_origin_shift",
    title="Origin switched to a transhipment hub",
    what="The item's origin is a transhipment hub, and in the past `days` days the same importer declared the same "
         "HS6 only from other origins: value = earlier items from other origins, support = earlier items from "
         "this origin.",
    why="When goods under trade remedies suddenly arrive 'made in' a hub the importer never bought from, the "
        "origin was probably laundered there.",
    as_of="The importer's items lodged strictly before the declaration within `days` days, as first lodged.",
    sql=f"""
with hubs as {HUBS},
-- only the importer x HS6 trades that ever came from a hub need their history read
trades as (
    select distinct importer_id, hs6 from ix_item where origin in (select country_code from hubs)
),
w as (
    select item_key, origin,
           count(*) over w_all as past_all, count(*) over w_same as past_same
    from ix_item semi join trades using (importer_id, hs6)
    where importer_id is not null and origin is not null
    window w_all as (partition by importer_id, hs6 order by t
                     range between to_days($days) preceding and interval 1 microsecond preceding),
           w_same as (partition by importer_id, hs6, origin order by t
                      range between to_days($days) preceding and interval 1 microsecond preceding)
)
select item_key, past_all - past_same as value, past_all - past_same > 0 and past_same = 0 as flag,
       null as ref, past_same as support, origin as detail
from w where origin in (select country_code from hubs)
""",
    reason=_shift_reason,
    absent="origin is not a transhipment hub (or importer or origin missing)",
    params=(EXTRA_HUBS, Param("days", "integer", "How far back the importer's trade is read.", default=365, minimum=1)),
)


def register(cat: Catalogue) -> None:
    for ind in (DISPATCH_NOT_ORIGIN, VIA_HUB, HUB_ORIGIN_SHIFT):
        cat.add(ind)
