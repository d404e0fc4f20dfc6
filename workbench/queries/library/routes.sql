/*
title: Routes (dispatch to origin)
description: >
  Declarations by country of dispatch and country of origin, with whether the dispatch
  country is a known transhipment hub; dispatch different from origin suggests transhipment.
tags: [route]
parameters:
  hs_prefix: {type: string, description: "HS code prefix, all when empty", default: null}
  since: {type: date, description: First lodgement day (inclusive), default: null}
*/
select d.country_dispatch as dispatch, coalesce(i.country_origin, d.country_origin) as origin,
       coalesce(c.is_transhipment_hub, false) as dispatch_is_hub,
       count(distinct d.declaration_id) as declarations,
       round(sum(i.customs_value_base), 2) as declared_value
from declaration_current d
join declaration_item i using (declaration_id, version)
left join country c on c.country_code = d.country_dispatch
where ($hs_prefix is null or starts_with(i.hs_code, $hs_prefix))
  and ($since is null or d.lodged_at >= $since)
group by all
order by declarations desc, dispatch, origin
