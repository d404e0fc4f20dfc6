/*
title: Indicators of a build, summarised
description: >
  For each indicator of an indicator build (the latest when none is given): items it could be
  computed for, items where it fired and the share fired.
tags: [indicators]
parameters:
  build_id: {type: integer, description: Indicator build (latest when empty), default: null}
*/
with b as (select coalesce($build_id, (select max(build_id) from indicator_build)) as build_id)
select v.indicator_id, count(*) as items_computed,
       count(*) filter (where v.flag) as items_fired,
       round(count(*) filter (where v.flag) / count(*), 4) as share_fired
from indicator_value v join b using (build_id)
group by all
order by v.indicator_id
