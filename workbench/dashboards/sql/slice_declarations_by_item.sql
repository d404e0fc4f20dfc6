-- Slice step 1 with an HS prefix: the declarations with at least one item under the prefix (from
-- the origin; examined in the lane, when given), with the count and value of those items. Becomes
-- _wb_slice_declaration.
select i.dkey, any_value(d.lodged_at) as lodged_at, any_value(d.importer_key) as importer_key,
       count(*) as items, sum(i.value) as value
from _wb_trade_item i
join _wb_trade_declaration d using (dkey)
where starts_with(i.hs_code, $hs_prefix)
  and d.lodged_at >= $since                                                                -- if since
  and d.lodged_at < $until::DATE + 1                                                       -- if until
  and d.office = $office                                                                   -- if office
  and d.dispatch = $dispatch                                                               -- if dispatch
  and i.origin = $origin                                                                   -- if origin
  and list_contains(d.exam_lanes, $lane)                                                   -- if lane
group by i.dkey
