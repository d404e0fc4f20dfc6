-- Base 2: the items of those declarations (of the declaration's version) under the HS prefix and
-- from the origin, with the item's origin (else the declaration's) and its value in the base
-- currency, in the order of the declarations (numbered by lodgement: a view reading the items of
-- a few declarations close in time then skips most of the table). Becomes _wb_trade_item.
select d.dkey, i.item_no, i.hs_code, coalesce(i.country_origin, d.country_origin) as origin,
       i.customs_value_base as value
from _wb_trade_declaration d
join declaration_item i on i.declaration_id = d.declaration_id and i.version = d.version
where true
  and starts_with(i.hs_code, $hs_prefix)                                                   -- if hs_prefix
  and coalesce(i.country_origin, d.country_origin) = $origin                               -- if origin
order by d.dkey, i.item_no
