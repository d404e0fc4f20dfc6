-- The slice's latest declarations: route, importer, the matching items' HS codes and value, and
-- how each was examined. Keys are numbered in order of lodgement: the latest are the highest.
with latest as (
    select dkey, value from _wb_slice_declaration order by dkey desc limit $top
),
items as (
    select i.dkey, string_agg(distinct i.hs_code, ', ' order by i.hs_code) as hs_codes
    from _wb_trade_item i semi join latest using (dkey)
    where true
      and starts_with(i.hs_code, $hs_prefix)                                               -- if hs_prefix
      and i.origin = $origin                                                               -- if origin
    group by i.dkey
),
exams as (
    select dkey, string_agg(lane || ' ' || result, ', ' order by selected_at) as examined
    from _wb_slice_examination semi join latest using (dkey) group by dkey
)
select d.declaration_id, d.lodged_at, d.office, d.importer_id, p.name as importer, d.dispatch,
       d.country_origin as origin, i.hs_codes, round(l.value, 2) as declared_value, e.examined
from latest l
join _wb_trade_declaration d using (dkey)
left join items i using (dkey)
left join exams e using (dkey)
left join _wb_trade_importer p using (importer_id)
order by d.lodged_at desc, d.declaration_id desc
