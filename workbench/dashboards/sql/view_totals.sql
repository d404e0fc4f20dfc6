-- The slice in a few numbers: declarations, matching items, their value, importers; examinations
-- with a result, positive findings and revenue recovered, all and from the random stream alone.
select
    (select count(*) from _wb_slice_declaration) as declarations,
    (select coalesce(sum(items), 0) from _wb_slice_declaration)::BIGINT as items,
    (select round(coalesce(sum(value), 0), 2) from _wb_slice_declaration) as declared_value,
    (select count(distinct importer_id) from _wb_slice_declaration) as importers,
    count(*) filter (where result in ('positive', 'negative')) as examined,
    count(*) filter (where result = 'positive') as positives,
    count(*) filter (where result in ('positive', 'negative') and stream = 'random') as random_examined,
    count(*) filter (where result = 'positive' and stream = 'random') as random_positives,
    round(coalesce(sum(revenue_recovered), 0), 2) as revenue_recovered
from _wb_slice_examination
