/*
title: Late-arriving results
description: >
  Inspections whose result became known at least a number of days after selection (laboratory
  results, audits). Backtests that ignore when results became known leak them into the past.
tags: [outcomes, point-in-time]
parameters:
  min_days: {type: number, description: Days between selection and result known, default: 14, minimum: 0}
*/
select inspection_id, declaration_id, selection_source, lane, result, offence_type,
       selected_at, known_at as result_known_at,
       round(date_diff('second', selected_at, known_at) / 86400.0, 1) as days_to_result
from inspection_current
where result in ('positive', 'negative')
  and date_diff('second', selected_at, known_at) >= $min_days * 86400
order by days_to_result desc, inspection_id
