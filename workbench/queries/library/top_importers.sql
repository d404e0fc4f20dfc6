/*
title: Largest importers
description: >
  Importers ranked by declared value (base currency) over a period, with their declaration
  count, distinct HS chapters and origins, and when they first appeared.
tags: [trader, volume]
parameters:
  since: {type: date, description: First lodgement day (inclusive), default: null}
  until: {type: date, description: Last lodgement day (inclusive), default: null}
  top: {type: integer, description: How many importers, default: 20, minimum: 1}
*/
with d as (
    select * from declaration_current
    where direction = 'import' and importer_id is not null
      and ($since is null or lodged_at >= $since)
      and ($until is null or lodged_at < $until::date + 1)
)
select d.importer_id, p.name,
       count(distinct d.declaration_id) as declarations,
       round(sum(i.customs_value_base), 2) as declared_value,
       count(distinct left(i.hs_code, 2)) as hs_chapters,
       count(distinct coalesce(i.country_origin, d.country_origin)) as origins,
       min(d.lodged_at) as first_lodged
from d
join declaration_item i using (declaration_id, version)
left join party_current p on p.party_id = d.importer_id
group by all
order by declared_value desc nulls last, d.importer_id
limit $top
