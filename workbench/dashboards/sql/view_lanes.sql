-- Examinations of the slice by lane and stream: inspections, results known, positive findings.
-- Only the random stream estimates the compliance of all trade.
select lane, stream, count(*) as inspections,
       count(*) filter (where result in ('positive', 'negative')) as examined,
       count(*) filter (where result = 'positive') as positives
from _wb_slice_examination
group by lane, stream
order by array_position(['green', 'yellow', 'orange', 'red', 'blue'], lane), stream
