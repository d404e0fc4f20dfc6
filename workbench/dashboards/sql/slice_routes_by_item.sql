-- Slice step 3 with an HS prefix: the routes of the slice's declarations from their items under
-- the prefix (and from the origin, when one is given). Becomes _wb_slice_route.
select i.dkey, coalesce(d.dispatch, '?') as dispatch, coalesce(i.origin, '?') as origin, sum(i.value) as value
from _wb_trade_item i
semi join _wb_slice_declaration using (dkey)
join _wb_trade_declaration d using (dkey)
where starts_with(i.hs_code, $hs_prefix)
  and i.origin = $origin                                                                   -- if origin
group by all
