-- Slice step 2 with an HS prefix or an origin: the inspections of the slice's declarations (in the
-- lane, when one is given). Becomes _wb_slice_examination.
select x.*
from _wb_trade_examination x
semi join _wb_slice_declaration s using (dkey)
where true
  and x.lane = $lane                                                                       -- if lane
