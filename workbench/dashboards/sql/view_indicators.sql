-- Indicators of an indicator build (the latest when none is given) for the slice's matching
-- items: items computed and fired here, the share fired here and across the whole build (how much
-- more often an indicator fires on this slice than on all trade). Reads the store's indicator
-- tables: runs on a store connection.
with b as (select coalesce($build_id, (select max(build_id) from indicator_build)) as build_id),
mine as (
    select d.declaration_id, i.item_no
    from _wb_trade_item i
    join _wb_slice_declaration s using (dkey)
    join _wb_trade_declaration d using (dkey)
    where true
      and starts_with(i.hs_code, $hs_prefix)                                               -- if hs_prefix
      and i.origin = $origin                                                               -- if origin
),
k as (
    select it.build_id, it.item_key
    from indicator_item it join b using (build_id)
    join mine m on m.declaration_id = it.declaration_id and m.item_no = it.item_no
)
select v.indicator_id, count(*) as items_computed, count(*) filter (where v.flag) as items_fired,
       round(count(*) filter (where v.flag) / count(*), 4) as share_fired,
       round(any_value(d.items_fired) / nullif(any_value(d.items_computed), 0), 4) as share_fired_overall
from indicator_value v
join k using (build_id, item_key)
join indicator_definition d on d.build_id = v.build_id and d.indicator_id = v.indicator_id
group by v.indicator_id
order by items_fired desc, v.indicator_id
