-- Slice step 1 with an HS chapter (a two-digit prefix): the declarations with goods in the chapter
-- (from the origin; examined in the lane, when given), with the count and value of those items:
-- one row of _wb_trade_goods a declaration, so a plain filter. Becomes _wb_slice_declaration.
select g.dkey, g.lodged_at, g.importer_key,
       g.chapter_items as items, g.chapter_value as value                                  -- unless origin
       g.items, g.value                                                                    -- if origin
from _wb_trade_goods g
where g.chapter = $chapter
  and g.first_of_chapter                                                                   -- unless origin
  and g.origin = $origin                                                                   -- if origin
  and g.lodged_at >= $since                                                                -- if since
  and g.lodged_at < $until::DATE + 1                                                       -- if until
  and g.office = $office                                                                   -- if office
  and g.decl_dispatch = $dispatch                                                          -- if dispatch
  and list_contains(g.exam_lanes, $lane)                                                   -- if lane
