-- Slice step 3 with an HS chapter: the routes of the slice's declarations from their goods in the
-- chapter (and from the origin, when one is given): a declaration's goods of one chapter and one
-- origin are one row of _wb_trade_goods, so a plain filter. Becomes _wb_slice_route.
select g.dkey, g.dispatch, g.origin, g.value
from _wb_trade_goods g
where g.chapter = $chapter
  and g.origin = $origin                                                                   -- if origin
  and g.lodged_at >= $since                                                                -- if since
  and g.lodged_at < $until::DATE + 1                                                       -- if until
  and g.office = $office                                                                   -- if office
  and g.decl_dispatch = $dispatch                                                          -- if dispatch
  and list_contains(g.exam_lanes, $lane)                                                   -- if lane
