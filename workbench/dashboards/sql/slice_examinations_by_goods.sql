-- Slice step 2 with an HS chapter or an origin (no longer HS prefix): the inspections of
-- declarations with goods in the chapter and from the origin (in the lane, when one is given),
-- each once: read from _wb_trade_examination_goods with a plain filter. Becomes
-- _wb_slice_examination.
select x.* exclude (chapter, origin, first_of_chapter, first_of_origin)
from _wb_trade_examination_goods x
where true
  and x.chapter = $chapter                                                                 -- if chapter
  and x.first_of_chapter                                                                   -- if chapter unless origin
  and x.origin = $origin                                                                   -- if origin
  and x.first_of_origin                                                                    -- if origin unless chapter
  and x.lodged_at >= $since                                                                -- if since
  and x.lodged_at < $until::DATE + 1                                                       -- if until
  and x.office = $office                                                                   -- if office
  and x.decl_dispatch = $dispatch                                                          -- if dispatch
  and x.lane = $lane                                                                       -- if lane
