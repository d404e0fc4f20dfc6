-- Base 3: each declaration's routes, dispatch > origin of its items, with the items' count and
-- value on each (a declaration with items of two origins has two). Becomes _wb_trade_route.
select i.dkey, coalesce(d.dispatch, '?') as dispatch, coalesce(i.origin, '?') as origin, count(*) as items,
       sum(i.value) as value
from _wb_trade_item i join _wb_trade_declaration d using (dkey)
group by all
