-- Slice step 2: the inspections of the slice's declarations (in the lane, when one is given),
-- with the lodgement of the declaration examined. Becomes _wb_slice_examination.
select x.*, s.lodged_at
from _wb_trade_examination x
join _wb_slice_declaration s using (dkey)
where true
  and x.lane = $lane                                                                       -- if lane
