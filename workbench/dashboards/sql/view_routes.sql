-- Routes of the slice, dispatch > origin, busiest first: declarations, declared value, whether
-- dispatch is a transhipment hub, examinations and positive findings. A declaration with items of
-- two origins counts on both routes, and so do its inspections.
with routes as (
    select dispatch, origin, count(*) as declarations, round(coalesce(sum(value), 0), 2) as declared_value
    from _wb_slice_route
    group by dispatch, origin
),
x as (
    select dispatch, origin, count(*) filter (where result in ('positive', 'negative')) as examined,
           count(*) filter (where result = 'positive') as positives
    from _wb_slice_examination_route
    group by dispatch, origin
)
select routes.dispatch, routes.origin, coalesce(c.is_transhipment_hub, false) as dispatch_is_hub,
       routes.declarations, routes.declared_value, coalesce(x.examined, 0)::BIGINT as examined,
       coalesce(x.positives, 0)::BIGINT as positives
from routes
left join x using (dispatch, origin)
left join country c on c.country_code = routes.dispatch
order by routes.declarations desc, routes.dispatch, routes.origin
limit $top
