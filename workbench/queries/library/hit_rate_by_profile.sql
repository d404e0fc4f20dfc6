/*
title: Hit rate by profile
description: >
  For each profile that selected declarations: selections, results known, positives, hit rate
  and revenue recovered, with the first and last selection.
tags: [outcomes, profiles]
parameters:
  since: {type: date, description: First selection day (inclusive), default: null}
*/
select profile_id, count(*) as selections,
       count(*) filter (where result in ('positive', 'negative')) as results_known,
       count(*) filter (where result = 'positive') as positives,
       round(count(*) filter (where result = 'positive')
             / nullif(count(*) filter (where result in ('positive', 'negative')), 0), 4) as hit_rate,
       round(coalesce(sum(revenue_recovered), 0), 2) as revenue_recovered,
       min(selected_at) as first_selected, max(selected_at) as last_selected
from inspection_current
where profile_id is not null and ($since is null or selected_at >= $since)
group by all
order by selections desc, profile_id
