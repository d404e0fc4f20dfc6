/*
title: Find parties by name
description: >
  Parties whose current name contains the text (case-insensitive), with their country,
  registration and how many declarations name them in any role.
tags: [trader]
parameters:
  name: {type: string, description: Text the name contains}
*/
with p as (select * from party_current where name ilike '%' || $name || '%'),
roles as (
    select party_id, count(distinct declaration_id) as declarations
    from (select importer_id as party_id, declaration_id from declaration_current
          union all select exporter_id, declaration_id from declaration_current
          union all select declarant_id, declaration_id from declaration_current)
    where party_id in (select party_id from p)
    group by all
)
select p.party_id, p.name, p.party_kind, p.country_code, p.registered_on, p.trusted_trader,
       coalesce(r.declarations, 0) as declarations
from p left join roles r using (party_id)
order by p.name, p.party_id
