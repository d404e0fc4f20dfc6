-- Routes of the slice, dispatch > origin, busiest first: declarations, declared value, whether
-- dispatch is a transhipment hub, examinations and positive findings. A declaration with items of
-- two origins counts on both routes.
with x as (
    select dkey, count(*) filter (where result in ('positive', 'negative')) as examined,
           count(*) filter (where result = 'positive') as positives
    from _wb_slice_examination group by dkey
),
routes as (
    select r.dispatch, r.origin, count(*) as declarations, round(coalesce(sum(r.value), 0), 2) as declared_value,
           coalesce(sum(x.examined), 0)::BIGINT as examined, coalesce(sum(x.positives), 0)::BIGINT as positives
    from _wb_slice_route r left join x using (dkey)
    group by r.dispatch, r.origin
)
select routes.dispatch, routes.origin, coalesce(c.is_transhipment_hub, false) as dispatch_is_hub,
       routes.declarations, routes.declared_value, routes.examined, routes.positives
from routes left join country c on c.country_code = routes.dispatch
order by routes.declarations desc, routes.dispatch, routes.origin
limit $top
