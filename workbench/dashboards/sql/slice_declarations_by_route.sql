-- Slice step 1 with an origin (no HS prefix): the declarations with items from the origin (and
-- the other filters), with the count and value of those items, read from the routes alone (they
-- carry the declaration's fields). A declaration has one route from an origin (its dispatch is
-- one), so this is a plain filter. Becomes _wb_slice_declaration.
select r.dkey, r.lodged_at, r.importer_key, r.items, r.value
from _wb_trade_route r
where r.origin = $origin
  and r.lodged_at >= $since                                                                -- if since
  and r.lodged_at < $until::DATE + 1                                                       -- if until
  and r.office = $office                                                                   -- if office
  and r.decl_dispatch = $dispatch                                                          -- if dispatch
  and list_contains(r.exam_lanes, $lane)                                                   -- if lane
