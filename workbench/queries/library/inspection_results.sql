/*
title: Examination results by selection source and lane
description: >
  For each selection source (profile, random, officer, intelligence) and lane: inspections,
  results known, positive findings, hit rate (positives / results known) and revenue recovered,
  from the current state of each inspection. Only the random stream gives an unbiased rate.
tags: [outcomes]
parameters:
  since: {type: date, description: First selection day (inclusive), default: null}
  until: {type: date, description: Last selection day (inclusive), default: null}
*/
select selection_source, lane,
       count(*) as inspections,
       count(*) filter (where result in ('positive', 'negative')) as results_known,
       count(*) filter (where result = 'positive') as positives,
       round(count(*) filter (where result = 'positive')
             / nullif(count(*) filter (where result in ('positive', 'negative')), 0), 4) as hit_rate,
       round(coalesce(sum(revenue_recovered), 0), 2) as revenue_recovered
from inspection_current
where ($since is null or selected_at >= $since)
  and ($until is null or selected_at < $until::date + 1)
group by all
order by selection_source, lane
