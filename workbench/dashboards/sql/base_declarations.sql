-- Base 1: the current declarations the filters can reach (all of them for a dashboard's
-- snapshot), each numbered with an integer key in order of lodgement (cheap to group and join on;
-- the latest declarations are the highest keys), its importer numbered too (distinct importers
-- count faster on integers), with the count and value of all its items and the lanes it was
-- examined in (a lane filter is then a plain filter). Becomes _wb_trade_declaration. A line
-- ending in "-- if NAME" is left out when the filter NAME is empty.
with d as (
    select declaration_id, version, lodged_at, office_code, importer_id, country_dispatch, country_origin
    from declaration_current
    where true
      and lodged_at >= $since                                                              -- if since
      and lodged_at < $until::DATE + 1                                                     -- if until
      and office_code = $office                                                            -- if office
      and country_dispatch = $dispatch                                                     -- if dispatch
      and declaration_id in (select declaration_id from declaration_item where starts_with(hs_code, $hs_prefix))  -- if hs_prefix
),
lanes as (
    select declaration_id, list(distinct lane order by lane) as exam_lanes from inspection_current group by 1
),
totals as (
    select i.declaration_id, i.version, count(*) as items, sum(i.customs_value_base) as value
    from declaration_item i semi join d using (declaration_id, version)
    group by all
)
select (row_number() over (order by d.lodged_at, d.declaration_id))::INTEGER as dkey, d.declaration_id, d.version,
       d.lodged_at, d.office_code as office, d.importer_id,
       (case when d.importer_id is not null then dense_rank() over (order by d.importer_id) end)::INTEGER as importer_key,
       d.country_dispatch as dispatch, d.country_origin, coalesce(t.items, 0) as items, t.value, l.exam_lanes
from d left join totals t using (declaration_id, version) left join lanes l using (declaration_id)
order by dkey
