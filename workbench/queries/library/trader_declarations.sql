/*
title: Declarations of a trader
description: >
  Every current declaration in which a party appears (as importer, exporter, declarant or
  carrier), newest first, with its role, route and declared value.
tags: [trader]
parameters:
  party_id: {type: string, description: "Party id as stored, with its source prefix (e.g. tiny:P1)"}
  since: {type: date, description: First lodgement day (inclusive), default: null}
*/
select d.declaration_id, d.lodged_at,
       case $party_id when d.importer_id then 'importer' when d.exporter_id then 'exporter'
                      when d.declarant_id then 'declarant' else 'carrier' end as role,
       d.office_code, d.country_dispatch, d.country_origin, d.transport_mode,
       count(i.item_no) as items, round(sum(i.customs_value_base), 2) as declared_value
from declaration_current d
left join declaration_item i using (declaration_id, version)
where $party_id in (d.importer_id, d.exporter_id, d.declarant_id, d.carrier_id)
  and ($since is null or d.lodged_at >= $since)
group by all
order by d.lodged_at desc
