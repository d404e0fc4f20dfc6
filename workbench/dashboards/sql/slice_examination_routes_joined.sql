-- Slice step 4 with an HS prefix longer than a chapter: each inspection of the slice on each route
-- of its declaration in the slice. Becomes _wb_slice_examination_route.
select x.dkey, x.result, r.dispatch, r.origin
from _wb_slice_examination x
join _wb_slice_route r using (dkey)
