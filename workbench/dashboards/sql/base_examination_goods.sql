-- Base 7: each inspection beside each HS chapter and origin of its declaration's goods, with
-- whether the row is the inspection's first of the chapter and of the origin: a slice of a chapter
-- or of an origin then takes each inspection once with a plain filter. Becomes
-- _wb_trade_examination_goods.
select x.*, g.chapter, g.origin, g.first_of_chapter,
       row_number() over (partition by x.inspection_id, g.origin order by g.chapter) = 1 as first_of_origin
from _wb_trade_examination x
join _wb_trade_goods g using (dkey)
order by x.dkey, x.inspection_id, g.chapter, g.origin
