-- Slice step 1 with an origin (no HS prefix): the declarations with items from the origin (and
-- the other filters), with the count and value of those items. Becomes _wb_slice_declaration.
select r.dkey, any_value(d.lodged_at) as lodged_at, any_value(d.importer_id) as importer_id,
       sum(r.items)::BIGINT as items, sum(r.value) as value
from _wb_trade_route r
join _wb_trade_declaration d using (dkey)
where r.origin = $origin
  and d.lodged_at >= $since                                                                -- if since
  and d.lodged_at < $until::DATE + 1                                                       -- if until
  and d.office = $office                                                                   -- if office
  and d.dispatch = $dispatch                                                               -- if dispatch
  and r.dkey in (select dkey from _wb_trade_examination where lane = $lane)                -- if lane
group by r.dkey
