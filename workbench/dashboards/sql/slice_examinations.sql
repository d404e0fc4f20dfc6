-- Slice step 2: the inspections of the slice's declarations (in the lane, when one is given), with
-- the lodgement of the declaration examined. Becomes _wb_slice_examination. The declaration-level
-- filters apply to the inspections' own copy of the declaration's fields: the same rows as a join
-- with _wb_slice_declaration, without one. With an HS prefix or an origin (the slice then depends
-- on the items), slice_examinations_joined.sql runs instead.
select x.*
from _wb_trade_examination x
where true
  and x.lodged_at >= $since                                                                -- if since
  and x.lodged_at < $until::DATE + 1                                                       -- if until
  and x.office = $office                                                                   -- if office
  and x.decl_dispatch = $dispatch                                                          -- if dispatch
  and x.lane = $lane                                                                       -- if lane
