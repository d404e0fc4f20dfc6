-- Slice step 3: the routes of the slice's declarations, dispatch > origin, with the value of the
-- matching items on each (from the origin, when one is given). Becomes _wb_slice_route. The
-- declaration-level filters apply to the routes' own copy of the declaration's fields: the same
-- rows as a semi join with _wb_slice_declaration (with an origin: the routes from it of the
-- declarations that have one), without one. With an HS prefix, slice_routes_by_item.sql runs.
select r.dkey, r.dispatch, r.origin, r.value
from _wb_trade_route r
where true
  and r.lodged_at >= $since                                                                -- if since
  and r.lodged_at < $until::DATE + 1                                                       -- if until
  and r.office = $office                                                                   -- if office
  and r.decl_dispatch = $dispatch                                                          -- if dispatch
  and list_contains(r.exam_lanes, $lane)                                                   -- if lane
  and r.origin = $origin                                                                   -- if origin
