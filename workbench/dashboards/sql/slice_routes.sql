-- Slice step 3: the routes of the slice's declarations, dispatch > origin, with the value of the
-- matching items on each (from the origin, when one is given). Becomes _wb_slice_route. With an
-- HS prefix, slice_routes_by_item.sql runs instead.
select r.dkey, r.dispatch, r.origin, r.value
from _wb_trade_route r semi join _wb_slice_declaration using (dkey)
where true
  and r.origin = $origin                                                                   -- if origin
