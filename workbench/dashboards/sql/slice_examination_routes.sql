-- Slice step 4: each inspection of the slice on each route of its declaration in the slice
-- (dispatch > origin of the matching goods), read from _wb_trade_examination_goods with a plain
-- filter: for declaration-level filters each origin once; with a chapter, the chapter's goods; with
-- an origin, that origin. Becomes _wb_slice_examination_route. With an HS prefix longer than a
-- chapter, slice_examination_routes_joined.sql runs instead.
select x.dkey, x.result, coalesce(x.decl_dispatch, '?') as dispatch, x.origin
from _wb_trade_examination_goods x
where true
  and x.first_of_origin                                                                    -- unless chapter
  and x.chapter = $chapter                                                                 -- if chapter
  and x.origin = $origin                                                                   -- if origin
  and x.lodged_at >= $since                                                                -- if since
  and x.lodged_at < $until::DATE + 1                                                       -- if until
  and x.office = $office                                                                   -- if office
  and x.decl_dispatch = $dispatch                                                          -- if dispatch
  and x.lane = $lane                                                                       -- if lane
