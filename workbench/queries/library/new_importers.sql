/*
title: New importers
description: >
  Importers whose first declaration was lodged in a period, with their registration date,
  declarations and declared value so far, and whether they are trusted traders.
tags: [trader, newness]
parameters:
  since: {type: date, description: First lodgement day of the period (inclusive)}
  until: {type: date, description: Last lodgement day of the period (inclusive), default: null}
*/
with firsts as (
    select d.importer_id, min(d.lodged_at) as first_lodged, count(distinct d.declaration_id) as declarations,
           round(sum(i.customs_value_base), 2) as declared_value
    from declaration_current d join declaration_item i using (declaration_id, version)
    where d.importer_id is not null
    group by all
)
select f.importer_id, p.name, p.registered_on, p.trusted_trader, f.first_lodged, f.declarations, f.declared_value
from firsts f left join party_current p on p.party_id = f.importer_id
where f.first_lodged >= $since and ($until is null or f.first_lodged < $until::date + 1)
order by f.first_lodged, f.importer_id
