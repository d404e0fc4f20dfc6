-- Slice step 1: the declarations the filters select (examined in the lane, when one is given),
-- with the count and value of their items. Becomes _wb_slice_declaration. With an origin,
-- slice_declarations_by_route.sql runs instead; with an HS prefix, slice_declarations_by_item.sql.
select d.dkey, d.lodged_at, d.importer_key, d.items, d.value
from _wb_trade_declaration d
where true
  and d.lodged_at >= $since                                                                -- if since
  and d.lodged_at < $until::DATE + 1                                                       -- if until
  and d.office = $office                                                                   -- if office
  and d.dispatch = $dispatch                                                               -- if dispatch
  and list_contains(d.exam_lanes, $lane)                                                   -- if lane
