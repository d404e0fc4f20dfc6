-- Month by month: declarations and their matching value by month of lodgement; examinations with a
-- result and positive findings by the month the examined declaration was lodged.
with d as (
    select date_trunc('month', lodged_at)::DATE as month, count(*) as declarations,
           round(coalesce(sum(value), 0), 2) as declared_value
    from _wb_slice_declaration group by 1
),
x as (
    select date_trunc('month', lodged_at)::DATE as month,
           count(*) filter (where result in ('positive', 'negative')) as examined,
           count(*) filter (where result = 'positive') as positives
    from _wb_slice_examination group by 1
)
select d.month, d.declarations, d.declared_value, coalesce(x.examined, 0) as examined,
       coalesce(x.positives, 0) as positives
from d left join x using (month)
order by d.month
