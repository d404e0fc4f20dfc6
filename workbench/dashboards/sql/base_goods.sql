-- Base 6: the goods of each declaration by HS chapter and origin (a row per declaration, chapter
-- and origin: the items' count and value), with the chapter's count and value over all origins and
-- whether the row is the chapter's first, and the declaration's date, office, dispatch and
-- importer. A slice of a chapter (with or without an origin) or of an origin then reads one row a
-- declaration with a plain filter, and nothing is grouped per change. Becomes _wb_trade_goods.
with g as (
    select dkey, left(hs_code, 2) as chapter, coalesce(origin, '?') as origin, count(*) as items,
           sum(value) as value
    from _wb_trade_item
    group by all
)
select g.dkey, g.chapter, g.origin, g.items, g.value,
       (sum(g.items) over chapter)::BIGINT as chapter_items, sum(g.value) over chapter as chapter_value,
       row_number() over (chapter order by g.origin) = 1 as first_of_chapter,
       d.lodged_at, d.office, d.dispatch as decl_dispatch, d.importer_key, d.exam_lanes,
       coalesce(d.dispatch, '?') as dispatch
from g join _wb_trade_declaration d using (dkey)
window chapter as (partition by g.dkey, g.chapter)
order by g.dkey, g.chapter, g.origin
