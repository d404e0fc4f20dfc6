/*
title: Unit values by HS6 and origin
description: >
  Distribution of declared unit values (base currency per unit of quantity) for each HS6
  subheading, origin and quantity unit: count, 10th percentile, median, 90th percentile.
  The reference the price indicators compare with, over any period.
tags: [price]
parameters:
  hs_prefix: {type: string, description: "HS code prefix (2 to 6 digits), all when empty", default: null}
  origin: {type: string, description: Country of origin (ISO alpha-2), default: null}
  since: {type: date, description: First lodgement day (inclusive), default: null}
  until: {type: date, description: Last lodgement day (inclusive), default: null}
  min_items: {type: integer, description: Only groups with at least this many items, default: 1, minimum: 1}
*/
select left(i.hs_code, 6) as hs6, coalesce(i.country_origin, d.country_origin) as origin,
       lower(i.quantity_unit) as unit, count(*) as items,
       round(quantile_cont(i.customs_value_base / i.quantity, 0.1), 4) as p10,
       round(median(i.customs_value_base / i.quantity), 4) as median,
       round(quantile_cont(i.customs_value_base / i.quantity, 0.9), 4) as p90
from declaration_current d
join declaration_item i using (declaration_id, version)
where i.quantity > 0 and i.customs_value_base is not null
  and ($hs_prefix is null or starts_with(i.hs_code, $hs_prefix))
  and ($origin is null or coalesce(i.country_origin, d.country_origin) = $origin)
  and ($since is null or d.lodged_at >= $since)
  and ($until is null or d.lodged_at < $until::date + 1)
group by all
having count(*) >= $min_items
order by hs6, origin, unit
