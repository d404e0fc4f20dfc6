/*
title: Items where an indicator fired
description: >
  Declaration items where one indicator fired in an indicator build (the latest when none is
  given), with the value, the reference it was compared with and the support behind it.
  Use `workbench indicator explain` for the reasons in words.
tags: [indicators]
parameters:
  indicator: {type: string, description: "Indicator id (e.g. price.unit_value_low)"}
  build_id: {type: integer, description: Indicator build (latest when empty), default: null}
  top: {type: integer, description: At most this many items, default: 100, minimum: 1}
*/
with b as (select coalesce($build_id, (select max(build_id) from indicator_build)) as build_id)
select it.declaration_id, it.item_no, it.lodged_at, v.value, v.ref, v.support, v.detail
from indicator_value v join b using (build_id)
join indicator_item it on it.build_id = v.build_id and it.item_key = v.item_key
where v.indicator_id = $indicator and v.flag
order by it.lodged_at desc, it.declaration_id, it.item_no
limit $top
