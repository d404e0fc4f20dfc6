/*
title: Declarations per month
description: >
  Number of declarations, items and declared value (base currency) by month of lodgement,
  from the current version of each declaration.
tags: [volume]
parameters:
  since: {type: date, description: First lodgement day (inclusive), default: null}
  until: {type: date, description: Last lodgement day (inclusive), default: null}
  direction: {type: string, description: "import, export or transit (all when empty)", default: null,
              choices: [import, export, transit]}
*/
with d as (
    select declaration_id, version, lodged_at
    from declaration_current
    where ($since is null or lodged_at >= $since)
      and ($until is null or lodged_at < $until::date + 1)
      and ($direction is null or direction = $direction)
)
select date_trunc('month', d.lodged_at)::date as month,
       count(distinct d.declaration_id) as declarations,
       count(i.item_no) as items,
       round(sum(i.customs_value_base), 2) as declared_value
from d left join declaration_item i using (declaration_id, version)
group by all
order by month
