-- The slice in a few numbers: declarations, matching items, their value, importers; examinations
-- with a result, positive findings and revenue recovered, all and from the random stream alone.
-- Each step is read once (a step read inline is then not copied).
with d as (
    select count(*) as declarations, coalesce(sum(items), 0)::BIGINT as items,
           round(coalesce(sum(value), 0), 2) as declared_value, count(distinct importer_key) as importers
    from _wb_slice_declaration
),
x as (
    select count(*) filter (where result in ('positive', 'negative')) as examined,
           count(*) filter (where result = 'positive') as positives,
           count(*) filter (where result in ('positive', 'negative') and stream = 'random') as random_examined,
           count(*) filter (where result = 'positive' and stream = 'random') as random_positives,
           round(coalesce(sum(revenue_recovered), 0), 2) as revenue_recovered
    from _wb_slice_examination
)
select d.*, x.* from d cross join x
