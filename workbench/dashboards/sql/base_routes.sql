-- Base 3: each declaration's routes, dispatch > origin of its items, with the items' count and
-- value on each (a declaration with items of two origins has two), and the declaration's date,
-- office, dispatch, importer and lanes as they are (so that a slice filters routes without a
-- join). Becomes _wb_trade_route.
with r as (
    select dkey, coalesce(origin, '?') as origin, count(*) as items, sum(value) as value
    from _wb_trade_item
    group by all
)
select r.dkey, d.lodged_at, d.office, d.dispatch as decl_dispatch, d.importer_key, d.exam_lanes,
       coalesce(d.dispatch, '?') as dispatch, r.origin, r.items, r.value
from r join _wb_trade_declaration d using (dkey)
order by r.dkey, r.origin
