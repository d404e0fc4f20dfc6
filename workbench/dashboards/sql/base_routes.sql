-- Base 3: each declaration's routes, dispatch > origin of its items, with the items' count and
-- value on each (a declaration with items of two origins has two), and the declaration's date,
-- office, dispatch and importer as they are (so that a slice filters routes without a join).
-- Becomes _wb_trade_route.
select i.dkey, d.lodged_at, d.office, d.dispatch as decl_dispatch, d.importer_key, d.exam_lanes,
       coalesce(d.dispatch, '?') as dispatch, coalesce(i.origin, '?') as origin, count(*) as items,
       sum(i.value) as value
from _wb_trade_item i join _wb_trade_declaration d using (dkey)
group by all
order by i.dkey, coalesce(i.origin, '?')
